"""MongoAwsTestCase: both mixins on one class loop, one asyncSetUpClass."""

import asyncio
import os
import unittest

from aiobotocore.session import get_session

from asynctestkit import MongoAwsTestCase
from tests._support import problems, run_suite


class CombinedTests(unittest.TestCase):
    def test_database_and_accounts_on_one_class_loop(self):
        seen = {"setup": 0, "accounts": [], "loops": set(), "dbs": set()}
        environ_before = dict(os.environ)

        class Test(MongoAwsTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                seen["setup"] += 1
                seen["loops"].add(asyncio.get_running_loop())
                await cls.db.settings.insert_one({"_id": "bucket", "value": "shared"})

            async def check(self, key):
                seen["loops"].add(asyncio.get_running_loop())
                seen["dbs"].add(self.db.name)
                seen["accounts"].append(self.aws_account_id)
                # App code builds its own session, with no endpoint: it must reach moto,
                # in this test's account.
                async with get_session().create_client("sts") as sts:
                    identity = await sts.get_caller_identity()
                self.assertEqual(identity["Account"], self.aws_account_id)
                s3 = await self.aws_client("s3")
                self.assertEqual((await s3.list_buckets())["Buckets"], [])
                await s3.create_bucket(Bucket="shared")
                await s3.put_object(Bucket="shared", Key=key, Body=b"x")
                self.assertEqual(await self.db.settings.count_documents({}), 1)
                await self.db.settings.insert_one({"_id": key})

            async def test_a(self):
                await self.check("a")

            async def test_b(self):
                await self.check("b")

        result = run_suite(Test)
        self.assertEqual(problems(result), [])
        self.assertEqual(result.testsRun, 2)
        self.assertEqual(seen["setup"], 1)
        self.assertEqual(len(seen["loops"]), 1)
        self.assertEqual(len(seen["dbs"]), 1)
        self.assertEqual(len(set(seen["accounts"])), 2)
        for account in seen["accounts"]:
            self.assertRegex(account, r"^\d{12}$")
        self.assertEqual(dict(os.environ), environ_before)
