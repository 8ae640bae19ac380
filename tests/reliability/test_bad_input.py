"""Bad input gets an exact, actionable message; the embedded server survives bad bytes."""

import datetime
import os
import socket
import socketserver
import struct
import threading
import unittest
from unittest import mock

import bson
import pymongo

from asynctestkit import MongoAwsTestCase
from asynctestkit.fakes import fake_client
from asynctestkit.mongo import EmbeddedMongoServer
from asynctestkit.mongo import case as mongo_case
from asynctestkit.mongo.server import _wire
from tests._support import free_port, last_lines
from tests.reliability._support import Resources, run_suite, warm_up

FAST_SELECTION_S = 0.5


def error_for(**attrs):
    Test = type("Test", (MongoAwsTestCase,), {"test_x": lambda self: None, **attrs})
    return last_lines(run_suite(Test))


class ClassAttributeTests(unittest.TestCase):
    def test_mongo_isolation(self):
        self.assertEqual(
            error_for(mongo_isolation="per-test"),
            [
                "ValueError: Test.mongo_isolation = 'per-test' is not valid; valid values: "
                "'test', 'class'. Did you mean 'test'? Fix the class attribute."
            ],
        )

    def test_mongo_driver(self):
        self.assertEqual(
            error_for(mongo_driver="pymongo-async"),
            [
                "ValueError: Test.mongo_driver = 'pymongo-async' is not valid; valid values: "
                "'pymongo', 'motor'. Did you mean 'pymongo'? Fix the class attribute."
            ],
        )

    def test_aws_isolation_with_a_close_match(self):
        self.assertEqual(
            error_for(aws_isolation="tests"),
            [
                "ValueError: Test.aws_isolation = 'tests' is not valid: it must be one of "
                "'class', 'test'. Did you mean 'test'? Fix the class attribute."
            ],
        )

    def test_document_models_with_a_non_document(self):
        class NotADocument:
            pass

        self.assertEqual(
            error_for(document_models=[NotADocument]),
            [
                f"TypeError: Test.document_models[0] = {NotADocument!r} is not a Beanie "
                f"document model: each entry must be a subclass of beanie.Document (or View / "
                f"UnionDoc), or the dotted path of one, e.g. 'myapp.models.Order'."
            ],
        )

    def test_document_models_not_a_list(self):
        self.assertEqual(
            error_for(document_models="myapp.models.Order"),
            [
                "TypeError: Test.document_models = 'myapp.models.Order' is not valid: it must "
                "be a list of Beanie document classes or dotted paths, e.g. [Order, "
                "'myapp.models.User']."
            ],
        )


class UnknownServiceTests(unittest.TestCase):
    def test_unknown_services_name_the_close_matches(self):
        class Test(MongoAwsTestCase):
            async def test_s4(self):
                await self.aws_client("s4")

            async def test_dynamo(self):
                await self.aws_client("dynamo")

        self.assertEqual(
            last_lines(run_suite(Test)),
            [
                "ValueError: Service 'dynamo' is not an AWS service botocore knows. Did you "
                "mean 'dynamodb' or 'dynamodbstreams'?",
                "ValueError: Service 's4' is not an AWS service botocore knows. Did you mean "
                "'s3' or 'es' or 'ds'?",
            ],
        )


class MongoUriTests(unittest.TestCase):
    def test_unreachable_uri_fails_the_class_fast_with_the_password_redacted(self):
        port = free_port()
        uri = f"mongodb://app:hunter2@127.0.0.1:{port}/?directConnection=true"
        with (
            mock.patch.dict(os.environ, {"MONGODB_URI": uri}),
            mock.patch.object(mongo_case, "_SERVER_SELECTION_TIMEOUT_S", FAST_SELECTION_S),
        ):
            [message] = error_for()
        self.assertNotIn("hunter2", message)
        self.assertTrue(
            message.startswith(
                f"ConnectionError: Test: no MongoDB answered at mongodb://app:***@127.0.0.1:"
                f"{port}/?directConnection=true (from MONGODB_URI) within 0.5 s: 127.0.0.1:"
                f"{port}: "
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

    def test_bad_credentials_are_named_as_such_and_redacted(self):
        with _AuthFailingServer() as server:
            uri = f"mongodb://app:hunter2@127.0.0.1:{server.port}/?directConnection=true"
            with mock.patch.dict(os.environ, {"MONGODB_URI": uri}):
                [message] = error_for()
        self.assertEqual(
            message,
            f"ConnectionError: Test: MongoDB at mongodb://app:***@127.0.0.1:{server.port}/"
            f"?directConnection=true (from MONGODB_URI) refused the credentials: "
            f"Authentication failed. Fix the user name or password in MONGODB_URI.",
        )
        # It was a real SCRAM exchange: the driver asked, the server refused.
        self.assertIn("saslStart", server.commands)


class _AuthFailingServer:
    """A MongoDB that completes the handshake and refuses every login (code 18)."""

    HELLO = {
        "ismaster": True,
        "isWritablePrimary": True,
        "maxBsonObjectSize": 16 * 1024 * 1024,
        "maxMessageSizeBytes": 48_000_000,
        "maxWriteBatchSize": 100_000,
        "minWireVersion": 0,
        "maxWireVersion": 21,
        "connectionId": 1,
        "ok": 1.0,
    }
    REFUSED = {
        "ok": 0.0,
        "errmsg": "Authentication failed.",
        "code": 18,
        "codeName": "AuthenticationFailed",
    }

    def __init__(self):
        self.commands = []
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                while True:
                    header = _recv_exactly(self.request, 16)
                    if header is None:
                        return
                    length = struct.unpack("<i", header[:4])[0]
                    rest = _recv_exactly(self.request, length - 16)
                    if rest is None:
                        return
                    request = _wire.parse(memoryview(header + rest))
                    name = next(iter(request.body))
                    outer.commands.append(name)
                    if name.lower() in ("hello", "ismaster"):
                        reply = dict(outer.HELLO, localTime=datetime.datetime.now())
                    elif name == "saslStart":
                        reply = outer.REFUSED
                    else:
                        reply = {"ok": 0.0, "errmsg": "not authorized", "code": 13}
                    self.request.sendall(_wire.encode_reply(request, reply))

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            block_on_close = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-mongo")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def _recv_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def op_msg(body, request_id=1, flags=0):
    payload = struct.pack("<I", flags) + b"\x00" + bson.encode(body)
    return struct.pack("<iiii", 16 + len(payload), request_id, 0, _wire.OP_MSG) + payload


def op_msg_with_sequence(body, identifier, documents, request_id=1):
    encoded = b"".join(documents)
    name = identifier.encode() + b"\x00"
    section = b"\x01" + struct.pack("<i", 4 + len(name) + len(encoded)) + name + encoded
    payload = struct.pack("<I", 0) + b"\x00" + bson.encode(body) + section
    return struct.pack("<iiii", 16 + len(payload), request_id, 0, _wire.OP_MSG) + payload


def read_reply(sock):
    header = _recv_exactly(sock, 16)
    if header is None:
        return None
    length = struct.unpack("<i", header[:4])[0]
    rest = _recv_exactly(sock, length - 16)
    return bson.decode(rest[5:])


class RawWireTests(unittest.TestCase):
    """Bytes no driver would send, straight to the embedded server: it answers with an
    error or closes that connection, and keeps serving every other one."""

    @classmethod
    def setUpClass(cls):
        cls.server = EmbeddedMongoServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.client = pymongo.MongoClient(cls.server.uri)
        cls.addClassCleanup(cls.client.close)
        cls.client.db.items.insert_one({"_id": "before"})

    def connect(self):
        sock = socket.create_connection((self.server.host, self.server.port), timeout=5)
        self.addCleanup(sock.close)
        return sock

    def assertClosedByServer(self, payload):
        sock = self.connect()
        sock.sendall(payload)
        self.assertEqual(sock.recv(1), b"", "the server should close this connection")
        self.assertStillServing()

    def assertStillServing(self):
        # A new raw connection and the long-lived driver connection both still work.
        sock = self.connect()
        sock.sendall(op_msg({"ping": 1, "$db": "admin"}))
        self.assertEqual(read_reply(sock), {"ok": 1.0})
        self.assertEqual(self.client.db.items.find_one({"_id": "before"}), {"_id": "before"})

    def test_length_shorter_than_a_header(self):
        self.assertClosedByServer(struct.pack("<iiii", 4, 1, 0, _wire.OP_MSG))

    def test_length_beyond_the_maximum_message_size(self):
        self.assertClosedByServer(struct.pack("<iiii", 48_000_001, 1, 0, _wire.OP_MSG))

    def test_unknown_op_code(self):
        self.assertClosedByServer(struct.pack("<iiii", 20, 1, 0, 9999) + b"\x00" * 4)

    def test_corrupt_bson_body(self):
        body = bson.encode({"ping": 1, "$db": "admin"})
        corrupt = body[:4] + b"\x99" + body[5:]  # an element type that does not exist
        payload = struct.pack("<I", 0) + b"\x00" + corrupt
        self.assertClosedByServer(
            struct.pack("<iiii", 16 + len(payload), 1, 0, _wire.OP_MSG) + payload
        )

    def test_section_overrunning_the_message(self):
        payload = struct.pack("<I", 0) + b"\x00" + struct.pack("<i", 1000) + b"\x00"
        self.assertClosedByServer(
            struct.pack("<iiii", 16 + len(payload), 1, 0, _wire.OP_MSG) + payload
        )

    def test_unknown_required_flag_bit(self):
        self.assertClosedByServer(op_msg({"ping": 1, "$db": "admin"}, flags=1 << 5))

    def test_garbage(self):
        self.assertClosedByServer(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")

    def test_a_peer_that_stops_mid_message(self):
        sock = self.connect()
        sock.sendall(op_msg({"ping": 1, "$db": "admin"})[:20])
        sock.close()
        self.assertStillServing()

    def test_oversized_document_is_refused_with_an_error(self):
        size = 17 * 1024 * 1024
        document = bson.encode({"_id": "big", "blob": b"x" * size})
        sock = self.connect()
        sock.sendall(
            op_msg_with_sequence({"insert": "items", "$db": "db"}, "documents", [document])
        )
        reply = read_reply(sock)
        self.assertEqual(
            reply,
            {
                "ok": 0.0,
                "errmsg": f"BSONObj size: {len(document)} (0x{len(document):X}) is invalid. "
                f"Size must be between 0 and 16793600(16MB)",
                "code": 10334,
                "codeName": "BSONObjectTooLarge",
            },
        )
        self.assertIsNone(self.client.db.items.find_one({"_id": "big"}))
        # The same connection goes on working after the error.
        sock.sendall(op_msg({"ping": 1, "$db": "admin"}, request_id=2))
        self.assertEqual(read_reply(sock), {"ok": 1.0})
        self.assertStillServing()

    def test_unknown_command_is_an_error_reply(self):
        sock = self.connect()
        sock.sendall(op_msg({"dropEverything": 1, "$db": "admin"}))
        self.assertEqual(
            read_reply(sock),
            {
                "ok": 0.0,
                "errmsg": "no such command: 'dropEverything'",
                "code": 59,
                "codeName": "CommandNotFound",
            },
        )
        self.assertStillServing()


class FakeResponseTests(unittest.TestCase):
    """A queued response that does not match the operation's output shape is refused."""

    def test_wrong_type(self):
        s3 = fake_client("s3")
        with self.assertRaises(Exception) as caught:
            s3.add_response("list_buckets", {"Buckets": "nope"})
        self.assertEqual(type(caught.exception).__name__, "ParamValidationError")
        self.assertEqual(
            str(caught.exception),
            "Parameter validation failed:\nInvalid type for parameter Buckets, value: nope, "
            "type: <class 'str'>, valid types: <class 'list'>, <class 'tuple'>",
        )

    def test_unknown_member(self):
        s3 = fake_client("s3")
        with self.assertRaises(Exception) as caught:
            s3.add_response("list_buckets", {"Nope": 1})
        self.assertEqual(
            str(caught.exception),
            'Parameter validation failed:\nUnknown parameter in input: "Nope", must be one '
            "of: Buckets, Owner, ContinuationToken, Prefix",
        )

    def test_wrong_scalar_type(self):
        s3 = fake_client("s3")
        with self.assertRaises(Exception) as caught:
            s3.add_response("get_object", {"ContentLength": "x"})
        self.assertEqual(
            str(caught.exception),
            "Parameter validation failed:\nInvalid type for parameter ContentLength, value: x, "
            "type: <class 'str'>, valid types: <class 'int'>",
        )


class NothingLeftTests(unittest.TestCase):
    def test_bad_class_attributes_leave_nothing_behind(self):
        warm_up()
        resources = Resources()
        error_for(mongo_isolation="x")
        error_for(aws_isolation="x")
        self.assertEqual(resources.leftovers(), [])
