"""Safety rails: a mistake never deletes data it did not create, never reaches real AWS
with real credentials, and the servers listen on loopback only."""

import contextlib
import io
import logging
import os
import sys
import unittest
from unittest import mock

import pymongo
from aiobotocore.session import get_session

from asynctestkit import MongoAwsTestCase
from asynctestkit.aws import MotoServer
from asynctestkit.aws import _server as moto_shared
from asynctestkit.mongo import EmbeddedMongoServer, acquire_shared_server, release_shared_server
from asynctestkit.mongo import case as mongo_case
from tests.reliability._support import outcomes, run_suite, tid, trace_for

# What a developer's shell or a CI secret store holds: shaped like the real thing.
REAL = {
    "AWS_ACCESS_KEY_ID": "AKIAZQ3DREALKEY4TEST",
    "AWS_SECRET_ACCESS_KEY": "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",
    "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEREALSESSIONTOKEN",
    "AWS_PROFILE": "production",
    "AWS_ENDPOINT_URL_S3": "https://s3.us-east-1.amazonaws.com",
}

_connects = None


def _audit(event, args):
    # Audit hooks cannot be removed: this one records only while a test asks it to.
    if _connects is not None and event == "socket.connect":
        _connects.append(args[1])


sys.addaudithook(_audit)


@contextlib.contextmanager
def recording_connects():
    global _connects
    _connects = []
    try:
        yield _connects
    finally:
        _connects = None


class NeverDropsWhatItDidNotCreateTests(unittest.TestCase):
    def test_a_database_named_in_the_uri_is_never_touched(self):
        with EmbeddedMongoServer() as server:
            with pymongo.MongoClient(server.uri) as client:
                client.prod.orders.insert_many([{"n": n} for n in range(3)])

            class Test(MongoAwsTestCase):
                @classmethod
                def setUpClass(cls):
                    patcher = mock.patch.dict(
                        os.environ, {"MONGODB_URI": server.uri.replace("/?", "/prod?")}
                    )
                    patcher.start()
                    cls.addClassCleanup(patcher.stop)
                    super().setUpClass()

                async def test_writes_its_own(self):
                    self.assertNotEqual(self.db.name, "prod")
                    await self.db.orders.insert_one({"n": 99})

            result = run_suite(Test)
            self.assertEqual(outcomes(result), {})
            with pymongo.MongoClient(server.uri) as client:
                self.assertEqual(client.prod.orders.count_documents({}), 3)
                self.assertEqual(client.list_database_names(), ["admin", "config", "local", "prod"])

    def test_a_class_pointing_db_at_another_database_is_refused(self):
        with EmbeddedMongoServer() as server:
            with pymongo.MongoClient(server.uri) as client:
                client.precious.data.insert_one({"keep": True})

            class Test(MongoAwsTestCase):
                @classmethod
                def setUpClass(cls):
                    patcher = mock.patch.dict(os.environ, {"MONGODB_URI": server.uri})
                    patcher.start()
                    cls.addClassCleanup(patcher.stop)
                    super().setUpClass()

                @classmethod
                async def asyncSetUpClass(cls):
                    # A mistake: the class's database swapped for someone else's.
                    cls.db = cls.mongo_client["precious"]

                async def test_x(self):
                    pass

            result = run_suite(Test)
            self.assertEqual(outcomes(result), {tid(Test, "test_x"): "error"})
            self.assertIn(
                "RuntimeError: Refusing to drop or empty database 'precious': asynctestkit only "
                "ever drops databases it created in this process.",
                trace_for(result, tid(Test, "test_x")),
            )
            with pymongo.MongoClient(server.uri) as client:
                self.assertEqual(client.precious.data.count_documents({}), 1)
                # Its own database was still dropped.
                self.assertEqual(
                    client.list_database_names(), ["admin", "config", "local", "precious"]
                )

    def test_the_drop_helper_refuses_any_other_name(self):
        import asyncio

        for name in ("admin", "local", "config", "prod", "test"):
            with self.subTest(name=name), self.assertRaises(RuntimeError) as caught:
                asyncio.run(mongo_case._drop_database(None, name, "mongodb://x"))
            self.assertEqual(
                str(caught.exception),
                f"Refusing to drop or empty database {name!r}: asynctestkit only ever drops "
                f"databases it created in this process.",
            )


class RealCredentialsTests(unittest.TestCase):
    def test_real_looking_credentials_only_ever_reach_the_moto_server(self):
        seen = {}

        class Test(MongoAwsTestCase):
            async def test_app_clients(self):
                seen["moto"] = os.environ["AWS_ENDPOINT_URL"]
                seen["environ"] = {name: os.environ.get(name) for name in REAL}
                session = get_session()
                credentials = await session.get_credentials()
                seen["key"] = credentials.access_key
                async with session.create_client("s3") as s3:
                    await s3.create_bucket(Bucket="invoices")
                    seen["buckets"] = [b["Name"] for b in (await s3.list_buckets())["Buckets"]]

            async def test_explicit_real_endpoint_is_blocked(self):
                async with get_session().create_client(
                    "s3", endpoint_url="https://s3.amazonaws.com"
                ) as s3:
                    await s3.list_buckets()

        output = io.StringIO()
        handler = logging.StreamHandler(output)
        root = logging.getLogger()
        level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        try:
            with (
                mock.patch.dict(os.environ, REAL),
                recording_connects() as connects,
                contextlib.redirect_stdout(output),
                contextlib.redirect_stderr(output),
            ):
                result = run_suite(Test)
                after = {name: os.environ.get(name) for name in REAL}
        finally:
            root.removeHandler(handler)
            root.setLevel(level)

        blocked = tid(Test, "test_explicit_real_endpoint_is_blocked")
        # The blocked call raises in the test, and the guard fails the test for it too.
        self.assertEqual(outcomes(result), {blocked: "failure"})
        self.assertIn(
            "asynctestkit blocked a request to https://s3.amazonaws.com/ (s3.ListBuckets): during "
            "AWS tests every client must reach the test server at 127.0.0.1. Build clients without "
            "endpoint_url (the environment sets AWS_ENDPOINT_URL), or use self.aws_client(...).",
            trace_for(result, blocked),
        )
        # In the test: none of the real values, the test server's own key.
        self.assertEqual(
            seen["environ"],
            {
                "AWS_ACCESS_KEY_ID": seen["key"],
                "AWS_SECRET_ACCESS_KEY": seen["environ"]["AWS_SECRET_ACCESS_KEY"],
                "AWS_SESSION_TOKEN": None,
                "AWS_PROFILE": None,
                "AWS_ENDPOINT_URL_S3": None,
            },
        )
        self.assertNotEqual(seen["key"], REAL["AWS_ACCESS_KEY_ID"])
        self.assertEqual(seen["buckets"], ["invoices"])
        # Every connection went to loopback, none to AWS.
        self.assertTrue(connects)
        self.assertEqual(
            {address[0] for address in connects if isinstance(address, tuple)}, {"127.0.0.1"}
        )
        # The real values are back afterwards, and were never printed, logged or reported.
        self.assertEqual(after, REAL)
        everything = output.getvalue() + "".join(t for _, t in result.errors + result.failures)
        for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID"):
            self.assertNotIn(REAL[name], everything)


def listening_addresses(port):
    """Local addresses in LISTEN state on ``port`` (Linux /proc/net)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.read().splitlines()[1:]:
                fields = line.split()
                host, port_hex = fields[1].split(":")
                if fields[3] == "0A" and int(port_hex, 16) == port:
                    found.add(host)
    return found


LOOPBACK_V4 = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


class LoopbackOnlyTests(unittest.TestCase):
    def test_embedded_mongo_server(self):
        with EmbeddedMongoServer() as server:
            self.assertEqual(listening_addresses(server.port), {LOOPBACK_V4})

    def test_shared_embedded_mongo_server(self):
        server = acquire_shared_server()
        self.addCleanup(release_shared_server)
        self.assertEqual(listening_addresses(server.port), {LOOPBACK_V4})

    def test_moto_server(self):
        with MotoServer() as server:
            port = int(server.endpoint_url.rsplit(":", 1)[1])
            self.assertEqual(listening_addresses(port), {LOOPBACK_V4})

    def test_shared_moto_server(self):
        server = moto_shared.acquire_shared_server()
        self.addCleanup(moto_shared.release_shared_server)
        port = int(server.endpoint_url.rsplit(":", 1)[1])
        self.assertEqual(listening_addresses(port), {LOOPBACK_V4})
