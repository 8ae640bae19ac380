"""What the test modules share: run inner TestCases as a suite and read what went wrong.

Imports no optional dependency at module level: the base-install tox job (`tox -e min`)
loads it too.
"""

import asyncio
import os
import socket
import subprocess
import sys
import unittest
from unittest import mock


def suite_of(tests):
    """One suite of test classes (all their tests, in loader order) and test instances."""
    suite = unittest.TestSuite()
    for test in tests:
        if isinstance(test, type):
            suite.addTests(unittest.defaultTestLoader.loadTestsFromTestCase(test))
        else:
            suite.addTest(test)
    return suite


def run_suite(*tests, result=None):
    """Run classes or instances as one top-level suite, so class set-up and tear-down run
    as under a runner; return the result (a new ``unittest.TestResult`` unless given)."""
    result = unittest.TestResult() if result is None else result
    suite_of(tests).run(result)
    return result


def problems(result):
    """The traceback of every error and failure, in the order they happened."""
    return [trace for _, trace in result.errors + result.failures]


def last_lines(result):
    """The last line (the exception and its message) of every error and failure."""
    return [trace.strip().splitlines()[-1] for trace in problems(result)]


def free_port():
    """A loopback port nothing listens on (bound and released, so it is free now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hide_server_side_snapshot():
    """Make the embedded server answer CommandNotFound to the toolkit's snapshot commands,
    so the generic restore (any MongoDB's path) runs; return the patcher to stop."""
    from asynctestkit.mongo.server import _registry

    patcher = mock.patch.dict(_registry._COMMANDS)
    patcher.start()
    del _registry._COMMANDS["asynctestkitSnapshot"]
    del _registry._COMMANDS["asynctestkitRestore"]
    return patcher


def run_python(*args, timeout=120, **options):
    """Run this interpreter with ``args``, output captured as text; the CompletedProcess."""
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, **options
    )


def mongo_uri():
    """The MongoDB the test cases use: ``MONGODB_URI``, else the embedded shared server."""
    from asynctestkit.mongo import shared_server_uri

    return os.environ.get("MONGODB_URI", "").strip() or shared_server_uri()


def database_names(uri=None):
    """The databases on ``uri`` (default: :func:`mongo_uri`), sorted."""
    import pymongo

    # The async client: the sync one leaves monitor threads behind for a while after close().
    async def names():
        client = pymongo.AsyncMongoClient(uri or mongo_uri(), serverSelectionTimeoutMS=3000)
        try:
            return sorted(await client.list_database_names())
        finally:
            await client.close()

    return asyncio.run(names())
