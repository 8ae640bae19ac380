"""FakeAwsMixin and MotoMixin on one class: the toolkit's clients stay real, the app's fake."""

import unittest

from aiobotocore.session import get_session

from asynctestkit import AwsTestCase
from asynctestkit.fakes import FakeAwsMixin
from tests._sdks import HAS_AIOBOTO3
from tests._support import problems, run_suite


class FakesWithMotoTests(unittest.TestCase):
    def test_aws_client_reaches_moto_while_app_clients_get_the_fake(self):
        seen = {}

        class Test(FakeAwsMixin, AwsTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                s3 = await cls.aws_client("s3")
                await s3.create_bucket(Bucket="from-class-setup")

            async def test_mixed(self):
                s3 = await self.aws_client("s3")
                await s3.create_bucket(Bucket="real")
                seen["moto"] = sorted(b["Name"] for b in (await s3.list_buckets())["Buckets"])
                if HAS_AIOBOTO3:
                    table = await self.aws_resource("dynamodb")
                    seen["resource"] = type(table).__name__
                    await table.meta.client.list_tables()  # reaches moto, not the fakes
                fake = self.fake_aws_client("s3")
                fake.add_response("list_buckets", {"Buckets": [{"Name": "fake"}]})
                async with get_session().create_client("s3") as app:
                    seen["app"] = [b["Name"] for b in (await app.list_buckets())["Buckets"]]
                if HAS_AIOBOTO3:
                    import aioboto3

                    fake.add_response("list_buckets", {"Buckets": [{"Name": "fake2"}]})
                    async with aioboto3.Session().client("s3") as app:
                        seen["app"] += [b["Name"] for b in (await app.list_buckets())["Buckets"]]

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(seen["moto"], ["real"])  # per-test account: not the class's bucket
        self.assertEqual(seen["app"], ["fake", "fake2"] if HAS_AIOBOTO3 else ["fake"])
        if HAS_AIOBOTO3:
            self.assertEqual(seen["resource"], "dynamodb.ServiceResource")
