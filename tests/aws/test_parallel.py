"""Two worker processes at once (unittest-parallel, pytest-xdist) never see each other's AWS.

A tiny sample project runs as a subprocess. Its two modules each create resources with the
same names, then wait (bounded) until the other worker has too, so both are alive at once
when they list what they can see.
"""

import json
import os
import tempfile
import textwrap
import unittest
from pathlib import Path

from asynctestkit.aws._server import MotoServer
from asynctestkit.aws.case import _ENDPOINT_ENV
from tests._support import run_python

SAMPLE = textwrap.dedent(
    """
    import asyncio
    import json
    import os
    import time
    from pathlib import Path

    from asynctestkit import AwsTestCase

    BARRIER = Path(os.environ["SAMPLE_BARRIER"])
    NAME = __name__.rsplit(".", 1)[-1]


    class Worker(AwsTestCase):
        async def wait_for(self, suffix):
            deadline = time.monotonic() + 30
            while len(list(BARRIER.glob("*" + suffix))) < 2:
                self.assertLess(time.monotonic(), deadline, "the other worker never got here")
                await asyncio.sleep(0.05)

        async def test_sees_only_its_own(self):
            bucket = await self.create_bucket()
            queue = await self.create_queue("jobs")
            s3 = await self.aws_client("s3")
            sqs = await self.aws_client("sqs")
            await sqs.send_message(QueueUrl=queue, MessageBody=NAME)
            (BARRIER / (NAME + ".ready")).write_text("")
            await self.wait_for(".ready")
            names = [b["Name"] for b in (await s3.list_buckets())["Buckets"]]
            self.assertEqual(names, [bucket])
            self.assertEqual((await sqs.list_queues())["QueueUrls"], [queue])
            messages = await self.receive_sqs_messages(queue, 1, timeout=5)
            self.assertEqual(messages[0]["Body"], NAME)
            done = {"pid": os.getpid(), "account": self.aws_account_id}
            (BARRIER / (NAME + ".done")).write_text(json.dumps(done))
            await self.wait_for(".done")
    """
)

PYTEST_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


class ParallelWorkerTests(unittest.TestCase):
    def run_sample(self, args, extra_env=None):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for name in ("test_worker_one.py", "test_worker_two.py"):
                (root / name).write_text(SAMPLE)
            (root / "pytest.ini").write_text(PYTEST_INI)
            barrier = root / "barrier"
            barrier.mkdir()
            env = dict(os.environ, PYTHONWARNINGS="error", PYTHONDEVMODE="1")
            env["SAMPLE_BARRIER"] = str(barrier)
            env.pop(_ENDPOINT_ENV, None)
            env.update(extra_env or {})
            proc = run_python(*args, cwd=tmp, env=env, timeout=240)
            output = proc.stdout + proc.stderr
            self.assertEqual(proc.returncode, 0, output)
            done = [json.loads(path.read_text()) for path in sorted(barrier.glob("*.done"))]
        self.assertEqual(len(done), 2, output)
        self.assertNotEqual(done[0]["pid"], done[1]["pid"])
        return done

    def test_unittest_parallel(self):
        self.run_sample(["-m", "unittest_parallel", "-j", "2", "--level", "module"])

    def test_pytest_xdist(self):
        self.run_sample(
            ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile"]
        )

    def test_pytest_xdist_sharing_one_endpoint(self):
        # Both workers on one moto server: only the per-test accounts keep them apart.
        with MotoServer() as shared:
            done = self.run_sample(
                ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile"],
                {_ENDPOINT_ENV: shared.endpoint_url},
            )
        self.assertNotEqual(done[0]["account"], done[1]["account"])
