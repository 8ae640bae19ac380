"""AsyncTestCase: inner TestCases are run and what happened is asserted, in order."""

import asyncio
import contextvars
import os
import pickle
import sys
import unittest
from unittest import mock

from asynctestkit import AsyncTestCase, EventLoopMixin, LeftoverWarning
from tests._support import last_lines, problems, run_suite

VAR = contextvars.ContextVar("VAR", default="unset")


class MyError(Exception):
    pass


class Events(list):
    def hook(self, name):
        async def record(*args):
            self.append(name)

        return record


def make_lifecycle_class(events, fail_at=None):
    """A class that records every step and raises MyError at ``fail_at``."""

    failed = []

    def step(name):
        events.append(name)
        if name == fail_at and not failed:
            failed.append(name)
            raise MyError(name)

    class Test(AsyncTestCase):
        @classmethod
        def setUpClass(cls):
            step("setUpClass")
            super().setUpClass()

        @classmethod
        async def asyncSetUpClass(cls):
            cls.loop = asyncio.get_running_loop()
            cls.addAsyncClassCleanup(events.hook("classCleanup1"))
            step("asyncSetUpClass")
            cls.addAsyncClassCleanup(events.hook("classCleanup2"))

        @classmethod
        async def asyncTearDownClass(cls):
            step("asyncTearDownClass")

        @classmethod
        def tearDownClass(cls):
            super().tearDownClass()
            step("tearDownClass")

        def setUp(self):
            step("setUp")

        async def asyncSetUp(self):
            assert asyncio.get_running_loop() is self.loop
            self.addAsyncCleanup(events.hook("cleanup"))
            step("asyncSetUp")

        async def test_1(self):
            assert asyncio.get_running_loop() is self.loop
            step("test_1")

        async def test_2(self):
            assert asyncio.get_running_loop() is self.loop
            step("test_2")

        async def asyncTearDown(self):
            step("asyncTearDown")

        def tearDown(self):
            step("tearDown")

    return Test


PER_TEST = ["setUp", "asyncSetUp", "{test}", "asyncTearDown", "tearDown", "cleanup"]


def per_test(name):
    return [step.format(test=name) for step in PER_TEST]


class ClassLifecycleTests(unittest.TestCase):
    maxDiff = None

    def assertLoopClosed(self, cls):
        self.assertTrue(cls.loop.is_closed())

    def test_full_cycle_runs_everything_on_one_loop(self):
        events = Events()
        Test = make_lifecycle_class(events)
        result = run_suite(Test)
        self.assertEqual(problems(result), [])
        self.assertEqual(
            events,
            ["setUpClass", "asyncSetUpClass", *per_test("test_1"), *per_test("test_2")]
            + ["asyncTearDownClass", "tearDownClass", "classCleanup2", "classCleanup1"],
        )
        self.assertLoopClosed(Test)

    def test_failure_in_async_set_up_class_runs_registered_cleanups_and_closes_loop(self):
        events = Events()
        Test = make_lifecycle_class(events, fail_at="asyncSetUpClass")
        result = run_suite(Test)
        self.assertEqual(events, ["setUpClass", "asyncSetUpClass", "classCleanup1"])
        self.assertEqual(len(result.errors), 1)
        self.assertIn("setUpClass", str(result.errors[0][0]))
        self.assertIn("MyError: asyncSetUpClass", result.errors[0][1])
        self.assertLoopClosed(Test)

    def test_failure_in_each_test_step_is_reported_and_next_test_runs(self):
        for step_name in ("setUp", "asyncSetUp", "test_1", "asyncTearDown", "tearDown"):
            with self.subTest(step=step_name):
                events = Events()
                Test = make_lifecycle_class(events, fail_at=step_name)
                result = run_suite(Test)
                self.assertEqual([str(test) for test, _ in result.errors], [str(Test("test_1"))])
                self.assertEqual(last_lines(result), [f"{__name__}.MyError: {step_name}"])
                first = per_test("test_1")
                stop = first.index(step_name) + 1
                if step_name == "setUp":
                    expected_first = ["setUp"]
                elif step_name in ("asyncSetUp",):
                    expected_first = ["setUp", "asyncSetUp", "cleanup"]
                elif step_name == "test_1":
                    expected_first = first
                else:
                    expected_first = first[:stop] + ["cleanup"]
                self.assertEqual(
                    events,
                    ["setUpClass", "asyncSetUpClass", *expected_first, *per_test("test_2")]
                    + ["asyncTearDownClass", "tearDownClass", "classCleanup2", "classCleanup1"],
                )
                self.assertLoopClosed(Test)

    def test_failure_in_async_tear_down_class_still_runs_class_cleanups(self):
        events = Events()
        Test = make_lifecycle_class(events, fail_at="asyncTearDownClass")
        result = run_suite(Test)
        self.assertEqual(events[-3:], ["asyncTearDownClass", "classCleanup2", "classCleanup1"])
        self.assertNotIn("tearDownClass", events)
        self.assertEqual(len(result.errors), 1)
        self.assertIn("tearDownClass", str(result.errors[0][0]))
        self.assertLoopClosed(Test)

    def test_failing_class_cleanup_is_reported_and_loop_still_closes(self):
        events = Events()

        class Test(AsyncTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                cls.loop = asyncio.get_running_loop()
                cls.addAsyncClassCleanup(events.hook("after"))
                cls.addAsyncClassCleanup(self_raising)

            async def test_ok(self):
                events.append("test")

        async def self_raising():
            events.append("raising")
            raise MyError("cleanup")

        result = run_suite(Test)
        self.assertEqual(events, ["test", "raising", "after"])
        self.assertEqual(len(result.errors), 1)
        self.assertIn("MyError: cleanup", result.errors[0][1])
        self.assertTrue(Test.loop.is_closed())

    def test_debug_runs_the_class_on_one_loop(self):
        events = Events()
        Test = make_lifecycle_class(events)
        suite = unittest.TestSuite([Test("test_1"), Test("test_2")])
        suite.debug()
        self.assertEqual(
            events,
            ["setUpClass", "asyncSetUpClass", *per_test("test_1"), *per_test("test_2")]
            + ["asyncTearDownClass", "tearDownClass", "classCleanup2", "classCleanup1"],
        )
        self.assertLoopClosed(Test)

    def test_debug_raises_the_error_of_the_failing_step(self):
        events = Events()
        Test = make_lifecycle_class(events, fail_at="test_1")
        suite = unittest.TestSuite([Test("test_1")])
        with self.assertRaises(MyError):
            suite.debug()
        Test.doClassCleanups()
        self.assertLoopClosed(Test)

    def test_enter_async_class_context_exits_when_class_ends(self):
        events = Events()

        class Resource:
            async def __aenter__(self):
                events.append("enter")
                return "resource"

            async def __aexit__(self, *exc_info):
                events.append("exit")

        class Test(AsyncTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                cls.resource = await cls.enterAsyncClassContext(Resource())

            async def test_uses_it(self):
                events.append(f"test sees {self.resource}")

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(events, ["enter", "test sees resource", "exit"])

    def test_enter_async_class_context_rejects_non_context_managers(self):
        seen = []

        class Test(AsyncTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                try:
                    await cls.enterAsyncClassContext(object())
                except TypeError as exc:
                    seen.append(str(exc))

            async def test_nothing(self):
                pass

        run_suite(Test)
        self.assertEqual(
            seen,
            ["'builtins.object' object does not support the asynchronous context manager protocol"],
        )

    def test_enter_async_class_context_names_the_sync_method_from_314(self):
        # CPython 3.14 points a sync context manager at enterContext(); the class-level
        # method points at its class-level twin.
        seen = []

        class SyncOnly:
            def __enter__(self):
                return self

            def __exit__(self, *exc_info):
                pass

        class Test(AsyncTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                try:
                    await cls.enterAsyncClassContext(SyncOnly())
                except TypeError as exc:
                    seen.append(str(exc))

            async def test_nothing(self):
                pass

        run_suite(Test)
        expected = (
            f"'{__name__}.{SyncOnly.__qualname__}' object does not support the asynchronous "
            "context manager protocol"
        )
        if sys.version_info >= (3, 14):
            expected += (
                " but it supports the context manager protocol. "
                "Did you mean to use enterClassContext()?"
            )
        self.assertEqual(seen, [expected])

    def test_subclass_gets_its_own_loop(self):
        loops = []

        class Base(AsyncTestCase):
            async def test_loop(self):
                loops.append(asyncio.get_running_loop())

        class Child(Base):
            pass

        self.assertEqual(problems(run_suite(Base)), [])
        self.assertEqual(problems(run_suite(Child)), [])
        self.assertEqual(len(loops), 2)
        self.assertIsNot(loops[0], loops[1])

    def test_lone_test_run_gets_a_loop_of_its_own(self):
        seen = []

        class Test(AsyncTestCase):
            async def test_x(self):
                seen.append(asyncio.get_running_loop())

        Test("test_x").run()
        Test("test_x").run()
        self.assertIsNot(seen[0], seen[1])
        self.assertTrue(seen[0].is_closed())
        self.assertTrue(seen[1].is_closed())


class SharedResourceTests(unittest.TestCase):
    def test_server_lock_and_background_task_from_class_set_up_work_in_every_test(self):
        class Test(AsyncTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                async def echo(reader, writer):
                    writer.write(await reader.readline())
                    await writer.drain()
                    writer.close()
                    await writer.wait_closed()

                cls.server = await asyncio.start_server(echo, "127.0.0.1", 0)
                cls.addAsyncClassCleanup(cls.server.wait_closed)
                cls.addClassCleanup(cls.server.close)
                cls.port = cls.server.sockets[0].getsockname()[1]
                cls.lock = asyncio.Lock()
                cls.queue = asyncio.Queue()
                cls.ticks = []

                async def ticker():
                    while True:
                        item = await cls.queue.get()
                        cls.ticks.append(item)

                cls.ticker = asyncio.create_task(ticker(), name="class-ticker")

            async def roundtrip(self, text):
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(text.encode() + b"\n")
                line = await reader.readline()
                writer.close()
                await writer.wait_closed()
                return line.decode().strip()

            async def check(self, n):
                async with self.lock:
                    self.assertEqual(await self.roundtrip(f"hello {n}"), f"hello {n}")
                await self.queue.put(n)
                await self.assertEventually(lambda: n in self.ticks)
                self.assertFalse(self.ticker.done())

            async def test_1(self):
                await self.check(1)

            async def test_2(self):
                await self.check(2)

            async def test_3(self):
                await self.check(3)

        result = run_suite(Test)
        self.assertEqual(problems(result), [])
        self.assertEqual(result.testsRun, 3)
        self.assertEqual(Test.ticks, [1, 2, 3])
        self.assertTrue(Test.ticker.cancelled())


class ContextVarTests(unittest.TestCase):
    def test_class_value_is_seen_by_every_test_and_test_values_do_not_leak(self):
        seen = []

        class Test(AsyncTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                VAR.set("class")

            async def asyncSetUp(self):
                seen.append(("asyncSetUp", VAR.get()))
                VAR.set(f"{self._testMethodName} set-up")

            async def test_a(self):
                seen.append(("test_a", VAR.get()))
                VAR.set("a")

            async def test_b(self):
                seen.append(("test_b", VAR.get()))
                VAR.set("b")

            async def asyncTearDown(self):
                seen.append(("asyncTearDown", VAR.get()))

            @classmethod
            async def asyncTearDownClass(cls):
                seen.append(("asyncTearDownClass", VAR.get()))

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(
            seen,
            [
                ("asyncSetUp", "class"),
                ("test_a", "test_a set-up"),
                ("asyncTearDown", "a"),
                ("asyncSetUp", "class"),
                ("test_b", "test_b set-up"),
                ("asyncTearDown", "b"),
                ("asyncTearDownClass", "class"),
            ],
        )
        self.assertEqual(VAR.get(), "unset")


class PendingTaskTests(unittest.TestCase):
    def make(self, fail):
        state = {}

        class Test(AsyncTestCase):
            fail_on_pending_tasks = fail

            @classmethod
            async def asyncSetUpClass(cls):
                cls.class_task = asyncio.create_task(asyncio.sleep(3600), name="class-level")

            async def test_leaks(self):
                state["leaked"] = asyncio.create_task(asyncio.sleep(3600), name="leaky-sleeper")

            async def test_after(self):
                self.assertFalse(self.class_task.done())

        return Test, state

    def test_leftover_task_is_cancelled_and_warned_about_by_default(self):
        Test, state = self.make(fail=False)
        with self.assertWarns(LeftoverWarning) as caught:
            result = run_suite(Test)
        self.assertEqual(problems(result), [])
        self.assertTrue(state["leaked"].cancelled())
        message = str(caught.warning)
        self.assertIn(f"{Test('test_leaks').id()} left 1 task(s) pending", message)
        self.assertIn("leaky-sleeper", message)
        self.assertIn(f"{__file__}:", message)
        self.assertNotIn("class-level", message)

    def test_leftover_task_fails_the_test_when_asked(self):
        Test, state = self.make(fail=True)
        result = run_suite(Test)
        self.assertEqual(len(result.failures), 1)
        self.assertEqual(str(result.failures[0][0]), str(Test("test_leaks")))
        self.assertIn("leaky-sleeper", result.failures[0][1])
        self.assertTrue(state["leaked"].cancelled())
        self.assertEqual(result.testsRun, 2)


class TimeoutTests(unittest.TestCase):
    def make(self, timeout=0.2):
        events = []

        class Test(AsyncTestCase):
            test_timeout = timeout

            async def test_1_hangs(self):
                events.append("hang")
                await asyncio.sleep(3600)

            async def test_2_next(self):
                events.append("next")

        return Test, events

    def test_a_hanging_test_fails_with_its_name_limit_and_stack_and_the_next_runs(self):
        Test, events = self.make()
        result = run_suite(Test)
        self.assertEqual(events, ["hang", "next"])
        self.assertEqual(len(result.failures), 1)
        test, trace = result.failures[0]
        self.assertEqual(test.id(), Test("test_1_hangs").id())
        self.assertIn(f"{test.id()} did not finish within 0.2 s (test_timeout)", trace)
        self.assertIn("await asyncio.sleep(3600)", trace)
        self.assertIn("in test_1_hangs", trace)

    def test_timeout_from_environment(self):
        Test, events = self.make(timeout=None)
        with mock.patch.dict(os.environ, {"ASYNCTESTKIT_TIMEOUT": "0.1"}):
            result = run_suite(Test)
        self.assertEqual(len(result.failures), 1)
        self.assertIn("did not finish within 0.1 s", result.failures[0][1])

    def test_bad_timeout_from_environment_names_the_variable(self):
        Test, events = self.make(timeout=None)
        with mock.patch.dict(os.environ, {"ASYNCTESTKIT_TIMEOUT": "soon"}):
            result = run_suite(Test)
        self.assertEqual(events, [])
        self.assertIn(
            "ASYNCTESTKIT_TIMEOUT='soon' is not valid: it must be a number of seconds > 0. "
            "Fix or unset the environment variable.",
            result.errors[0][1],
        )


class SettingsTests(unittest.TestCase):
    def error_for(self, **attrs):
        Test = type("Test", (AsyncTestCase,), {"test_x": lambda self: None, **attrs})
        result = run_suite(Test)
        self.assertEqual(len(result.errors), 1)
        return result.errors[0][1].strip().splitlines()[-1]

    def test_bad_values_name_the_class_value_and_choices(self):
        self.assertEqual(
            self.error_for(test_timeout=-1),
            "ValueError: Test.test_timeout = -1 is not valid: it must be a number of seconds "
            "> 0, or None for no limit. Fix the class attribute.",
        )
        self.assertEqual(
            self.error_for(fail_on_pending_tasks="yes"),
            "ValueError: Test.fail_on_pending_tasks = 'yes' is not valid: it must be one of "
            "True, False. Fix the class attribute.",
        )
        self.assertEqual(
            self.error_for(virtual_clock=None),
            "TypeError: Test.virtual_clock = None is not valid: it must be one of True, False. "
            "Fix the class attribute.",
        )
        self.assertEqual(
            self.error_for(loop_factory="uvloop"),
            "ValueError: Test.loop_factory = 'uvloop' is not valid: it must be None or a "
            "callable returning an event loop. Fix the class attribute "
            "(e.g. loop_factory = uvloop.new_event_loop).",
        )


class LoopFactoryTests(unittest.TestCase):
    def test_loop_factory_is_used_on_every_python(self):
        made = []

        def factory():
            loop = asyncio.new_event_loop()
            made.append(loop)
            return loop

        class Test(AsyncTestCase):
            loop_factory = factory  # a plain function: must not be bound to the test

            async def test_1(self):
                made.append(asyncio.get_running_loop())

            async def test_2(self):
                made.append(asyncio.get_running_loop())

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(len(made), 3)
        self.assertIs(made[0], made[1])
        self.assertIs(made[0], made[2])
        self.assertTrue(made[0].get_debug())
        self.assertTrue(made[0].is_closed())


class AssertEventuallyTests(unittest.TestCase):
    def run_test(self, body):
        class Test(AsyncTestCase):
            async def test_it(self):
                await body(self)

        return run_suite(Test)

    def test_returns_the_truthy_value_of_sync_and_async_predicates(self):
        seen = []

        async def body(test):
            calls = []

            def sync_predicate():
                calls.append(1)
                return len(calls) >= 3 and "ready"

            async def async_predicate():
                await asyncio.sleep(0)
                return {"id": 1}

            seen.append(await test.assertEventually(sync_predicate, interval=0.01))
            seen.append(await test.assertEventually(async_predicate))
            seen.append(await test.assertEventually(lambda: async_predicate()))
            seen.append(len(calls))

        self.assertEqual(problems(self.run_test(body)), [])
        self.assertEqual(seen, ["ready", {"id": 1}, {"id": 1}, 3])

    def test_timeout_shows_the_last_value(self):
        async def body(test):
            await test.assertEventually(lambda: [], timeout=0.1, interval=0.02)

        [(test, trace)] = self.run_test(body).failures
        self.assertRegex(
            trace,
            r"AssertionError: condition .*<lambda> was not met within 0.1 s "
            r"\(\d+ attempts\); last value: \[\]",
        )

    def test_timeout_shows_the_last_exception_and_msg(self):
        async def body(test):
            def predicate():
                raise KeyError("order o1")

            await test.assertEventually(predicate, timeout=0.05, interval=0.01, msg="no order")

        [(test, trace)] = self.run_test(body).failures
        self.assertIn("last exception: KeyError('order o1')", trace)
        self.assertIn('raise KeyError("order o1")', trace)
        self.assertIn(" : no order", trace)


class VirtualClockTests(unittest.TestCase):
    def test_advance_runs_what_became_due_without_waiting(self):
        events = []

        class Test(AsyncTestCase):
            virtual_clock = True
            test_timeout = 5

            async def test_sleepers(self):
                loop = asyncio.get_running_loop()
                start = loop.time()

                async def sleeper(delay):
                    await asyncio.sleep(delay)
                    events.append((delay, loop.time() - start))

                tasks = [asyncio.create_task(sleeper(d)) for d in (3600, 10, 5)]
                loop.call_later(7, events.append, "callback")
                await self.advance(6)
                self.assertEqual(events, [(5, 5)])
                await self.advance(3594)
                await asyncio.gather(*tasks)
                self.assertEqual(events, [(5, 5), "callback", (10, 10), (3600, 3600)])
                self.assertEqual(loop.time() - start, 3600)

            async def test_eventually_advances_the_clock(self):
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 30
                value = await self.assertEventually(
                    lambda: loop.time() >= deadline and "late", timeout=60, interval=1
                )
                self.assertEqual(value, "late")

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(len(events), 4)

    def test_advance_without_virtual_clock_says_how_to_enable_it(self):
        class Test(AsyncTestCase):
            async def test_it(self):
                await self.advance(1)

        [(test, trace)] = run_suite(Test).errors
        self.assertIn("advance() needs the virtual clock: set virtual_clock = True on", trace)


class BaseExceptionTests(unittest.TestCase):
    def test_keyboard_interrupt_propagates_and_the_loop_is_released(self):
        class Test(AsyncTestCase):
            async def test_interrupt(self):
                type(self).loop = asyncio.get_running_loop()
                raise KeyboardInterrupt

        suite = unittest.TestSuite([Test("test_interrupt")])
        with self.assertRaises(KeyboardInterrupt):
            suite.run(unittest.TestResult())
        Test.doClassCleanups()
        self.assertTrue(Test.loop.is_closed())


class PickleTests(unittest.TestCase):
    def test_test_case_pickles_before_and_after_running(self):
        # unittest-parallel sends TestCase instances to worker processes.
        test = PicklableCase("check")
        self.assertEqual(pickle.loads(pickle.dumps(test)).id(), test.id())
        result = run_suite(test)
        self.assertEqual((problems(result), result.testsRun), ([], 1))
        copy = pickle.loads(pickle.dumps(test))
        self.assertEqual((copy.id(), copy.ran_on_a_running_loop), (test.id(), True))


class PicklableCase(AsyncTestCase):
    """Module level, so pickle finds it by name; its method is not named ``test*``, so no
    runner collects it on its own."""

    async def check(self):
        self.ran_on_a_running_loop = asyncio.get_running_loop().is_running()


class EventLoopMixinTests(unittest.TestCase):
    def test_run_async_uses_one_loop_per_class(self):
        loops = []

        class Test(EventLoopMixin, unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                super().setUpClass()
                cls.lock = cls.run_async(make_lock())

            def test_1(self):
                loops.append(self.run_async(current_loop()))
                self.assertEqual(self.run_async(use_lock(self.lock)), "locked")

            def test_2(self):
                loops.append(self.run_async(current_loop()))
                self.assertEqual(self.run_async(use_lock(self.lock)), "locked")

        result = run_suite(Test)
        self.assertEqual(problems(result), [])
        self.assertIs(loops[0], loops[1])
        self.assertTrue(loops[0].is_closed())

    def test_run_async_works_in_a_lone_test(self):
        loops = []

        class Test(EventLoopMixin, unittest.TestCase):
            def test_1(self):
                loops.append(self.run_async(current_loop()))

        result = Test("test_1").run()
        self.assertEqual(problems(result), [])
        self.assertTrue(loops[0].is_closed())


async def make_lock():
    return asyncio.Lock()


async def current_loop():
    return asyncio.get_running_loop()


async def use_lock(lock):
    async with lock:
        return "locked"


class ClassSetUpRequiredTests(unittest.TestCase):
    def test_lone_test_of_a_class_with_async_set_up_class_says_how_to_run_it(self):
        class Test(AsyncTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                cls.ready = True

            async def test_x(self):
                self.assertTrue(self.ready)

        result = Test("test_x").run()
        [(_, trace)] = result.errors
        test_id = Test("test_x").id()
        self.assertIn(
            f"RuntimeError: {test_id} ran without its class set-up, which Test needs (it "
            f"defines asyncSetUpClass). Run it through its class (python -m unittest "
            f"{test_id}, pytest, or a TestSuite), and if Test overrides setUpClass, call "
            f"super().setUpClass() first.",
            trace,
        )

    def test_set_up_class_without_super_is_named(self):
        class Test(AsyncTestCase):
            @classmethod
            def setUpClass(cls):
                pass  # forgot super().setUpClass()

            @classmethod
            async def asyncSetUpClass(cls):
                cls.ready = True

            async def test_x(self):
                pass

        [(_, trace)] = run_suite(Test).errors
        self.assertIn("call super().setUpClass() first", trace)

    def test_mixin_listed_after_async_test_case_is_refused_at_definition(self):
        class Mixin:
            @classmethod
            async def _asynctestkitSetUpClass(cls):
                await super()._asynctestkitSetUpClass()

        with self.assertRaises(TypeError) as caught:

            class Test(AsyncTestCase, Mixin):
                pass

        self.assertEqual(
            str(caught.exception),
            "Test lists Mixin after AsyncTestCase in its bases, so Mixin's set-up would never "
            "run. List the mixins first: class Test(Mixin, ..., AsyncTestCase).",
        )

        class Fine(Mixin, AsyncTestCase):
            async def test_x(self):
                pass

        self.assertEqual(problems(run_suite(Fine)), [])

    def test_infinite_timeout_is_refused(self):
        class Test(AsyncTestCase):
            test_timeout = float("inf")

            async def test_x(self):
                pass

        [(_, trace)] = run_suite(Test).errors
        self.assertIn("Test.test_timeout = inf is not valid", trace)
        with mock.patch.dict(os.environ, {"ASYNCTESTKIT_TIMEOUT": "inf"}):
            Test.test_timeout = None
            [(_, trace)] = run_suite(Test).errors
        self.assertIn("ASYNCTESTKIT_TIMEOUT='inf' is not valid", trace)
