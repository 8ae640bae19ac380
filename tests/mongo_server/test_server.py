"""EmbeddedMongoServer lifecycle, wire framing on a raw socket, the shared server, the CLI."""

import asyncio
import os
import socket
import struct
import subprocess
import sys
import threading
import unittest

import bson
import pymongo

from asynctestkit.mongo import (
    EmbeddedMongoServer,
    _shared,
    acquire_shared_server,
    release_shared_server,
    shared_server,
    shared_server_uri,
)


def _op_msg(body, *, flags=0, sequence=None, checksum=False, request_id=7):
    payload = struct.pack("<I", flags | (1 if checksum else 0)) + b"\x00" + bson.encode(body)
    if sequence is not None:
        name, docs = sequence
        data = name.encode() + b"\x00" + b"".join(bson.encode(d) for d in docs)
        payload += b"\x01" + struct.pack("<i", 4 + len(data)) + data
    if checksum:
        payload += b"\x00\x00\x00\x00"  # not verified by the server, as mongod on loopback
    return struct.pack("<iiii", 16 + len(payload), request_id, 0, 2013) + payload


def _op_query(namespace, query, request_id=9):
    payload = struct.pack("<i", 0) + namespace.encode() + b"\x00" + struct.pack("<ii", 0, -1)
    payload += bson.encode(query)
    return struct.pack("<iiii", 16 + len(payload), request_id, 0, 2004) + payload


def _read_reply(sock):
    header = _recv(sock, 16)
    length, _, response_to, op_code = struct.unpack("<iiii", header)
    rest = _recv(sock, length - 16)
    if op_code == 1:
        return response_to, op_code, bson.decode(rest[20:])
    return response_to, op_code, bson.decode(rest[5:])


def _recv(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


class LifecycleTests(unittest.TestCase):
    def test_context_manager_serves_and_stops(self):
        with EmbeddedMongoServer() as server:
            self.assertRegex(server.uri, r"^mongodb://127\.0\.0\.1:\d+/\?directConnection=true$")
            self.assertNotEqual(server.port, 0)
            client = pymongo.MongoClient(server.uri)
            client.db.c.insert_one({"_id": 1})
            self.assertEqual(client.db.c.find_one(), {"_id": 1})
            port = server.port
            client.close()
            self.assertIn(
                f"asynctestkit-mongo-127.0.0.1:{port}", [t.name for t in threading.enumerate()]
            )
        self.assertFalse(server.running)
        self.assertNotIn(
            f"asynctestkit-mongo-127.0.0.1:{port}", [t.name for t in threading.enumerate()]
        )
        with socket.socket() as probe:
            self.assertNotEqual(probe.connect_ex(("127.0.0.1", port)), 0)

    def test_stop_closes_open_client_connections(self):
        server = EmbeddedMongoServer().start()
        sock = socket.create_connection(("127.0.0.1", server.port))
        self.addCleanup(sock.close)
        sock.sendall(_op_msg({"ping": 1, "$db": "admin"}))
        self.assertEqual(_read_reply(sock)[2], {"ok": 1.0})
        self.assertEqual(server.connection_count, 1)
        server.stop()
        sock.settimeout(5)
        self.assertEqual(sock.recv(1), b"")

    def test_misuse_errors_say_what_to_do(self):
        server = EmbeddedMongoServer()
        with self.assertRaisesRegex(RuntimeError, r"is not running: call start\(\)"):
            server.uri
        with self.assertRaisesRegex(RuntimeError, "stop\\(\\) was called without a matching start"):
            server.stop()
        with server:
            with self.assertRaisesRegex(RuntimeError, "already running"):
                server.start()

    def test_port_in_use_fails_start_cleanly(self):
        with EmbeddedMongoServer() as first:
            with self.assertRaises(OSError):
                EmbeddedMongoServer(port=first.port).start()

    def test_async_context_manager(self):
        async def main():
            async with EmbeddedMongoServer() as server:
                client = pymongo.AsyncMongoClient(server.uri)
                await client.db.c.insert_one({"a": 1})
                count = await client.db.c.count_documents({})
                await client.close()
                return count

        self.assertEqual(asyncio.run(main()), 1)

    def test_servers_do_not_share_data(self):
        with EmbeddedMongoServer() as one, EmbeddedMongoServer() as two:
            a, b = pymongo.MongoClient(one.uri), pymongo.MongoClient(two.uri)
            a.db.c.insert_one({})
            self.assertEqual(b.db.c.count_documents({}), 0)
            a.close()
            b.close()


class WireTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = EmbeddedMongoServer().start()
        cls.addClassCleanup(cls.server.stop)

    def setUp(self):
        self.sock = socket.create_connection(("127.0.0.1", self.server.port))
        self.addCleanup(self.sock.close)
        self.sock.settimeout(5)

    def test_op_msg_reply_answers_request_id(self):
        self.sock.sendall(_op_msg({"ping": 1, "$db": "admin"}, request_id=42))
        response_to, op_code, body = _read_reply(self.sock)
        self.assertEqual((response_to, op_code, body), (42, 2013, {"ok": 1.0}))

    def test_document_sequence_section(self):
        docs = [{"_id": 1}, {"_id": 2}]
        self.sock.sendall(_op_msg({"insert": "seq", "$db": "wire"}, sequence=("documents", docs)))
        self.assertEqual(_read_reply(self.sock)[2], {"n": 2, "ok": 1.0})

    def test_checksum_flag_is_accepted(self):
        self.sock.sendall(_op_msg({"ping": 1, "$db": "admin"}, checksum=True))
        self.assertEqual(_read_reply(self.sock)[2], {"ok": 1.0})

    def test_more_to_come_gets_no_reply(self):
        self.sock.sendall(
            _op_msg({"insert": "w0", "documents": [{"_id": 1}], "$db": "wire"}, flags=2)
        )
        self.sock.sendall(_op_msg({"count": "w0", "$db": "wire"}, request_id=8))
        response_to, _, body = _read_reply(self.sock)
        self.assertEqual((response_to, body["n"]), (8, 1))

    def test_legacy_op_query_handshake(self):
        self.sock.sendall(_op_query("admin.$cmd", {"isMaster": 1, "helloOk": True}))
        response_to, op_code, body = _read_reply(self.sock)
        self.assertEqual((response_to, op_code), (9, 1))
        self.assertTrue(body["ismaster"])
        self.assertTrue(body["helloOk"])
        self.assertEqual(body["maxWireVersion"], 25)
        # No topologyVersion: drivers poll hello instead of streaming it (see the docs).
        self.assertNotIn("topologyVersion", body)

    def test_the_arbiter_answers_the_handshake_only(self):
        self.sock.sendall(_op_msg({"hello": 1, "$db": "admin"}))
        primary = _read_reply(self.sock)[2]
        [arbiter_address] = primary["arbiters"]
        host, port = arbiter_address.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as arbiter:
            arbiter.sendall(_op_msg({"hello": 1, "$db": "admin"}))
            body = _read_reply(arbiter)[2]
            self.assertEqual(
                {k: body[k] for k in ("isWritablePrimary", "secondary", "arbiterOnly", "me")},
                {
                    "isWritablePrimary": False,
                    "secondary": False,
                    "arbiterOnly": True,
                    "me": arbiter_address,
                },
            )
            self.assertEqual((body["primary"], body["hosts"]), (primary["me"], primary["hosts"]))
            arbiter.sendall(_op_msg({"find": "c", "$db": "db"}))
            body = _read_reply(arbiter)[2]
            self.assertEqual((body["code"], body["codeName"]), (13436, "NotPrimaryOrSecondary"))

    def test_legacy_op_query_other_commands_are_refused(self):
        self.sock.sendall(_op_query("db.$cmd", {"find": "c"}))
        body = _read_reply(self.sock)[2]
        self.assertEqual((body["code"], body["codeName"]), (352, "UnsupportedOpQueryCommand"))

    def test_unknown_command(self):
        self.sock.sendall(_op_msg({"frobnicate": 1, "$db": "admin"}))
        body = _read_reply(self.sock)[2]
        self.assertEqual(
            body,
            {
                "ok": 0.0,
                "errmsg": "no such command: 'frobnicate'",
                "code": 59,
                "codeName": "CommandNotFound",
            },
        )

    def test_garbage_closes_the_connection(self):
        self.sock.sendall(struct.pack("<iiii", 20, 1, 0, 9999) + b"\x00" * 4)
        self.assertEqual(self.sock.recv(1), b"")


class SharedServerTests(unittest.TestCase):
    def test_leases_share_one_running_server(self):
        before = _shared.shared_server_leases()
        first = acquire_shared_server()
        self.addCleanup(release_shared_server)
        with shared_server() as second:
            self.assertIs(first, second)
            self.assertEqual(_shared.shared_server_leases(), before + 2)
        self.assertEqual(shared_server_uri(), first.uri)
        self.assertTrue(first.running)

    def test_release_without_acquire_is_a_clear_error(self):
        held = _shared.shared_server_leases()
        for _ in range(held):
            release_shared_server()
        try:
            with self.assertRaises(RuntimeError) as caught:
                release_shared_server()
            self.assertEqual(
                str(caught.exception),
                "The shared embedded MongoDB server: release_shared_server() was called more "
                "often than acquire_shared_server() in this process. Release each lease "
                "exactly once, e.g. with addClassCleanup right after acquiring (a forked child "
                "holds none of its parent's leases).",
            )
        finally:
            for _ in range(held):
                acquire_shared_server()


class CommandLineTests(unittest.TestCase):
    def test_cli_serves_until_terminated(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = dict(os.environ, PYTHONWARNINGS="error")
        process = subprocess.Popen(
            [sys.executable, "-m", "asynctestkit", "mongo", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            line = process.stdout.readline()
            self.assertIn(f"mongodb://127.0.0.1:{port}/?directConnection=true", line)
            client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true")
            self.assertEqual(client.admin.command("ping"), {"ok": 1.0})
            client.close()
        finally:
            process.terminate()
            out, err = process.communicate(timeout=10)
        self.assertEqual(process.returncode, 0, err)
        self.assertEqual(err, "")
