"""Processes the code under test starts get the test's AWS environment, under every start
method: a forkserver child (3.14's default on Linux) is forked from a server that started
with an older environment, before the class or in an earlier test."""

import asyncio
import multiprocessing
import os
import unittest
import uuid

from asynctestkit import AwsTestCase
from tests._support import problems, run_suite
from tests.aws import _children

VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE")
TIMEOUT_S = 60


def run_child(method, target, *args):
    """Run ``target(*args, queue)`` in a child started with ``method``; return what it sent."""
    context = multiprocessing.get_context(method)
    queue = context.SimpleQueue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    process.join(TIMEOUT_S)
    if process.is_alive():
        process.kill()
        process.join()
    if process.exitcode != 0:
        raise AssertionError(f"the {method} child failed with exit code {process.exitcode}")
    return queue.get() if not queue.empty() else None


def start_fork_server():
    context = multiprocessing.get_context("forkserver")
    process = context.Process(target=_children.nothing)
    process.start()
    process.join(TIMEOUT_S)


class ChildProcessTests(unittest.TestCase):
    def test_each_test_s_children_act_in_that_test_s_account(self):
        seen = {}

        class Workers(AwsTestCase):
            @classmethod
            def setUpClass(cls):
                start_fork_server()  # before the class sets any AWS variable
                super().setUpClass()

            async def check(self, method):
                bucket = f"from-a-{method}-child-{uuid.uuid4().hex[:8]}"
                key = await asyncio.to_thread(run_child, method, _children.create_bucket, bucket)
                self.assertEqual(key, os.environ["AWS_ACCESS_KEY_ID"])
                s3 = await self.aws_client("s3")
                listing = await s3.list_buckets()
                self.assertEqual([b["Name"] for b in listing["Buckets"]], [bucket])
                seen.setdefault(method, []).append(self.aws_account_id)

            async def test_forkserver_first(self):
                await self.check("forkserver")

            async def test_forkserver_second(self):
                await self.check("forkserver")

            async def test_spawn(self):
                await self.check("spawn")

        self.assertEqual(problems(run_suite(Workers)), [])
        # A fresh account per test, and each test's child used its own.
        self.assertEqual(len(set(seen["forkserver"])), 2)

    def test_children_started_after_the_class_get_the_environment_back(self):
        class Starts(AwsTestCase):
            async def test_child(self):
                values = await asyncio.to_thread(
                    run_child, "forkserver", _children.environment, VARIABLES
                )
                self.assertEqual(values["AWS_ENDPOINT_URL"], os.environ["AWS_ENDPOINT_URL"])

        before = {name: os.environ.get(name) for name in VARIABLES}
        self.assertEqual(problems(run_suite(Starts)), [])
        # The fork server may have started inside the class, with its environment.
        self.assertEqual(run_child("forkserver", _children.environment, VARIABLES), before)
