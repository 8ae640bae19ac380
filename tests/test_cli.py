"""python -m asynctestkit aws / serve: real servers in a subprocess, real clients."""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import unittest
from pathlib import Path

import boto3
import pymongo

from asynctestkit.__main__ import _is_loopback
from tests._support import run_python

ROOT = Path(__file__).resolve().parent.parent

# Two processes share one standalone server, as CI shards or xdist workers would.
SHARED_SAMPLE = textwrap.dedent(
    """
    import os

    from asynctestkit import AwsTestCase


    class SharedEndpointTests(AwsTestCase):
        async def test_sees_only_its_own_account(self):
            s3 = await self.aws_client("s3")
            self.assertEqual((await s3.list_buckets())["Buckets"], [])
            bucket = await self.create_bucket()
            await s3.put_object(Bucket=bucket, Key="worker", Body=os.environ["WORKER"].encode())
            await self.assertS3ObjectExists(bucket, "worker")
            endpoint = os.environ["ASYNCTESTKIT_AWS_ENDPOINT"]
            self.assertEqual(os.environ["AWS_ENDPOINT_URL"], endpoint)
    """
)


def environment(**extra):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="error", **extra)
    for name in ("ASYNCTESTKIT_AWS_ENDPOINT", "MONGODB_URI"):
        env.pop(name, None)
    env.update(extra)
    return env


class Cli:
    """``python -m asynctestkit ARGS`` until it has printed ``servers`` URLs."""

    def __init__(self, test, *args, servers=1):
        self.stderr = None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "asynctestkit", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment(),
        )
        # Never hang the suite on a server that does not come up.
        watchdog = threading.Timer(60, self.process.kill)
        watchdog.start()
        test.addCleanup(watchdog.cancel)
        test.addCleanup(self.stop)
        self.urls = []
        self.lines = []
        # Up to its last line before serving: nothing is left in the pipe's text buffer,
        # which communicate() would not read.
        for line in self.process.stdout:
            self.lines.append(line)
            if " listening on " in line:
                self.urls.append(line.rsplit(" ", 1)[1].strip())
            if "Press Ctrl+C to stop." in line:
                break
        test.assertEqual(len(self.urls), servers, self.lines)

    def stop(self):
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=30)
        self.lines.append(out)
        self.stderr = err
        return self.process.returncode


def s3_client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


class AwsCommandTests(unittest.TestCase):
    def test_serves_a_real_client_and_stops_cleanly(self):
        cli = Cli(self, "aws", "--port", "0")
        [endpoint] = cli.urls
        self.assertRegex(endpoint, r"^http://127\.0\.0\.1:\d+$")
        s3 = s3_client(endpoint)
        self.addCleanup(s3.close)
        s3.create_bucket(Bucket="cli-bucket")
        s3.put_object(Bucket="cli-bucket", Key="k", Body=b"v")
        self.assertEqual(s3.get_object(Bucket="cli-bucket", Key="k")["Body"].read(), b"v")
        self.assertIn(f"  ASYNCTESTKIT_AWS_ENDPOINT={endpoint}\n", cli.lines)
        self.assertEqual(cli.stop(), 0)
        self.assertEqual(cli.stderr, "")

    def test_processes_sharing_it_still_get_an_account_per_test(self):
        cli = Cli(self, "aws", "--port", "0")
        [endpoint] = cli.urls
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "test_shared_sample.py").write_text(SHARED_SAMPLE)
            for worker in ("one", "two"):
                proc = run_python(
                    "-m",
                    "unittest",
                    "test_shared_sample",
                    cwd=tmp,
                    env=environment(ASYNCTESTKIT_AWS_ENDPOINT=endpoint, WORKER=worker),
                    timeout=300,
                )
                with self.subTest(worker=worker):
                    self.assertEqual(proc.returncode, 0, proc.stderr)
                    self.assertIn("Ran 1 test", proc.stderr)
        # Both workers' data is on the shared server, each in an account of its own.
        s3 = s3_client(endpoint)
        self.addCleanup(s3.close)
        self.assertEqual(s3.list_buckets()["Buckets"], [])


class ServeCommandTests(unittest.TestCase):
    def test_starts_both_servers(self):
        cli = Cli(self, "serve", "--mongo-port", "0", "--aws-port", "0", servers=2)
        mongo_uri, endpoint = cli.urls
        with pymongo.MongoClient(mongo_uri) as client:
            self.assertEqual(client.admin.command("ping"), {"ok": 1.0})
        s3 = s3_client(endpoint)
        self.addCleanup(s3.close)
        self.assertEqual(s3.list_buckets()["Buckets"], [])
        self.assertIn(f"  MONGODB_URI={mongo_uri}\n", cli.lines)
        self.assertIn(f"  ASYNCTESTKIT_AWS_ENDPOINT={endpoint}\n", cli.lines)
        self.assertEqual(cli.stop(), 0)
        self.assertEqual(cli.stderr, "")


class ExposedAddressTests(unittest.TestCase):
    def test_loopback_addresses(self):
        for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1"):
            with self.subTest(host=host):
                self.assertTrue(_is_loopback(host))
        for host in ("0.0.0.0", "::", "10.1.2.3", "192.0.2.1", "ci-runner.internal"):
            with self.subTest(host=host):
                self.assertFalse(_is_loopback(host))

    def test_another_address_is_warned_about(self):
        # 192.0.2.1 (TEST-NET-1) is no address of this machine: the bind fails, after the
        # warning, and nothing is ever exposed.
        for command, option in (("aws", "--port"), ("mongo", "--port"), ("serve", "--mongo-port")):
            with self.subTest(command=command):
                proc = run_python(
                    "-m", "asynctestkit", command, "--host", "192.0.2.1", env=environment()
                )
                self.assertEqual(proc.returncode, 1, proc.stderr)
                warning, error = proc.stderr.splitlines()
                self.assertEqual(
                    warning,
                    f"asynctestkit {command}: WARNING: binding 192.0.2.1, which other machines "
                    f"may reach, and these test servers have no authentication: anyone who can "
                    f"connect can read and change their data. Bind 127.0.0.1 (the default) "
                    f"unless every machine that can reach 192.0.2.1 is yours, e.g. a CI job's "
                    f"private network; never publish the port beyond it.",
                )
                self.assertTrue(error.startswith(f"asynctestkit {command}: cannot listen on "))
                self.assertTrue(
                    error.endswith(
                        f"Choose another port with {option} (0 picks a free one), or an "
                        f"address of this machine with --host."
                    ),
                    error,
                )
