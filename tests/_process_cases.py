"""A MongoAwsTestCase that child processes run (fork, forkserver, spawn): importable by
name, never collected (the module name starts with ``_``)."""

import os
import unittest

from aiobotocore.session import get_session

from asynctestkit import MongoAwsTestCase
from asynctestkit.aws import _server as moto_shared
from asynctestkit.mongo import _shared as mongo_shared


class WhereAmI(MongoAwsTestCase):
    """Records which servers and account the class's app code reached."""

    seen: dict = {}

    async def test_where(self):
        # App code: its own client, no endpoint, no keys.
        async with get_session().create_client("sts") as sts:
            identity = await sts.get_caller_identity()
        await self.db.things.insert_one({"pid": os.getpid()})
        type(self).seen.update(
            pid=os.getpid(),
            account=self.aws_account_id,
            answered=identity["Account"],
            moto=os.environ["AWS_ENDPOINT_URL"],
            mongo=mongo_shared._lease.resource.uri,
            documents=await self.db.things.count_documents({}),
        )


def run_where_am_i():
    """Run WhereAmI in this process; return what it saw and the problems (picklable)."""
    WhereAmI.seen = {}
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(WhereAmI).run(result)
    problems = [trace for _, trace in result.errors + result.failures]
    leases = (mongo_shared.shared_server_leases(), moto_shared.shared_server_leases())
    return dict(WhereAmI.seen), problems, result.testsRun, leases
