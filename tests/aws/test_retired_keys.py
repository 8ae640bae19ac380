"""A session kept across tests is refused loudly instead of acting in another account."""

import unittest

import botocore.exceptions
from aiobotocore.session import get_session

from asynctestkit import AwsTestCase
from asynctestkit.aws._server import RETIRED_KEY
from tests._support import problems, run_suite

# The mistake: a session made once at import time and kept by the code under test.
SESSION = get_session()


class RetiredKeyTests(unittest.TestCase):
    def test_a_session_from_an_earlier_test_is_refused_for_every_protocol(self):
        seen = {}

        class Test(AwsTestCase):
            async def test_1_first_use(self):
                async with SESSION.create_client("sts") as sts:
                    seen["first"] = (await sts.get_caller_identity())["Account"]
                seen["first_account"] = self.aws_account_id

            async def test_2_reuse(self):
                calls = {
                    "sts": lambda c: c.get_caller_identity(),  # query protocol
                    "sqs": lambda c: c.list_queues(),  # JSON protocol
                    "s3": lambda c: c.list_buckets(),  # REST XML
                    "dynamodb": lambda c: c.list_tables(),  # JSON 1.0
                }
                for service, call in calls.items():
                    async with SESSION.create_client(service) as client:
                        with self.assertRaises(botocore.exceptions.ClientError) as caught:
                            await call(client)
                    error = caught.exception.response["Error"]
                    seen[service] = (error["Code"], error.get("Message"))

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(seen["first"], seen["first_account"])
        for service in ("sts", "sqs", "s3", "dynamodb"):
            self.assertEqual(seen[service], ("InvalidClientTokenId", RETIRED_KEY), service)
