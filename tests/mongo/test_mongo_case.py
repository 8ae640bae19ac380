"""MongoTestCase on the embedded server: the isolation ladder, Beanie, motor, errors."""

import contextlib
import io
import os
import tempfile
import textwrap
import unittest
from pathlib import Path
from unittest import mock

import pymongo
from beanie import Document, Indexed

from asynctestkit import MongoTestCase
from asynctestkit.mongo import EmbeddedMongoServer, shared_server_uri
from asynctestkit.mongo import case as mongo_case
from tests._support import (
    database_names,
    free_port,
    hide_server_side_snapshot,
    problems,
    run_python,
    run_suite,
)


class Item(Document):
    sku: Indexed(str, unique=True)
    qty: int = 0


class IsolationTests(unittest.TestCase):
    def test_tests_writing_the_same_document_pass_in_either_order(self):
        class Test(MongoTestCase):
            document_models = [Item]

            async def test_a(self):
                await Item(sku="same").insert()
                await self.assertDocumentCount(Item, 1)

            async def test_b(self):
                await Item(sku="same", qty=2).insert()
                await self.assertDocumentCount(Item, 1, {"qty": 2})

        for order in (("test_a", "test_b"), ("test_b", "test_a")):
            with self.subTest(order=order):
                result = run_suite(*(Test(name) for name in order))
                self.assertEqual(problems(result), [])
                self.assertEqual(result.testsRun, 2)

    def test_class_data_is_restored_before_every_test(self):
        seen = []

        class Test(MongoTestCase):
            @classmethod
            async def asyncSetUpTestData(cls):
                await cls.db.items.insert_many([{"_id": i, "n": i} for i in range(3)])
                await cls.db.items.create_index("n", unique=True)

            async def test_1_changes_everything(self):
                seen.append(await self.db.items.find().sort("_id").to_list(None))
                await self.db.items.delete_many({"_id": {"$lt": 2}})
                await self.db.items.update_one({"_id": 2}, {"$set": {"n": 99}})
                await self.db.other.insert_one({"x": 1})

            async def test_2_sees_the_class_data_again(self):
                seen.append(await self.db.items.find().sort("_id").to_list(None))
                self.assertEqual(await self.db.other.count_documents({}), 0)
                info = await self.db.items.index_information()
                self.assertIn("n_1", info)

        self.assertEqual(problems(run_suite(Test)), [])
        expected = [{"_id": i, "n": i} for i in range(3)]
        self.assertEqual(seen, [expected, expected])

    def test_class_isolation_keeps_data_between_tests(self):
        class Test(MongoTestCase):
            mongo_isolation = "class"

            async def test_1_writes(self):
                await self.db.notes.insert_one({"text": "kept"})

            async def test_2_reads(self):
                await self.assertDocumentExists("notes", {"text": "kept"})

        self.assertEqual(problems(run_suite(Test)), [])

    def test_unique_index_is_enforced_after_the_flush(self):
        class Test(MongoTestCase):
            document_models = ["tests.mongo.test_mongo_case.Item"]

            async def test_1(self):
                await Item(sku="x").insert()

            async def test_2(self):
                await Item(sku="x").insert()
                with self.assertRaises(pymongo.errors.DuplicateKeyError):
                    await Item(sku="x").insert()

        self.assertEqual(problems(run_suite(Test)), [])

    def test_a_dropped_collection_gets_its_class_data_back(self):
        class Test(MongoTestCase):
            @classmethod
            async def asyncSetUpTestData(cls):
                await cls.db.items.insert_one({"_id": 1})

            async def test_1_drops(self):
                await self.db.drop_collection("items")

            async def test_2_sees_it(self):
                await self.assertDocumentCount("items", 1)

        self.assertEqual(problems(run_suite(Test)), [])

    def test_the_first_test_starts_from_the_snapshot_without_a_restore(self):
        # Nothing runs between the snapshot and the first test: putting it back would cost
        # a round trip (on any other MongoDB, a delete and an insert per collection).
        restores = []

        class Watch(pymongo.monitoring.CommandListener):
            def started(self, event):
                if event.command_name in ("asynctestkitRestore", "delete", "insert"):
                    restores.append(event.command_name)

            def succeeded(self, event):
                pass

            def failed(self, event):
                pass

        class Test(MongoTestCase):
            mongo_client_options = {"event_listeners": [Watch()]}

            @classmethod
            async def asyncSetUpTestData(cls):
                await cls.db.items.insert_one({"_id": 1})
                restores.clear()

            async def test_1(self):
                self.assertEqual(restores, [])
                await self.assertDocumentCount("items", 1)
                await self.db.items.delete_many({})
                restores.append("test_1 ends")

            async def test_2(self):
                self.assertNotIn("test_1 ends", restores[-1:])  # restored since
                await self.assertDocumentCount("items", 1)

        self.assertEqual(problems(run_suite(Test)), [])


class LifecycleTests(unittest.TestCase):
    def test_database_is_dropped_after_the_class(self):
        names = []

        class Test(MongoTestCase):
            async def test_write(self):
                names.append(self.db.name)
                await self.db.things.insert_one({"a": 1})
                self.assertIn(self.db.name, await self.mongo_client.list_database_names())

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertRegex(names[0], r"^test_Test_[0-9a-f]{8}_\d+$")
        self.assertNotIn(names[0], database_names())

    def test_failure_in_async_set_up_class_drops_database_and_closes_client(self):
        state = {}

        class Test(MongoTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                state["name"], state["client"] = cls.db.name, cls.mongo_client
                await cls.db.things.insert_one({"a": 1})
                raise RuntimeError("half-way")

            async def test_never_runs(self):
                state["ran"] = True

        result = run_suite(Test)
        self.assertEqual(len(result.errors), 1)
        self.assertIn("RuntimeError: half-way", result.errors[0][1])
        self.assertNotIn("ran", state)
        self.assertNotIn(state["name"], database_names())
        self.assertTrue(state["client"]._closed)

    def test_keep_databases_leaves_it_and_says_where(self):
        names = []

        class Test(MongoTestCase):
            async def test_write(self):
                names.append(self.db.name)
                await self.db.things.insert_one({"a": 1})

        stderr = io.StringIO()
        with mock.patch.dict(os.environ, {"ASYNCTESTKIT_KEEP_DATABASES": "1"}):
            with contextlib.redirect_stderr(stderr):
                self.assertEqual(problems(run_suite(Test)), [])
        try:
            self.assertIn(names[0], database_names())
            self.assertIn(
                f"asynctestkit: kept database {names[0]!r} on mongodb://", stderr.getvalue()
            )
        finally:
            with pymongo.MongoClient(shared_server_uri()) as client:
                client.drop_database(names[0])

    def test_keep_databases_keeps_a_database_whose_collections_were_emptied(self):
        names = []

        class Test(MongoTestCase):
            async def test_write_then_empty(self):
                names.append(self.db.name)
                await self.db.things.insert_one({"a": 1})
                await self.db.things.delete_many({})

        with mock.patch.dict(os.environ, {"ASYNCTESTKIT_KEEP_DATABASES": "1"}):
            with contextlib.redirect_stderr(io.StringIO()):
                self.assertEqual(problems(run_suite(Test)), [])
        try:
            self.assertIn(names[0], database_names())
            with pymongo.MongoClient(shared_server_uri()) as client:
                self.assertEqual(client[names[0]].list_collection_names(), ["things"])
        finally:
            with pymongo.MongoClient(shared_server_uri()) as client:
                client.drop_database(names[0])

    def test_uri_from_class_attribute_and_its_database_is_never_touched(self):
        with EmbeddedMongoServer() as server:
            with pymongo.MongoClient(server.uri) as client:
                client.mydb.keep.insert_one({"precious": True})
            seen = []

            class Test(MongoTestCase):
                mongo_uri = server.uri.replace("/?", "/mydb?")

                async def test_write(self):
                    seen.append(self.db.name)
                    await self.db.keep.insert_one({"ours": True})

            self.assertEqual(problems(run_suite(Test)), [])
            with pymongo.MongoClient(server.uri) as client:
                self.assertEqual(client.mydb.keep.count_documents({}), 1)
                self.assertNotIn(seen[0], client.list_database_names())
            self.assertNotEqual(seen[0], "mydb")

    def test_refuses_to_drop_a_database_it_did_not_create(self):
        import asyncio

        with self.assertRaises(RuntimeError) as caught:
            asyncio.run(mongo_case._drop_database(None, "production", "mongodb://x"))
        self.assertEqual(
            str(caught.exception),
            "Refusing to drop or empty database 'production': asynctestkit only ever drops "
            "databases it created in this process.",
        )


class MotorTests(unittest.TestCase):
    def test_motor_client_with_per_test_isolation(self):
        import motor.motor_asyncio

        kinds = []

        class Test(MongoTestCase):
            mongo_driver = "motor"

            @classmethod
            async def asyncSetUpTestData(cls):
                await cls.db.users.insert_one({"_id": "u1"})

            async def test_1(self):
                kinds.append(type(self.mongo_client))
                await self.db.users.insert_one({"_id": "u2"})
                await self.assertDocumentCount("users", 2)

            async def test_2(self):
                await self.assertDocumentCount("users", 1)

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(kinds, [motor.motor_asyncio.AsyncIOMotorClient])

    def test_motor_with_beanie_says_what_to_do(self):
        import beanie

        class Test(MongoTestCase):
            mongo_driver = "motor"
            document_models = [Item]

            async def test_x(self):
                pass

        [(_, trace)] = run_suite(Test).errors
        self.assertIn(
            f"Test sets mongo_driver = 'motor' and document_models, but Beanie "
            f"{beanie.__version__} needs PyMongo's async client (Beanie >= 2.1 fails with "
            f"motor). Remove mongo_driver (the default is 'pymongo') or pin beanie<2.1.",
            trace,
        )


class BadInputTests(unittest.TestCase):
    def error_for(self, **attrs):
        Test = type("Test", (MongoTestCase,), {"test_x": lambda self: None, **attrs})
        result = run_suite(Test)
        self.assertEqual(len(result.errors), 1, result.errors)
        return result.errors[0][1].strip().splitlines()[-1]

    def test_bad_class_attributes_list_the_valid_values(self):
        self.assertEqual(
            self.error_for(mongo_isolation="none"),
            "ValueError: Test.mongo_isolation = 'none' is not valid; valid values: 'test', "
            "'class'. Fix the class attribute.",
        )
        self.assertEqual(
            self.error_for(mongo_driver="mongoose"),
            "ValueError: Test.mongo_driver = 'mongoose' is not valid; valid values: "
            "'pymongo', 'motor'. Did you mean 'pymongo'? Fix the class attribute.",
        )
        self.assertEqual(
            self.error_for(mongo_database_prefix=""),
            "ValueError: Test.mongo_database_prefix = '' is not valid: it must be a non-empty "
            "string of letters, digits, '_' or '-' (at most 20 characters), so that the "
            "databases the toolkit creates and drops can never be yours. Use the default "
            "'test' or e.g. 'myapp_test'.",
        )
        self.assertEqual(
            self.error_for(document_models=[dict]),
            "TypeError: Test.document_models[0] = <class 'dict'> is not a Beanie document "
            "model: each entry must be a subclass of beanie.Document (or View / UnionDoc), or "
            "the dotted path of one, e.g. 'myapp.models.Order'.",
        )

    def test_close_matches_and_uri_type(self):
        self.assertEqual(
            self.error_for(mongo_isolation="tset"),
            "ValueError: Test.mongo_isolation = 'tset' is not valid; valid values: 'test', "
            "'class'. Did you mean 'test'? Fix the class attribute.",
        )
        self.assertEqual(
            self.error_for(mongo_uri=27017),
            "TypeError: Test.mongo_uri = '27017' is not valid: it must be a 'mongodb://' or "
            "'mongodb+srv://' URI string, or None for MONGODB_URI or the embedded server. Fix "
            "the class attribute.",
        )

    def test_unreachable_uri_fails_fast_with_the_uri_redacted(self):
        port = free_port()
        uri = f"mongodb://admin:s3cret@127.0.0.1:{port}/?directConnection=true"
        with mock.patch.dict(os.environ, {"MONGODB_URI": uri}):
            message = self.error_for()
        self.assertNotIn("s3cret", message)
        self.assertTrue(
            message.startswith(
                f"ConnectionError: Test: no MongoDB answered at mongodb://admin:***@127.0.0.1:"
                f"{port}/?directConnection=true (from MONGODB_URI) within 3 s: "
            ),
            message,
        )
        self.assertTrue(
            message.endswith(
                "Start that server or fix MONGODB_URI; or unset MONGODB_URI to use the "
                "embedded server (nothing to install)."
            ),
            message,
        )

    def test_redact_uri(self):
        from asynctestkit._redact import redact_uri

        cases = {
            "mongodb+srv://u:p%40ss@h.example/db?authSource=admin"
            "&tlsCertificateKeyFilePassword=x": (
                "mongodb+srv://u:***@h.example/db?authSource=admin"
                "&tlsCertificateKeyFilePassword=***"
            ),
            "mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties="
            "AWS_SESSION_TOKEN:FwoGZXIvY,SERVICE_NAME:x": (
                "mongodb://h/?authMechanism=MONGODB-AWS&authMechanismProperties="
                "AWS_SESSION_TOKEN:***,SERVICE_NAME:x"
            ),
            "mongodb://h/?authMechanismProperties=AWS_SESSION_TOKEN%3AFwoGZXIvY": (
                "mongodb://h/?authMechanismProperties=AWS_SESSION_TOKEN%3A***"
            ),
            "mongodb://token-host:27017/?appName=x": "mongodb://token-host:27017/?appName=x",
        }
        for uri, expected in cases.items():
            self.assertEqual(redact_uri(uri), expected)


SAMPLE = textwrap.dedent(
    """
    import asyncio
    import glob
    import os
    import time
    from asynctestkit import MongoTestCase

    async def record(name):
        with open(os.environ["NAMES_FILE"], "a") as f:
            f.write(name + "\\n")
        # Rendezvous: each class waits until the other has started, so a worker that
        # starts first cannot take both classes before the other worker is up (slow
        # worker start-up, e.g. 3.14's forkserver on a loaded machine).
        started = os.environ["NAMES_FILE"] + ".started."
        open(started + name, "w").close()
        deadline = time.monotonic() + 60
        while len(glob.glob(started + "*")) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    class FirstTests(MongoTestCase):
        async def test_a(self):
            await record(self.db.name)
            await self.db.c.insert_one({"who": "first"})
            self.assertEqual(await self.db.c.count_documents({}), 1)

    class SecondTests(MongoTestCase):
        async def test_b(self):
            await record(self.db.name)
            await self.db.c.insert_one({"who": "second"})
            self.assertEqual(await self.db.c.count_documents({}), 1)
    """
)


class ParallelTests(unittest.TestCase):
    def run_parallel(self, *args):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "test_par.py").write_text(SAMPLE)
            (root / "pytest.ini").write_text(
                "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
            )
            names_file = root / "names.txt"
            # A shared MongoDB for both workers, as a cluster shared by CI jobs would be.
            with EmbeddedMongoServer() as server:
                env = dict(os.environ, NAMES_FILE=str(names_file), MONGODB_URI=server.uri)
                proc = run_python(*args, cwd=tmp, env=env, timeout=300)
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                left = database_names(server.uri)
            return names_file.read_text().split(), left

    def assertDistinct(self, names, left):
        self.assertEqual(len(names), 2)
        self.assertEqual(len(set(names)), 2)
        tokens = {name.split("_")[-2] for name in names}
        self.assertEqual(len(tokens), 2, f"both classes ran in one process: {names}")
        self.assertEqual([n for n in left if n.startswith("test_")], [])

    def test_unittest_parallel_workers_get_distinct_databases(self):
        self.assertDistinct(
            *self.run_parallel("-m", "unittest_parallel", "-j", "2", "--level", "class")
        )

    def test_pytest_xdist_workers_get_distinct_databases(self):
        self.assertDistinct(
            *self.run_parallel(
                "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadscope"
            )
        )


class GenericRestoreTests(IsolationTests):
    """The same isolation tests on the path any MongoDB takes (no server-side snapshot)."""

    def setUp(self):
        self.addCleanup(hide_server_side_snapshot().stop)


class ClassLevelClientTests(unittest.TestCase):
    def test_a_lazily_connecting_class_client_keeps_its_monitors(self):
        # The headline use case without MongoTestCase: the client connects in test 1, so
        # PyMongo starts its monitor tasks while test 1 runs. They are the client's, not
        # test 1's leftovers: nothing is cancelled, nothing is reported.
        from pymongo import AsyncMongoClient

        from asynctestkit import AsyncTestCase

        class Test(AsyncTestCase):
            fail_on_pending_tasks = True

            @classmethod
            async def asyncSetUpClass(cls):
                cls.client = AsyncMongoClient(shared_server_uri())
                cls.addAsyncClassCleanup(cls.client.close)
                cls.addAsyncClassCleanup(cls.client.drop_database, "lazy_client")

            async def test_1(self):
                await self.client.lazy_client.c.insert_one({"a": 1})

            async def test_2(self):
                self.assertEqual(await self.client.lazy_client.c.count_documents({}), 1)

        self.assertEqual(problems(run_suite(Test)), [])
