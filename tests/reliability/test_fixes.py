"""The bugs the stress and fault runs found, each pinned by a test that failed before its fix."""

import asyncio
import gc
import unittest
import warnings
import weakref

from asynctestkit import AsyncTestCase, LeftoverWarning
from asynctestkit.mongo import shared_server_uri
from tests._support import run_python
from tests.reliability._support import fixture_id, outcomes, run_suite, tid


class ClassTasksDuringTestsTests(unittest.TestCase):
    """Found by the stress suite: PyMongo's monitor (a class-level client) starts short-lived
    tasks at any time; one in flight when a test ended was blamed on that test and
    cancelled, which broke the client's next heartbeat."""

    def test_tasks_a_class_level_object_starts_during_a_test_are_left_alone(self):
        state = {}

        class Test(AsyncTestCase):
            fail_on_pending_tasks = True

            @classmethod
            async def asyncSetUpClass(cls):
                cls.wake = asyncio.Event()
                cls.release = asyncio.Event()
                cls.monitor = asyncio.create_task(cls.watch(), name="monitor")

            @classmethod
            async def watch(cls):
                await cls.wake.wait()
                # Like PyMongo's _poll_cancellation: a helper task of the class's monitor.
                state["helper"] = asyncio.create_task(cls.release.wait(), name="monitor-helper")
                await state["helper"]

            async def test_1_ends_while_the_monitor_works(self):
                self.wake.set()
                while "helper" not in state:
                    await asyncio.sleep(0)

            async def test_2_monitor_helper_still_running(self):
                self.assertFalse(state["helper"].done())
                self.release.set()
                await self.monitor

            async def test_3_own_task_is_still_reported(self):
                state["own"] = asyncio.create_task(asyncio.sleep(3600), name="own-sleeper")

        result = run_suite(Test)
        self.assertEqual(
            outcomes(result), {tid(Test, "test_3_own_task_is_still_reported"): "failure"}
        )
        self.assertIn("own-sleeper", result.failures[0][1])
        self.assertNotIn("monitor", result.failures[0][1])
        self.assertTrue(state["own"].cancelled())

    def test_a_task_started_by_a_task_of_the_test_is_the_test_s(self):
        class Test(AsyncTestCase):
            fail_on_pending_tasks = True

            async def test_spawns(self):
                async def spawner():
                    asyncio.create_task(asyncio.sleep(3600), name="grandchild")

                await asyncio.create_task(spawner())

        result = run_suite(Test)
        self.assertEqual(outcomes(result), {tid(Test, "test_spawns"): "failure"})
        self.assertIn("grandchild", result.failures[0][1])


class KeyboardInterruptTests(unittest.TestCase):
    """Found by the fault runs: KeyboardInterrupt skipped every cleanup of the class."""

    def test_interrupt_in_async_set_up_class_runs_the_class_cleanups(self):
        events = []

        class Test(AsyncTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                cls.addAsyncClassCleanup(cls.release)
                raise KeyboardInterrupt

            @classmethod
            async def release(cls):
                events.append("released")

            async def test_x(self):
                events.append("test ran")

        with self.assertRaises(KeyboardInterrupt):
            run_suite(Test)
        self.assertEqual(events, ["released"])
        self.assertNotIn("_asynctestkitClassRunner", vars(Test))

    def test_interrupt_in_a_test_runs_its_cleanups_then_the_class_tear_down(self):
        events = []

        class Test(AsyncTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                cls.addAsyncClassCleanup(events.append, "class cleanup")

            @classmethod
            async def asyncTearDownClass(cls):
                events.append("asyncTearDownClass")

            async def test_x(self):
                self.addAsyncCleanup(events.append, "test cleanup")
                raise KeyboardInterrupt

        with self.assertRaises(KeyboardInterrupt) as caught:
            run_suite(Test)
        self.assertEqual(events, ["test cleanup", "asyncTearDownClass", "class cleanup"])
        self.assertIn(f"interrupted in {tid(Test, 'test_x')}", caught.exception.__notes__[0])
        # Tearing down again (pytest does, after an interrupt) is harmless.
        Test.tearDownClass()
        Test.doClassCleanups()
        self.assertEqual(len(events), 3)


def peer():
    """A server on another thread's loop (the embedded MongoDB) to open sockets to."""
    address = shared_server_uri().split("//", 1)[1].split("/", 1)[0]
    host, port = address.rsplit(":", 1)
    return host, int(port)


class LeftOpenTests(unittest.TestCase):
    """Found by the fault runs: a socket a test left open was closed by the garbage
    collector at a random later point, failing whichever test ran then (-W error)."""

    def test_sockets_left_open_are_closed_and_reported_at_class_end(self):
        host, port = peer()

        class Test(AsyncTestCase):
            kept = []

            async def test_1_leaves_a_connection(self):
                _, writer = await asyncio.open_connection(host, port)
                self.kept.append(writer)  # referenced, so nothing closes it by accident

            async def test_2_closes_its_own(self):
                _, writer = await asyncio.open_connection(host, port)
                writer.close()
                await writer.wait_closed()

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", LeftoverWarning)
            result = run_suite(Test)
        self.assertEqual(outcomes(result), {})
        ours = [str(w.message) for w in caught if "left 1 socket" in str(w.message)]
        self.assertEqual(len(ours), 1, [str(w.message) for w in caught])
        self.assertEqual(
            ours[0].splitlines(),
            [
                f"{Test.__qualname__} left 1 socket(s) or client(s) open after its tests and "
                f"class cleanups; they were closed when the class ended:",
                f"  socket to {host}:{port}, opened during "
                f"{tid(Test, 'test_1_leaves_a_connection')}",
                "Close clients and connections in the test that opens them (or an async cleanup).",
            ],
        )
        self.assertOnlyDuring(result, tid(Test, "test_1_leaves_a_connection"))

    def assertOnlyDuring(self, result, test):
        # Python >= 3.11.5 warns about the test's unclosed StreamWriter when the test's
        # frame lets go of it: during that test, which is where it belongs.
        self.assertEqual({during for during, _ in result.unraisable} - {test}, set())

    def test_fail_on_pending_tasks_makes_it_a_class_error(self):
        host, port = peer()

        class Test(AsyncTestCase):
            fail_on_pending_tasks = True
            kept = []

            async def test_leaves_a_connection(self):
                self.kept.append(await asyncio.open_connection(host, port))

        result = run_suite(Test)
        self.assertEqual(outcomes(result), {fixture_id("tearDownClass", Test): "error"})
        self.assertOnlyDuring(result, tid(Test, "test_leaves_a_connection"))


class _Cycle:
    def __init__(self):
        self.cycle = self


class _Unclosed:
    """A client that is never closed and lives only in a reference cycle."""

    def __init__(self, name):
        self.name = name
        self.cycle = self

    def __del__(self):
        warnings.warn(f"unclosed client {self.name}", ResourceWarning, stacklevel=1)


class UnclosedInCyclesTests(unittest.TestCase):
    """The class-end check collects only what was made while the class ran (the heap before
    it is frozen): what a class leaves in a cycle is still reported by that class, and the
    heap is given back unfrozen."""

    def run_without_automatic_gc(self, *tests):
        # An automatic collection could find the cycle first, between two tests.
        enabled = gc.isenabled()
        gc.disable()
        # Garbage made before the run: frozen with the heap while the class runs, so the
        # collection after it finds it only if the heap was given back unfrozen.
        before = _Cycle()
        collected = weakref.ref(before)
        del before
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", LeftoverWarning)
                result = run_suite(*tests)
        finally:
            if enabled:
                gc.enable()
        gc.collect()
        self.assertIsNone(collected(), "the heap was left frozen")
        return result, [str(w.message) for w in caught if w.category is LeftoverWarning]

    def test_a_client_left_in_a_cycle_is_reported_by_its_class(self):
        class Test(AsyncTestCase):
            async def test_leaves_a_client(self):
                _Unclosed("one")

        result, reports = self.run_without_automatic_gc(Test)
        self.assertEqual(outcomes(result), {})
        self.assertEqual(
            reports,
            [
                f"{Test.__qualname__} left 1 socket(s) or client(s) open after its tests and "
                f"class cleanups; they were closed when the class ended:\n"
                f"  unclosed client one\n"
                "Close clients and connections in the test that opens them (or an async "
                "cleanup)."
            ],
        )

    def test_each_class_reports_its_own(self):
        class First(AsyncTestCase):
            async def test_leaves_a_client(self):
                _Unclosed("first")

        class Second(AsyncTestCase):
            async def test_leaves_a_client(self):
                _Unclosed("second")

        _, reports = self.run_without_automatic_gc(First, Second)
        self.assertEqual(
            [(report.split(" ", 1)[0], report.splitlines()[1]) for report in reports],
            [
                (First.__qualname__, "  unclosed client first"),
                (Second.__qualname__, "  unclosed client second"),
            ],
        )

    def test_a_class_run_inside_a_test_leaves_the_outer_check_whole(self):
        inner_reports = []

        class Inner(AsyncTestCase):
            async def test_leaves_a_client(self):
                _Unclosed("inner")

        class Outer(AsyncTestCase):
            def test_runs_a_class(self):  # sync: the inner class runs its own loop
                _Unclosed("outer")
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", LeftoverWarning)
                    unittest.TestSuite([Inner("test_leaves_a_client")]).run(unittest.TestResult())
                inner_reports.extend(str(w.message) for w in caught)

        _, reports = self.run_without_automatic_gc(Outer)
        # As a full collection would: the inner class's check also finds what the outer
        # test dropped before it (everything made since the outermost loop opened).
        self.assertEqual(len(inner_reports), 1, inner_reports)
        self.assertEqual(
            sorted(inner_reports[0].splitlines()[1:3]),
            ["  unclosed client inner", "  unclosed client outer"],
        )
        self.assertEqual(reports, [])


FIRST_CLASS_SCRIPT = """
import gc, sys, unittest, warnings
from asynctestkit import AwsTestCase, LeftoverWarning

class Unclosed:
    def __init__(self, name):
        self.name = name
        self.cycle = self
    def __del__(self):
        warnings.warn(f"unclosed client {self.name}", ResourceWarning, stacklevel=1)

class First(AwsTestCase):
    @classmethod
    async def asyncSetUpClass(cls):
        Unclosed("from asyncSetUpClass")

    async def test_leaves_a_client(self):
        Unclosed("from the test")

assert "moto" not in sys.modules
gc.disable()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", LeftoverWarning)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(First)
    result = unittest.TextTestRunner(verbosity=0).run(suite)
assert "moto" in sys.modules, "the class set-up imported nothing: this test proves nothing"
print("ok" if result.wasSuccessful() else "failed")
print("frozen", gc.get_freeze_count())
for w in caught:
    if w.category is LeftoverWarning:
        print(*sorted(str(w.message).splitlines()[1:3]), sep="\\n")
"""


class FirstClassInAProcessTests(unittest.TestCase):
    """The first class of a process imports aiobotocore and moto during its own set-up; what
    those imports make is left out of its class-end collection, what the user's code made
    is not."""

    def test_its_leaks_are_still_reported(self):
        done = run_python("-c", FIRST_CLASS_SCRIPT, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(
            done.stdout.splitlines(),
            [
                "ok",
                "frozen 0",
                "  unclosed client from asyncSetUpClass",
                "  unclosed client from the test",
            ],
            done.stderr,
        )
