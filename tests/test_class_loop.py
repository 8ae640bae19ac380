"""asyncio_debug, and what EventLoopMixin shares with AsyncTestCase's class loop."""

import asyncio
import logging
import os
import socket
import threading
import time
import unittest
import warnings
from pathlib import Path
from unittest import mock

from asynctestkit import AsyncTestCase, EventLoopMixin, LeftoverWarning
from tests._support import last_lines, problems, run_python
from tests._support import run_suite as run_class

ROOT = Path(__file__).resolve().parents[1]
DEBUG_ENV = "ASYNCTESTKIT_ASYNCIO_DEBUG"


def debug_seen(base=AsyncTestCase, **attrs):
    """Whether the class loop ran in debug mode, seen from a test and from set-up."""
    seen = []

    async def record():
        seen.append(asyncio.get_running_loop().get_debug())

    async def record_from(self_or_cls):
        await record()

    if base is AsyncTestCase:
        body = {"asyncSetUpClass": classmethod(record_from), "test_it": record_from}
    else:
        body = {"test_it": lambda self: self.run_async(record())}
    Test = type("Test", (base, unittest.TestCase), {**attrs, **body})
    result = run_class(Test)
    if problems(result):
        raise AssertionError(problems(result))
    assert len(set(seen)) == 1, seen
    return seen[0]


class AsyncioDebugTests(unittest.TestCase):
    def setUp(self):
        patcher = mock.patch.dict(os.environ)
        patcher.start()
        self.addCleanup(patcher.stop)
        os.environ.pop(DEBUG_ENV, None)
        os.environ.pop("PYTHONASYNCIODEBUG", None)

    def test_the_class_attribute_wins(self):
        os.environ[DEBUG_ENV] = "1"
        self.assertIs(debug_seen(asyncio_debug=False), False)
        os.environ[DEBUG_ENV] = "0"
        self.assertIs(debug_seen(asyncio_debug=True), True)
        self.assertIs(debug_seen(EventLoopMixin, asyncio_debug=True), True)

    def test_the_toolkit_variable_then_pythonasynciodebug(self):
        for value, expected in (("1", True), ("on", True), ("TRUE", True), ("0", False)):
            os.environ[DEBUG_ENV] = value
            self.assertIs(debug_seen(), expected, value)
            self.assertIs(debug_seen(EventLoopMixin), expected, value)
        os.environ["PYTHONASYNCIODEBUG"] = "1"
        os.environ[DEBUG_ENV] = "off"
        self.assertIs(debug_seen(), False)
        del os.environ[DEBUG_ENV]
        self.assertIs(debug_seen(), True)
        # asyncio reads any value as on; here 0 means off.
        os.environ["PYTHONASYNCIODEBUG"] = "0"
        self.assertIs(debug_seen(), False)
        os.environ["PYTHONASYNCIODEBUG"] = "yes please"
        self.assertIs(debug_seen(), True)

    def test_off_by_default_and_on_under_dev_mode(self):
        script = (
            "import asyncio, unittest\n"
            "from asynctestkit import AsyncTestCase\n"
            "class T(AsyncTestCase):\n"
            "    async def test_it(self):\n"
            "        print('debug', asyncio.get_running_loop().get_debug())\n"
            "unittest.main(argv=['x'], exit=False)\n"
        )
        env = {
            name: value
            for name, value in os.environ.items()
            if name not in ("PYTHONDEVMODE", "PYTHONASYNCIODEBUG", DEBUG_ENV)
        }
        env["PYTHONPATH"] = str(ROOT)
        for flags, expected in (([], "debug False"), (["-X", "dev"], "debug True")):
            done = run_python(*flags, "-c", script, env=env)
            self.assertIn(expected, done.stdout.splitlines(), done.stderr)

    def error_for(self, base=AsyncTestCase, **attrs):
        Test = type("Test", (base, unittest.TestCase), {"test_x": lambda self: None, **attrs})
        result = run_class(Test)
        self.assertEqual(len(result.errors), 1, problems(result))
        return result.errors[0][1].strip().splitlines()[-1]

    def test_bad_values_list_the_valid_ones(self):
        expected = (
            "TypeError: Test.asyncio_debug = 'on' is not valid: it must be one of True, False, "
            "None (None: ASYNCTESTKIT_ASYNCIO_DEBUG, else PYTHONASYNCIODEBUG, else -X dev). "
            "Fix the class attribute."
        ).replace("TypeError", "ValueError")
        self.assertEqual(self.error_for(asyncio_debug="on"), expected)
        self.assertEqual(self.error_for(EventLoopMixin, asyncio_debug="on"), expected)
        self.assertTrue(
            self.error_for(asyncio_debug=1).startswith("ValueError: Test.asyncio_debug = 1 ")
        )
        os.environ[DEBUG_ENV] = "verbose"
        self.assertEqual(
            self.error_for(),
            "ValueError: ASYNCTESTKIT_ASYNCIO_DEBUG='verbose' is not valid: it must be one of "
            "1, true, on, 0, false, off. Fix or unset the environment variable.",
        )


class _Slow:
    """A mixin whose class and per-test set-up block the loop, as the toolkit's first
    set-up does."""

    @classmethod
    async def _asynctestkitSetUpClass(cls):
        await super()._asynctestkitSetUpClass()
        time.sleep(0.15)

    async def _asynctestkitSetUp(self):
        await super()._asynctestkitSetUp()
        time.sleep(0.15)


class SlowCallbackLogTests(unittest.TestCase):
    def run_logged(self, Test):
        with self.assertLogs("asyncio", "DEBUG") as logs:
            logging.getLogger("asyncio").debug("start")  # assertLogs needs one record
            result = run_class(Test)
        self.assertEqual(problems(result), [])
        return [line for line in logs.output if "Executing" in line]

    def test_the_toolkits_own_set_up_is_never_reported(self):
        class Test(_Slow, AsyncTestCase):
            asyncio_debug = True

            async def test_it(self):
                self.assertEqual(asyncio.get_running_loop().slow_callback_duration, 0.1)

        self.assertEqual(self.run_logged(Test), [])

    def test_the_users_slow_set_up_still_is(self):
        class Test(_Slow, AsyncTestCase):
            asyncio_debug = True

            @classmethod
            async def asyncSetUpClass(cls):
                time.sleep(0.15)

            async def test_it(self):
                pass

        logged = self.run_logged(Test)
        self.assertEqual(len(logged), 1, logged)
        self.assertIn("took 0.1", logged[0])


class EventLoopMixinSharedLoopTests(unittest.TestCase):
    """EventLoopMixin runs the same class loop as AsyncTestCase: settings checked, a time
    limit per run_async in a test, sockets left open closed and reported."""

    def test_settings_are_checked(self):
        class Test(EventLoopMixin, unittest.TestCase):
            loop_factory = "uvloop"

            def test_x(self):
                pass

        result = run_class(Test)
        self.assertEqual(
            last_lines(result)[0],
            f"ValueError: {Test.__qualname__}.loop_factory = 'uvloop' is not valid: it must be "
            "None or a callable returning an event loop. Fix the class attribute "
            "(e.g. loop_factory = uvloop.new_event_loop).",
        )

    def test_run_async_in_a_test_has_the_time_limit(self):
        class Test(EventLoopMixin, unittest.TestCase):
            test_timeout = 0.2

            def test_waits(self):
                self.run_async(asyncio.sleep(30))

        started = time.monotonic()
        result = run_class(Test)
        self.assertLess(time.monotonic() - started, 20)  # not the 30 s sleep
        [(_, trace)] = result.failures
        self.assertIn(
            "AssertionError: tests.test_class_loop.EventLoopMixinSharedLoopTests."
            "test_run_async_in_a_test_has_the_time_limit.<locals>.Test.test_waits did not "
            "finish within 0.2 s (test_timeout); it was waiting at:",
            trace,
        )

    def test_a_socket_left_open_is_closed_and_reported_with_its_test(self):
        # A listening socket of this thread: the kernel accepts, no loop is involved.
        listener = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(listener.close)
        port = listener.getsockname()[1]

        class Test(EventLoopMixin, unittest.TestCase):
            def test_leaves_a_connection(self):
                self.kept = self.run_async(asyncio.open_connection("127.0.0.1", port))

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run_class(Test)
        self.assertEqual(problems(result), [])
        reports = [str(w.message) for w in caught if w.category is LeftoverWarning]
        self.assertEqual(len(reports), 1, [str(w.message) for w in caught])
        lines = reports[0].splitlines()
        self.assertEqual(
            lines[0],
            f"{Test.__qualname__} left 1 socket(s) or client(s) open after its tests and class "
            f"cleanups; they were closed when the class ended:",
        )
        self.assertEqual(
            lines[1],
            f"  socket to 127.0.0.1:{port}, opened during {Test.__module__}.{Test.__qualname__}"
            f".test_leaves_a_connection",
        )


class ResolveLiteralTests(unittest.TestCase):
    """An IP literal is resolved on the loop, without starting the executor's thread (which
    would cost a thread and its join in every class); a name still goes to the executor."""

    def test_literals_inline_names_in_the_executor(self):
        seen = {}

        class Test(AsyncTestCase):
            async def test_it(self):
                loop = asyncio.get_running_loop()
                before = set(threading.enumerate())
                for host in ("127.0.0.1", "::1"):
                    seen[host] = await loop.getaddrinfo(host, 27017, type=socket.SOCK_STREAM)
                seen["threads after literals"] = set(threading.enumerate()) - before
                seen["localhost"] = await loop.getaddrinfo("localhost", 80)
                seen["threads after a name"] = set(threading.enumerate()) - before

        self.assertEqual(problems(run_class(Test)), [])
        for host in ("127.0.0.1", "::1"):
            self.assertEqual(
                seen[host],
                socket.getaddrinfo(
                    host, 27017, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
                ),
            )
        self.assertEqual(seen["threads after literals"], set())
        self.assertTrue(seen["localhost"])
        self.assertEqual(len(seen["threads after a name"]), 1)  # the executor's worker
