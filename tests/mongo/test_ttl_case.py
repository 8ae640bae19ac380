"""runTTLMonitor() and advance(): TTL expiry on test time, for the class's database only.

TTLs here are a minute: advance() runs every loop timer that falls due, PyMongo's periodic
tasks included, so a short span keeps the tests quick (the TTL arithmetic is the same).
"""

import datetime
import os
import unittest
from unittest import mock

from asynctestkit import MongoTestCase
from asynctestkit.mongo import shared_server_uri
from tests._support import last_lines, problems, run_suite

TTL = 60


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


class RunTTLMonitorTests(unittest.TestCase):
    def test_a_pass_deletes_what_expired_and_says_how_many(self):
        seen = []

        class Test(MongoTestCase):
            async def test_pass(self):
                await self.db.events.create_index("at", expireAfterSeconds=60)
                old = _now() - datetime.timedelta(minutes=5)
                await self.db.events.insert_many([{"_id": 1, "at": old}, {"_id": 2, "at": _now()}])
                # Nothing expires between passes, as on mongod.
                seen.append(await self.db.events.count_documents({}))
                seen.append(await self.runTTLMonitor())
                seen.append([d["_id"] async for d in self.db.events.find()])
                seen.append(await self.runTTLMonitor())

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(seen, [2, 1, [2], 0])

    def test_on_another_mongodb_it_fails_saying_it_needs_the_embedded_server(self):
        class Test(MongoTestCase):
            async def test_pass(self):
                await self.runTTLMonitor()

        from asynctestkit.mongo.server import _registry

        uri = shared_server_uri()
        # The embedded server answering CommandNotFound, as mongod does.
        with (
            mock.patch.dict(_registry._COMMANDS),
            mock.patch.dict(os.environ, {"MONGODB_URI": uri}),
        ):
            del _registry._COMMANDS["asynctestkitTTLMonitor"]
            result = run_suite(Test)
        self.assertEqual(
            last_lines(result),
            [
                f"RuntimeError: {Test.__qualname__}.runTTLMonitor() needs the embedded MongoDB "
                f"server: {uri} (from MONGODB_URI) runs its own TTL monitor, every 60 s, which "
                "a test can neither run nor move in time. Unset MONGODB_URI to test expiry on "
                "the embedded server, or wait for it with assertEventually(...)."
            ],
        )


class AdvanceTests(unittest.TestCase):
    def test_a_ttl_in_one_advance(self):
        seen = []

        class Test(MongoTestCase):
            virtual_clock = True

            async def test_hour(self):
                await self.db.events.create_index("created_at", expireAfterSeconds=TTL)
                await self.db.events.insert_one({"_id": 1, "created_at": _now()})
                await self.advance(TTL - 20)
                seen.append(await self.db.events.count_documents({}))
                await self.advance(40)
                seen.append(await self.db.events.count_documents({}))

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(seen, [1, 0])

    def test_the_loop_clock_moves_too(self):
        seen = []

        class Test(MongoTestCase):
            virtual_clock = True

            async def test_loop(self):
                import asyncio

                loop = asyncio.get_running_loop()
                start = loop.time()
                await self.advance(TTL)
                seen.append(loop.time() - start)

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(seen, [TTL])

    def test_each_test_starts_on_the_wall_clock_again(self):
        seen = []

        class Test(MongoTestCase):
            virtual_clock = True

            @classmethod
            async def asyncSetUpTestData(cls):
                await cls.db.events.create_index("at", expireAfterSeconds=TTL)

            async def test_1_advances(self):
                await self.advance(2 * TTL)

            async def test_2_inserts_now(self):
                await self.db.events.insert_one({"_id": 1, "at": _now()})
                seen.append(await self.runTTLMonitor())

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(seen, [0])

    def test_a_class_moves_only_its_own_database(self):
        seen = []

        class Test(MongoTestCase):
            virtual_clock = True

            async def test_move(self):
                other = self.mongo_client[self.db.name + "_other"]
                self.addAsyncCleanup(self.mongo_client.drop_database, other.name)
                for db in (self.db, other):
                    await db.events.create_index("at", expireAfterSeconds=TTL)
                    await db.events.insert_one({"at": _now()})
                await self.advance(2 * TTL)
                seen.append(await self.db.events.count_documents({}))
                reply = await other.command({"asynctestkitTTLMonitor": 1})
                seen.append((reply["deleted"], await other.events.count_documents({})))

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(seen, [0, (0, 1)])

    def test_without_the_virtual_clock(self):
        class Test(MongoTestCase):
            async def test_advance(self):
                await self.advance(TTL)

        self.assertEqual(
            last_lines(run_suite(Test)),
            [
                "RuntimeError: advance() needs the virtual clock: set virtual_clock = True on "
                f"{Test.__qualname__}."
            ],
        )
