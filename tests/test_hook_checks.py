"""Hooks written the wrong way are refused when the class is defined, naming the fix."""

import functools
import unittest

from asynctestkit import AsyncTestCase, EventLoopMixin, MongoTestCase
from tests._support import problems, run_suite


def define(*bases, **namespace):
    """Define a class named T from a namespace; return the TypeError's message, or None."""
    try:
        type("T", bases, namespace)
    except TypeError as exc:
        return str(exc)
    return None


async def async_hook(self_or_cls):
    pass


def sync_hook(self_or_cls):
    pass


class NotAClassmethodTests(unittest.TestCase):
    def test_async_class_hooks_without_classmethod(self):
        for base, name in (
            (AsyncTestCase, "asyncSetUpClass"),
            (AsyncTestCase, "asyncTearDownClass"),
            (MongoTestCase, "asyncSetUpTestData"),
        ):
            with self.subTest(name=name):
                self.assertEqual(
                    define(base, **{name: async_hook}),
                    f"T.{name} must be a classmethod: unittest calls it on the class, not on "
                    f"a test. Put @classmethod on the line above 'async def {name}(cls):'.",
                )

    def test_sync_class_hooks_without_classmethod(self):
        for base in (AsyncTestCase, EventLoopMixin):
            for name in ("setUpClass", "tearDownClass"):
                with self.subTest(base=base.__name__, name=name):
                    self.assertEqual(
                        define(base, **{name: sync_hook}),
                        f"T.{name} must be a classmethod: unittest calls it on the class, not "
                        f"on a test. Put @classmethod on the line above 'def {name}(cls):'.",
                    )

    def test_staticmethod_is_not_a_classmethod(self):
        message = define(AsyncTestCase, asyncSetUpClass=staticmethod(async_hook))
        self.assertIn("T.asyncSetUpClass must be a classmethod", message)


class NotAsyncTests(unittest.TestCase):
    def test_async_hooks_written_without_async(self):
        for base, name, value, first in (
            (AsyncTestCase, "asyncSetUp", sync_hook, "self"),
            (AsyncTestCase, "asyncTearDown", sync_hook, "self"),
            (AsyncTestCase, "asyncSetUpClass", classmethod(sync_hook), "cls"),
            (AsyncTestCase, "asyncTearDownClass", classmethod(sync_hook), "cls"),
            (MongoTestCase, "asyncSetUpTestData", classmethod(sync_hook), "cls"),
        ):
            with self.subTest(name=name):
                self.assertEqual(
                    define(base, **{name: value}),
                    f"T.{name} must be a coroutine function: asynctestkit awaits it on the "
                    f"class loop. Write it as 'async def {name}({first}):'.",
                )

    def test_a_decorated_coroutine_function_is_accepted(self):
        def decorator(func):
            @functools.wraps(func)
            def wrapper(*args):
                return func(*args)

            return wrapper

        self.assertIsNone(define(AsyncTestCase, asyncSetUp=decorator(async_hook)))


class NotSyncTests(unittest.TestCase):
    def test_async_set_up_class_never_runs_so_it_is_refused(self):
        for name, fix in (
            ("setUpClass", "move the async work to asyncSetUpClass"),
            ("tearDownClass", "move the async work to asyncTearDownClass"),
        ):
            with self.subTest(name=name):
                self.assertEqual(
                    define(AsyncTestCase, **{name: classmethod(async_hook)}),
                    f"T.{name} is a coroutine function, but unittest calls it without "
                    f"awaiting it, so its body would never run. Make it a plain "
                    f"'def {name}(cls):' and {fix}.",
                )

    def test_event_loop_mixin_sync_hooks_written_async(self):
        for name, value, first in (
            ("setUp", async_hook, "self"),
            ("tearDown", async_hook, "self"),
            ("setUpClass", classmethod(async_hook), "cls"),
        ):
            with self.subTest(name=name):
                self.assertEqual(
                    define(EventLoopMixin, unittest.TestCase, **{name: value}),
                    f"T.{name} is a coroutine function, but unittest calls it without "
                    f"awaiting it, so its body would never run. Make it a plain "
                    f"'def {name}({first}):' and run coroutines in it with "
                    f"{first}.run_async(...).",
                )

    def test_async_set_up_still_runs_on_async_test_case(self):
        # Documented for asynctest users: AsyncTestCase awaits an async setUp.
        events = []

        class Test(AsyncTestCase):
            async def setUp(self):
                events.append("setUp")

            async def test_x(self):
                events.append("test")

        self.assertEqual(problems(run_suite(Test)), [])
        self.assertEqual(events, ["setUp", "test"])


class InheritedHookTests(unittest.TestCase):
    def test_a_mixin_s_hook_is_checked_and_named(self):
        class Mixin:
            def asyncSetUp(self):
                pass

        message = define(Mixin, AsyncTestCase)
        self.assertEqual(
            message,
            f"{Mixin.__qualname__}.asyncSetUp must be a coroutine function: asynctestkit "
            f"awaits it on the class loop. Write it as 'async def asyncSetUp(self):'.",
        )

    def test_correct_hooks_are_accepted(self):
        class Test(MongoTestCase):
            @classmethod
            def setUpClass(cls):
                super().setUpClass()

            @classmethod
            async def asyncSetUpClass(cls):
                pass

            @classmethod
            async def asyncSetUpTestData(cls):
                pass

            async def asyncSetUp(self):
                pass

            def tearDown(self):
                pass

        self.assertTrue(issubclass(Test, MongoTestCase))
