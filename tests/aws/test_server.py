"""MotoServer: moto over a kept-alive HTTP/1.1 connection, silent, stopped at once."""

import contextlib
import http.client
import io
import socket
import textwrap
import unittest

import boto3

from asynctestkit.aws import _server
from asynctestkit.aws._server import MotoServer
from tests._support import run_python

SIGNED = {
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEEXAMPLE12/20250101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )
}


def s3_client(server, key="AKIAEXAMPLEEXAMPLE12"):
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key="secret",
    )


class MotoServerTests(unittest.TestCase):
    def setUp(self):
        self.server = MotoServer()
        self.server.start()
        self.addCleanup(self.stop)
        self.s3 = s3_client(self.server)
        self.addCleanup(self.s3.close)
        self.bucket = f"server-test-{id(self)}"
        self.s3.create_bucket(Bucket=self.bucket)

    def stop(self):
        if self.server.running:
            self.server.stop()

    def connect(self):
        host, port = self.server.server_address
        connection = http.client.HTTPConnection(host, port, timeout=10)
        self.addCleanup(connection.close)
        return connection

    def test_binds_loopback_on_a_free_port(self):
        host, port = self.server.server_address
        self.assertEqual(host, "127.0.0.1")
        self.assertGreater(port, 0)
        self.assertEqual(self.server.endpoint_url, f"http://127.0.0.1:{port}")

    def test_connection_is_kept_alive_across_requests(self):
        connection = self.connect()
        sockets = set()
        for index in range(3):
            body = f"body-{index}".encode()
            connection.request("PUT", f"/{self.bucket}/k{index}", body=body, headers=SIGNED)
            response = connection.getresponse()
            response.read()
            self.assertEqual(response.status, 200)
            self.assertIsNone(response.getheader("Connection"))
            sockets.add(id(connection.sock))
        self.assertEqual(len(sockets), 1)
        connection.request("GET", f"/{self.bucket}/k2", headers=SIGNED)
        self.assertEqual(connection.getresponse().read(), b"body-2")

    def test_chunked_request_body(self):
        connection = self.connect()
        connection.request(
            "PUT",
            f"/{self.bucket}/chunked",
            body=iter([b"hello ", b"chunked ", b"world"]),
            headers={**SIGNED, "Transfer-Encoding": "chunked"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        response.read()
        self.assertEqual(response.status, 200)
        body = self.s3.get_object(Bucket=self.bucket, Key="chunked")["Body"].read()
        self.assertEqual(body, b"hello chunked world")

    def test_head_sends_headers_only_and_keeps_the_connection(self):
        self.s3.put_object(Bucket=self.bucket, Key="k", Body=b"12345")
        connection = self.connect()
        connection.request("HEAD", f"/{self.bucket}/k", headers=SIGNED)
        response = connection.getresponse()
        self.assertEqual(response.read(), b"")
        self.assertEqual(response.getheader("Content-Length"), "5")
        connection.request("GET", f"/{self.bucket}/k", headers=SIGNED)
        self.assertEqual(connection.getresponse().read(), b"12345")

    def test_s3_metadata_keeps_underscores_and_dashes_apart(self):
        metadata = {"my_key": "underscore", "other-key": "dash"}
        self.s3.put_object(Bucket=self.bucket, Key="m", Body=b"1", Metadata=metadata)
        head = self.s3.head_object(Bucket=self.bucket, Key="m")
        self.assertEqual(head["Metadata"], metadata)

    def test_prints_nothing(self):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            self.s3.put_object(Bucket=self.bucket, Key="quiet", Body=b"1")
            self.s3.get_object(Bucket=self.bucket, Key="quiet")["Body"].read()
            with self.assertRaises(self.s3.exceptions.NoSuchKey):
                self.s3.get_object(Bucket=self.bucket, Key="missing")
        self.assertEqual((out.getvalue(), err.getvalue()), ("", ""))

    def test_registered_access_key_routes_to_its_account(self):
        self.server.register_access_key("AKIAROUTEDROUTED0001", "111122223333")
        self.addCleanup(self.server.forget_access_key, "AKIAROUTEDROUTED0001")
        routed = s3_client(self.server, key="AKIAROUTEDROUTED0001")
        self.addCleanup(routed.close)
        sts = boto3.client(
            "sts",
            endpoint_url=self.server.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="AKIAROUTEDROUTED0001",
            aws_secret_access_key="secret",
        )
        self.addCleanup(sts.close)
        self.assertEqual(sts.get_caller_identity()["Account"], "111122223333")
        self.assertEqual(routed.list_buckets()["Buckets"], [])
        # A presigned URL carries the key in its query string.
        routed.create_bucket(Bucket="routed")
        routed.put_object(Bucket="routed", Key="k", Body=b"routed body")
        url = routed.generate_presigned_url("get_object", Params={"Bucket": "routed", "Key": "k"})
        path = url.split(self.server.endpoint_url, 1)[1]
        connection = self.connect()
        connection.request("GET", path)
        self.assertEqual(connection.getresponse().read(), b"routed body")

    def test_stop_closes_open_connections_and_the_port(self):
        connection = self.connect()
        connection.request("GET", f"/{self.bucket}", headers=SIGNED)
        connection.getresponse().read()
        self.server.stop()
        self.assertFalse(self.server.running)
        self.assertEqual(connection.sock.recv(1), b"")
        with self.assertRaises(OSError):
            socket.create_connection(self.server.server_address, timeout=2).close()

    def test_stop_when_not_running_names_the_fix(self):
        self.server.stop()
        with self.assertRaisesRegex(RuntimeError, r"is not running: call start\(\)"):
            self.server.stop()
        with self.assertRaisesRegex(RuntimeError, r"is not running"):
            self.server.endpoint_url  # noqa: B018

    def test_context_manager_starts_and_stops(self):
        with MotoServer() as other:
            self.assertTrue(other.running)
            client = s3_client(other)
            self.addCleanup(client.close)
            self.assertIn("Buckets", client.list_buckets())
        self.assertFalse(other.running)


class SharedServerTests(unittest.TestCase):
    def test_module_functions_use_the_process_wide_server_kept_at_zero_leases(self):
        server = _server.acquire_shared_server()
        self.addCleanup(_server.release_shared_server)
        before = _server.shared_server_leases()
        self.assertIs(_server.acquire_shared_server(), server)
        self.assertEqual(_server.shared_server_leases(), before + 1)
        _server.release_shared_server()
        # Still serving: the next class reuses it (and its port).
        self.assertTrue(server.running)

    def test_stopping_while_leased_is_an_error(self):
        server = _server.acquire_shared_server()
        self.addCleanup(_server.release_shared_server)
        with self.assertRaises(RuntimeError) as caught:
            _server._shared.stop()
        self.assertEqual(
            str(caught.exception),
            f"The shared moto server still has {_server.shared_server_leases()} lease(s) in "
            "this process; it stops at interpreter exit. Release the leases instead of "
            "stopping it.",
        )
        self.assertTrue(server.running)

    def test_module_functions_use_the_process_wide_server(self):
        server = _server.acquire_shared_server()
        try:
            self.assertIs(_server.acquire_shared_server(), server)
            _server.release_shared_server()
            self.assertGreaterEqual(_server.shared_server_leases(), 1)
        finally:
            _server.release_shared_server()


EXIT_SCRIPT = textwrap.dedent(
    """
    import atexit
    import http.client

    from asynctestkit.aws._server import acquire_shared_server

    connections = []
    atexit.register(lambda: [c.close() for c in connections])  # runs after the server stops
    server = acquire_shared_server()
    connection = http.client.HTTPConnection(*server.server_address)
    connections.append(connection)
    connection.request("GET", "/moto-api/data.json")
    assert connection.getresponse().read()
    # The lease is never released and a kept-alive connection is still open.
    """
)


class InterpreterExitTests(unittest.TestCase):
    def test_shared_server_stops_quietly_at_exit_with_an_open_connection(self):
        proc = run_python("-X", "dev", "-W", "error", "-c", EXIT_SCRIPT, timeout=60)
        self.assertEqual((proc.returncode, proc.stdout, proc.stderr), (0, "", ""))
