"""The one lease behind both shared servers, the AWS guard and the botocore cache, and what
a child process gets under fork, forkserver and spawn."""

import contextlib
import multiprocessing
import os
import pickle
import sys
import traceback
import unittest
import warnings

import boto3

from asynctestkit import AwsTestCase
from asynctestkit._lease import Lease
from asynctestkit.aws import _botocore_cache, _guard
from asynctestkit.aws import _server as moto_shared
from asynctestkit.aws._guard import RealAwsRequestError
from asynctestkit.mongo import _shared as mongo_shared
from tests import _process_cases
from tests._support import problems, run_suite

HAS_FORK = hasattr(os, "fork")


def in_forked_child(func):
    """Run ``func`` in a child made with os.fork(); return what it returned (pickled back).

    The child leaves with os._exit, as multiprocessing's fork workers do: nothing of the
    parent's (atexit, the class loop) runs there.
    """
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # 3.12+ warns that forking a process with threads may deadlock the child; the
        # servers' threads are exactly what this test is about.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        try:
            payload = pickle.dumps(("ok", func()))
        except BaseException:
            payload = pickle.dumps(("error", traceback.format_exc()))
        with contextlib.suppress(BaseException):
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as source:
        data = source.read()
    os.waitpid(pid, 0)
    status, value = pickle.loads(data)
    if status == "error":
        raise AssertionError(f"in the forked child:\n{value}")
    return value


class Resource:
    def __init__(self, events):
        self.events = events
        self.events.append("start")

    def stop(self):
        self.events.append("stop")


def lease_of(events, **options):
    return Lease("The test resource", lambda: Resource(events), Resource.stop, **options)


class LeaseTests(unittest.TestCase):
    def test_patch_kind_stops_with_the_last_release(self):
        events = []
        lease = lease_of(events, keep=False, survives_fork=True)
        first = lease.acquire()
        self.assertIs(lease.acquire(), first)
        self.assertEqual((lease.count, lease.in_force), (2, True))
        lease.release()
        self.assertEqual(events, ["start"])
        lease.release()
        self.assertEqual((events, lease.count, lease.in_force), (["start", "stop"], 0, False))

    def test_server_kind_keeps_running_at_zero_leases(self):
        events = []
        lease = lease_of(events, keep=True, survives_fork=False)
        server = lease.acquire()
        lease.release()
        self.assertIs(lease.resource, server)
        self.assertIs(lease.acquire(), server)  # no restart for the next class
        lease.release()
        lease.stop()
        self.assertEqual(events, ["start", "stop"])

    def test_misuse_has_one_message_naming_the_calls(self):
        lease = lease_of([], keep=True, survives_fork=False, calls=("take()", "give()"))
        with self.assertRaises(RuntimeError) as caught:
            lease.release()
        self.assertEqual(
            str(caught.exception),
            "The test resource: give() was called more often than take() in this process. "
            "Release each lease exactly once, e.g. with addClassCleanup right after acquiring "
            "(a forked child holds none of its parent's leases).",
        )
        lease.acquire()
        with self.assertRaises(RuntimeError) as caught:
            lease.stop()
        self.assertEqual(
            str(caught.exception),
            "The test resource still has 1 lease(s) in this process; it stops at interpreter "
            "exit. Release the leases instead of stopping it.",
        )
        lease.release()
        lease.stop()

    @unittest.skipUnless(HAS_FORK, "os.fork is POSIX-only")
    def test_a_forked_child_holds_none_of_its_parents_leases(self):
        server_events, patch_events = [], []
        server = lease_of(server_events, keep=True, survives_fork=False)
        patch = lease_of(patch_events, keep=False, survives_fork=True)
        parents_server = server.acquire()
        patch.acquire()
        self.addCleanup(server.stop)
        self.addCleanup(patch.release)
        self.addCleanup(server.release)

        def child():
            seen = {"counts": (server.count, patch.count), "in_force": patch.in_force}
            try:
                server.release()
            except RuntimeError as error:
                seen["release"] = str(error).split(":")[0]
            seen["new_server"] = server.acquire() is not parents_server
            patch.acquire()
            patch.release()
            # The parent's patch is still in force: the child's own pair did not stop it.
            seen["after_own_pair"] = (patch.in_force, patch_events[-1])
            return seen

        self.assertEqual(
            in_forked_child(child),
            {
                "counts": (0, 0),
                "in_force": True,
                "release": "The test resource",
                "new_server": True,
                "after_own_pair": (True, "start"),
            },
        )
        # The parent's side is untouched.
        self.assertEqual((server.count, patch.count), (1, 1))
        self.assertIs(server.resource, parents_server)


@unittest.skipUnless(HAS_FORK, "os.fork is POSIX-only")
class ForkTests(unittest.TestCase):
    def test_a_child_forked_after_a_class_gets_its_own_servers_and_accounts(self):
        parent, parent_problems, ran, _ = _process_cases.run_where_am_i()
        self.assertEqual((parent_problems, ran), ([], 1))

        child, child_problems, ran, leases = in_forked_child(_process_cases.run_where_am_i)

        self.assertEqual((child_problems, ran), ([], 1))
        self.assertNotEqual(child["pid"], parent["pid"])
        # The repro: moto's default account 123456789012 meant the child's request
        # reached the parent's server, which never saw the child's account.
        self.assertEqual(child["answered"], child["account"])
        self.assertNotEqual(child["moto"], parent["moto"])
        self.assertNotEqual(child["mongo"], parent["mongo"])
        self.assertEqual(child["documents"], 1)
        self.assertEqual(leases, (0, 0))
        # The child closed only its copies of the sockets: the parent still serves.
        again, again_problems, _, _ = _process_cases.run_where_am_i()
        self.assertEqual(again_problems, [])
        self.assertEqual((again["moto"], again["mongo"]), (parent["moto"], parent["mongo"]))
        self.assertEqual(again["answered"], again["account"])

    def test_a_child_forked_during_a_test_uses_the_tests_account_and_stays_guarded(self):
        seen = {}

        def child():
            # The parent's server, through the environment.
            with contextlib.closing(boto3.client("sts")) as sts:
                account = sts.get_caller_identity()["Account"]
            try:
                s3 = boto3.client("s3", endpoint_url="https://s3.amazonaws.com")
                with contextlib.closing(s3):
                    s3.list_buckets()
            except RealAwsRequestError:
                blocked = True
            else:
                blocked = False
            return account, blocked, _guard._lease.in_force, _botocore_cache.installed()

        class Test(AwsTestCase):
            async def test_forks(self):
                seen["account"] = self.aws_account_id
                seen["child"] = in_forked_child(child)

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(seen["child"], (seen["account"], True, True, True))


def _start_method_works(method):
    context = multiprocessing.get_context(method)
    with context.Pool(1) as pool:
        return pool.apply(_process_cases.run_where_am_i)


class StartMethodTests(unittest.TestCase):
    """forkserver is 3.14's default on Linux; spawn is macOS' and Windows'."""

    def check(self, method):
        if method not in multiprocessing.get_all_start_methods():
            self.skipTest(f"{method} is not available on {sys.platform}")
        # A class in this process first, so the child starts from a process that has
        # both servers running (as a unittest-parallel parent might).
        self.assertEqual(_process_cases.run_where_am_i()[1], [])
        seen, child_problems, ran, leases = _start_method_works(method)
        self.assertEqual((child_problems, ran, leases), ([], 1, (0, 0)))
        self.assertNotEqual(seen["pid"], os.getpid())
        self.assertEqual(seen["answered"], seen["account"])
        self.assertNotEqual(seen["moto"], os.environ.get("AWS_ENDPOINT_URL"))
        self.assertNotEqual(seen["mongo"], mongo_shared._lease.resource.uri)
        self.assertNotEqual(seen["moto"], moto_shared._shared.resource.endpoint_url)

    def test_forkserver(self):
        self.check("forkserver")

    def test_spawn(self):
        self.check("spawn")
