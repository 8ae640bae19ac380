"""Fault injection: each fault is reported on the right test, the next class passes, and
nothing of ours is left (threads, fds, os.environ, databases, server leases)."""

import asyncio
import os
import re
import threading
import unittest
from unittest import mock

import pymongo
from aiobotocore.session import get_session

from asynctestkit import MongoAwsTestCase
from asynctestkit.aws import MotoServer
from asynctestkit.mongo import EmbeddedMongoServer
from asynctestkit.mongo import case as mongo_case
from tests._support import database_names, mongo_uri
from tests.reliability import _support
from tests.reliability._support import (
    Resources,
    fixture_id,
    outcomes,
    run_suite,
    tid,
    trace_for,
    warm_up,
)

# A stopped server must fail the class in well under a second, not pymongo's 30 s.
FAST_SELECTION_S = 0.5
FOLLOWING = tid(_support.FollowingTests, "test_mongo_and_aws_still_work")


def patch_env_for_class(cls, **values):
    """Set environment variables for the whole class; put them back after everything."""
    patcher = mock.patch.dict(os.environ, values)
    patcher.start()
    # Registered before the toolkit's own cleanups, so it runs after all of them.
    cls.addClassCleanup(patcher.stop)


class FaultTests(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        warm_up()

    def setUp(self):
        self.resources = Resources()

    def assertNothingLeft(self):
        self.assertEqual(self.resources.leftovers(), [])

    def assertFollowingPassed(self, result):
        self.assertNotIn(FOLLOWING, outcomes(result))

    # -- servers going away ------------------------------------------------------------

    def test_embedded_mongo_server_stopped_mid_class(self):
        server = EmbeddedMongoServer().start()
        self.addCleanup(lambda: server.running and server.stop())
        address = server.address
        seen = {}

        class MongoGoneTests(MongoAwsTestCase):
            @classmethod
            def setUpClass(cls):
                patch_env_for_class(cls, MONGODB_URI=server.uri)
                super().setUpClass()

            async def test_1_works(self):
                seen["db"] = self.db.name
                await self.db.items.insert_one({"n": 1})

            async def test_2_server_stops(self):
                await asyncio.to_thread(server.stop)
                await self.db.items.insert_one({"n": 2})

            async def test_3_next_test(self):
                seen["ran 3"] = True

        with mock.patch.object(mongo_case, "_SERVER_SELECTION_TIMEOUT_S", FAST_SELECTION_S):
            result = run_suite(MongoGoneTests, _support.FollowingTests)

        cls = MongoGoneTests
        self.assertEqual(
            outcomes(result),
            {
                tid(cls, "test_2_server_stops"): "error",
                tid(cls, "test_3_next_test"): "error",
                fixture_id("tearDownClass", cls): "error",
            },
        )
        # PyMongo 4.20 notices the closed connection; 4.19 and older first fail to reconnect.
        self.assertRegex(
            trace_for(result, tid(cls, "test_2_server_stops")),
            rf"pymongo\.errors\.(AutoReconnect: {re.escape(address)}: connection closed"
            rf"|ServerSelectionTimeoutError: {re.escape(address)}: \[Errno 111\])",
        )
        # test_3 never started: the class data could not be put back.
        self.assertNotIn("ran 3", seen)
        self.assertIn(
            "ServerSelectionTimeoutError", trace_for(result, tid(cls, "test_3_next_test"))
        )
        self.assertEqual(result.testsRun, 4)
        # Whatever the driver dropped on the floor is reported on this class, at its end,
        # not by the garbage collector in some later test.
        self.assertEqual([u for u in result.unraisable if u[0] is not None], [])
        self.assertFollowingPassed(result)
        self.assertNothingLeft()

    def test_moto_server_stopped_mid_class(self):
        moto = MotoServer()
        moto.start()
        self.addCleanup(lambda: moto.running and moto.stop())
        endpoint = moto.endpoint_url

        class AwsGoneTests(MongoAwsTestCase):
            @classmethod
            def setUpClass(cls):
                # One attempt: botocore's retries would only repeat the refused connection.
                patch_env_for_class(cls, ASYNCTESTKIT_AWS_ENDPOINT=endpoint, AWS_MAX_ATTEMPTS="1")
                super().setUpClass()

            async def test_1_works(self):
                await self.create_bucket("before-the-stop")

            async def test_2_server_stops(self):
                s3 = await self.aws_client("s3")
                await asyncio.to_thread(moto.stop)
                await s3.list_buckets()

            async def test_3_next_test(self):
                pass

        result = run_suite(AwsGoneTests, _support.FollowingTests)
        cls = AwsGoneTests
        self.assertEqual(
            outcomes(result),
            {
                tid(cls, "test_2_server_stops"): "error",
                tid(cls, "test_3_next_test"): "error",
            },
        )
        message = f'Could not connect to the endpoint URL: "{endpoint}/"'
        self.assertIn(message, trace_for(result, tid(cls, "test_2_server_stops")))
        self.assertIn(
            "Could not connect to the endpoint URL", trace_for(result, tid(cls, "test_3_next_test"))
        )
        self.assertFollowingPassed(result)
        self.assertNothingLeft()

    # -- set-up failing half-way ---------------------------------------------------------

    def test_async_set_up_class_raising_after_half_its_resources(self):
        events = []
        seen = {}

        class Resource:
            async def __aenter__(self):
                events.append("enter context")
                return self

            async def __aexit__(self, *exc_info):
                events.append("exit context")

        class HalfSetUpTests(MongoAwsTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                seen["db"] = cls.db.name
                await cls.db.items.insert_one({"class": True})
                seen["bucket"] = await cls.create_bucket()
                await cls.enterAsyncClassContext(Resource())
                host, port = pymongo.uri_parser.parse_uri(mongo_uri())["nodelist"][0]
                _, writer = await asyncio.open_connection(host, port)
                cls.addAsyncClassCleanup(cls.close_writer, writer)
                stop = threading.Event()
                worker = threading.Thread(target=stop.wait, name="half-set-up-worker")
                worker.start()
                cls.addClassCleanup(worker.join)
                cls.addClassCleanup(stop.set)
                raise RuntimeError("half-way through asyncSetUpClass")

            @classmethod
            async def close_writer(cls, writer):
                events.append("close socket")
                writer.close()
                await writer.wait_closed()

            async def test_never_runs(self):
                events.append("test ran")

        result = run_suite(HalfSetUpTests, _support.FollowingTests)
        cls = HalfSetUpTests
        setup = fixture_id("setUpClass", cls)
        self.assertEqual(outcomes(result), {setup: "error"})
        self.assertIn("RuntimeError: half-way through asyncSetUpClass", trace_for(result, setup))
        self.assertEqual(events, ["enter context", "close socket", "exit context"])
        self.assertNotIn(seen["db"], database_names())
        self.assertFollowingPassed(result)
        self.assertNothingLeft()

    # -- tests misbehaving ---------------------------------------------------------------

    def test_a_test_hanging_past_test_timeout(self):
        class HangingTests(MongoAwsTestCase):
            test_timeout = 0.5

            async def test_1_hangs(self):
                await self.db.items.insert_one({"n": 1})
                await asyncio.Event().wait()

            async def test_2_runs_after(self):
                self.assertEqual(await self.db.items.count_documents({}), 0)

        result = run_suite(HangingTests, _support.FollowingTests)
        cls = HangingTests
        hung = tid(cls, "test_1_hangs")
        self.assertEqual(outcomes(result), {hung: "failure"})
        trace = trace_for(result, hung)
        self.assertIn(
            f"AssertionError: {cls.__module__}.{cls.__qualname__}.test_1_hangs did not finish "
            f"within 0.5 s (test_timeout); it was waiting at:\n",
            trace,
        )
        self.assertIn(f'File "{__file__}"', trace)
        self.assertIn("await asyncio.Event().wait()", trace)
        self.assertTrue(
            trace.rstrip().endswith(
                "Raise test_timeout on the class (or ASYNCTESTKIT_TIMEOUT) if the test needs "
                "longer."
            ),
            trace,
        )
        self.assertEqual(result.testsRun, 3)
        self.assertNothingLeft()

    def test_a_test_leaving_tasks_sockets_and_clients_open(self):
        leaked = {}

        class LeakyTests(MongoAwsTestCase):
            fail_on_pending_tasks = True

            async def test_1_leaks(self):
                leaked["task"] = asyncio.create_task(asyncio.sleep(3600), name="leaked-sleeper")
                host, port = pymongo.uri_parser.parse_uri(mongo_uri())["nodelist"][0]
                await asyncio.open_connection(host, port)
                client = pymongo.AsyncMongoClient(mongo_uri())
                await client.admin.command("ping")
                s3 = await get_session().create_client("s3").__aenter__()
                await s3.list_buckets()

            async def test_2_runs_after(self):
                await self.db.items.insert_one({"n": 2})

        result = run_suite(LeakyTests, _support.FollowingTests)
        cls = LeakyTests
        leaky = tid(cls, "test_1_leaks")
        teardown = fixture_id("tearDownClass", cls)
        self.assertEqual(outcomes(result), {leaky: "failure", teardown: "error"})
        # The tasks: on the test, and cancelled (the client's monitors are among them).
        trace = trace_for(result, leaky)
        self.assertIn(f"{leaky} left ", trace)
        self.assertIn("leaked-sleeper", trace)
        self.assertTrue(leaked["task"].cancelled())
        # The sockets: once the class cleanups ran, closed and named with their test.
        trace = trace_for(result, teardown)
        report = trace.split("AssertionError: ", 1)[1].rstrip().splitlines()
        self.assertRegex(
            report[0],
            rf"^{re.escape(cls.__qualname__)} left \d socket\(s\) or client\(s\) open after "
            rf"its tests and class cleanups; they were closed when the class ended:$",
        )
        # The raw connection and the unclosed client's pool, to the Mongo server.
        items = report[1:-1]
        self.assertGreaterEqual(len(items), 2, report)
        for item in items:
            self.assertRegex(
                item, rf"^  socket to 127\.0\.0\.1:\d+, opened during {re.escape(leaky)}$"
            )
        self.assertEqual(
            report[-1],
            "Close clients and connections in the test that opens them (or an async cleanup).",
        )
        # What the clients warn about when they are collected happens inside the test.
        self.assertEqual({test for test, _ in result.unraisable}, {leaky})
        self.assertLessEqual(
            {
                "Unclosed AsyncMongoClient opened at:",
                "Unclosed client session",
                "Unclosed connector",
            },
            {message.split(" <")[0] for _, message in result.unraisable},
        )
        self.assertFollowingPassed(result)
        self.assertNothingLeft()

    def test_keyboard_interrupt_during_a_class(self):
        seen = {}

        class InterruptedTests(MongoAwsTestCase):
            async def test_1_works(self):
                seen["db"] = self.db.name
                seen["endpoint"] = os.environ["AWS_ENDPOINT_URL"]
                await self.db.items.insert_one({"n": 1})

            async def test_2_interrupted(self):
                raise KeyboardInterrupt

            async def test_3_never_runs(self):
                seen["ran 3"] = True

        with self.assertRaises(KeyboardInterrupt) as caught:
            run_suite(InterruptedTests, _support.FollowingTests)
        self.assertNotIn("ran 3", seen)
        self.assertEqual(
            caught.exception.__notes__,
            [
                f"asynctestkit: interrupted in {tid(InterruptedTests, 'test_2_interrupted')}; "
                f"its cleanups, its class's tear-down and class cleanups ran before the "
                f"interrupt went on."
            ],
        )
        self.assertNotIn(seen["db"], database_names())
        # The next run in this process is unaffected.
        result = run_suite(_support.FollowingTests)
        self.assertTrue(result.wasSuccessful(), outcomes(result))
        self.assertNothingLeft()
