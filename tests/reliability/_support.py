"""Running inner test classes, and proving that nothing of ours is left afterwards."""

import gc
import os
import sys
import threading
import time
import unittest

from asynctestkit import MongoAwsTestCase
from asynctestkit.aws import _server as moto_shared
from asynctestkit.mongo import _shared as mongo_shared
from tests._support import database_names, suite_of

# Sockets close and threads end a moment after their owner lets go (a server thread sees
# the peer's FIN on its next turn): wait this long for the counts to settle.
SETTLE_S = 3.0


class Result(unittest.TestResult):
    """A TestResult that also records unraisable exceptions (``__del__`` warnings) with the
    test that was running when each happened (None: between tests, in class fixtures)."""

    def __init__(self):
        super().__init__()
        self.current = None
        self.unraisable = []

    def startTest(self, test):
        super().startTest(test)
        self.current = test.id()

    def stopTest(self, test):
        super().stopTest(test)
        self.current = None

    def hook(self, unraisable):
        message = str(unraisable.exc_value).split("\n", 1)[0]
        self.unraisable.append((self.current, message))


def run_suite(*tests):
    """Run test instances (or classes) as one top-level suite; return the Result."""
    suite = suite_of(tests)
    result = Result()
    previous, sys.unraisablehook = sys.unraisablehook, result.hook
    try:
        suite.run(result)
        # unittest keeps a failed class cleanup's exc_info (tracebacks, frames, the
        # objects in them) on the class; the result already holds the formatted text.
        # (run() let go of the suite's tests: load them again to find their classes.)
        for test in _flatten(suite_of(tests)):
            vars(type(test)).get("tearDown_exceptions", []).clear()
        gc.collect()
    finally:
        sys.unraisablehook = previous
    return result


def _flatten(tests):
    for test in tests:
        if isinstance(test, unittest.TestSuite):
            yield from _flatten(test)
        else:
            yield test


def outcomes(result):
    """{test id or class-fixture description: 'error' | 'failure'} for what went wrong."""
    found = {}
    for kind, entries in (("error", result.errors), ("failure", result.failures)):
        for test, _trace in entries:
            found[test.id()] = kind
    return found


def trace_for(result, test_id):
    for test, trace in result.errors + result.failures:
        if test.id() == test_id:
            return trace
    raise AssertionError(f"nothing reported for {test_id!r}: {outcomes(result)}")


def tid(cls, method):
    return f"{cls.__module__}.{cls.__qualname__}.{method}"


def fixture_id(kind, cls):
    """How unittest names a failing setUpClass / tearDownClass."""
    return f"{kind} ({cls.__module__}.{cls.__qualname__})"


class FollowingTests(MongoAwsTestCase):
    """A healthy class that runs after a faulty one: it must pass."""

    async def test_mongo_and_aws_still_work(self):
        await self.db.items.insert_one({"ok": True})
        self.assertEqual(await self.db.items.count_documents({}), 1)
        bucket = await self.create_bucket()
        s3 = await self.aws_client("s3")
        await s3.put_object(Bucket=bucket, Key="k", Body=b"v")
        listing = await s3.list_objects_v2(Bucket=bucket)
        self.assertEqual([item["Key"] for item in listing["Contents"]], ["k"])


def warm_up():
    """Start what stays for the whole process (the shared servers) before a baseline."""
    result = run_suite(FollowingTests)
    if not result.wasSuccessful():
        raise AssertionError(f"the warm-up class failed: {result.errors + result.failures}")


def _fds():
    fds = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            fds[int(name)] = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            pass  # the directory listing's own fd, closed by now
    return fds


_TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "0A": "LISTEN",
}


def _describe_fd(target):
    """'socket:[inode]' -> local/remote address and TCP state, for a readable report."""
    if not target.startswith("socket:["):
        return target
    inode = target[len("socket:[") : -1]
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[9] == inode:
                local, remote = (_address(fields[1]), _address(fields[2]))
                state = _TCP_STATES.get(fields[3], fields[3])
                return f"{target} {local} -> {remote} {state}"
    return target


def _address(hex_address):
    host, port = hex_address.split(":")
    if len(host) == 8:
        host = ".".join(str(int(host[i : i + 2], 16)) for i in (6, 4, 2, 0))
    return f"{host}:{int(port, 16)}"


class Resources:
    """What the process holds now; ``leftovers()`` waits for it to come back, then diffs."""

    def __init__(self):
        gc.collect()
        self.threads = set(threading.enumerate())
        self.fds = _fds()
        self.environ = dict(os.environ)
        self.databases = database_names()
        self.leases = (mongo_shared.shared_server_leases(), moto_shared.shared_server_leases())

    def _diff(self):
        gc.collect()
        left = []
        threads = [t.name for t in threading.enumerate() if t not in self.threads and t.is_alive()]
        if threads:
            left.append(f"threads: {sorted(threads)}")
        fds = {
            fd: _describe_fd(target) for fd, target in _fds().items() if self.fds.get(fd) != target
        }
        if fds:
            left.append(f"open fds: {fds}")
        changed = {
            name
            for name in set(os.environ) | set(self.environ)
            if os.environ.get(name) != self.environ.get(name)
        }
        if changed:
            left.append(f"os.environ changed: {sorted(changed)}")
        databases = sorted(set(database_names()) - set(self.databases))
        if databases:
            left.append(f"databases: {databases}")
        leases = (mongo_shared.shared_server_leases(), moto_shared.shared_server_leases())
        if leases != self.leases:
            left.append(f"server leases (mongo, moto): {self.leases} -> {leases}")
        return left

    def leftovers(self):
        deadline = time.monotonic() + SETTLE_S
        while True:
            left = self._diff()
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.05)
