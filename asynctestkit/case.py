"""AsyncTestCase: IsolatedAsyncioTestCase with one event loop per class.

CPython's ``IsolatedAsyncioTestCase`` makes a loop per test, so an async client created
once per class (PyMongo's ``AsyncMongoClient``, Beanie, aiohttp sessions) breaks in the
second test. Here the loop belongs to the class: it is created in ``setUpClass``,
``asyncSetUpClass`` runs on it, every test and its set-up, tear-down and cleanups run on
it, and it is closed by a class cleanup registered the moment it exists.

This module overrides the private ``_call*`` methods that ``unittest.TestCase.run``
calls (the same on 3.11 to 3.15); it does not rely on the loop machinery of
``IsolatedAsyncioTestCase`` (``asyncio.Runner`` and a per-test ``contextvars.Context``,
``loop_factory`` from 3.13), nor on asyncio's event loop policies, deprecated in 3.14:
loops come from ``loop_factory`` or ``asyncio.new_event_loop()``. Two messages follow
CPython's text per version: from 3.14 the return-value warning ends with
``returned 'int'``, and the ``enterAsyncContext`` TypeError for a sync context manager
adds "Did you mean to use enterContext()?".

A test that a runner runs outside any suite (``unittest-parallel --level test``) is told
apart by the ``_testRunEntered`` mark that ``unittest.TestSuite.run`` puts on its result
(the same on 3.11 to 3.15); it then runs in a suite of one, so its class set-up runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import os
import sys
import threading
import time
import traceback
import unittest
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from asynctestkit._binding import class_or_instance
from asynctestkit._hooks import Hook, check_hooks, hooks_of
from asynctestkit._lazy import deprecated_aliases
from asynctestkit._loop import LoopFactory, LoopRunner, Scope, task_origin

__all__ = ["AsyncTestCase", "EventLoopMixin", "LeftoverWarning"]

_T = TypeVar("_T")

_BAD_SETTING = (
    "{cls}.{name} = {value!r} is not valid: it must be {expected}. Fix the class attribute{hint}."
)
_PENDING_TASKS = (
    "{test} left {count} task(s) pending; they were cancelled when it ended:\n{tasks}\n"
    "Await or cancel them in the test (or an async cleanup)."
)
_NOT_MET = "{what} was not met within {timeout:g} s ({attempts} attempts); last {last}"
_NO_CLASS_LOOP = (
    "{cls} has no open class event loop: {what} must be called while the class runs "
    "(from asyncSetUpClass or a test), after AsyncTestCase.setUpClass has run; if you "
    "override setUpClass, call super().setUpClass() first."
)
_INTERRUPTED = (
    "asynctestkit: interrupted in {test}; its cleanups, its class's tear-down and class "
    "cleanups ran before the interrupt went on."
)
_NEEDS_CLASS_SET_UP = (
    "{test} ran without its class set-up, which {cls} needs ({why}). Run it through its "
    "class (python -m unittest {test}, pytest, or a TestSuite), and if {cls} overrides "
    "setUpClass, call super().setUpClass() first."
)
_MIXIN_ORDER = (
    "{cls} lists {mixin} after AsyncTestCase in its bases, so {mixin}'s set-up would never "
    "run. List the mixins first: class {cls}({mixin}, ..., AsyncTestCase)."
)
_NO_CLOCK = "advance() needs the virtual clock: set virtual_clock = True on {cls}."
_LEFT_OPEN = (
    "{cls} left {count} socket(s) or client(s) open after its tests and class cleanups; "
    "they were closed when the class ended:\n{items}\n"
    "Close clients and connections in the test that opens them (or an async cleanup)."
)

# The templates' old public names still import, with a DeprecationWarning (hidden from
# type checkers, which then flag the old names).
_OLD_NAMES = (
    "BAD_SETTING",
    "PENDING_TASKS",
    "NOT_MET",
    "NO_CLASS_LOOP",
    "INTERRUPTED",
    "NEEDS_CLASS_SET_UP",
    "MIXIN_ORDER",
    "NO_CLOCK",
    "LEFT_OPEN",
)
if not TYPE_CHECKING:
    __getattr__ = deprecated_aliases(globals(), _OLD_NAMES)

_BAD_ENV = (
    "{env}={value!r} is not valid: it must be {expected}. Fix or unset the environment variable."
)

_TIMEOUT_ENV = "ASYNCTESTKIT_TIMEOUT"
_DEBUG_ENV = "ASYNCTESTKIT_ASYNCIO_DEBUG"
_DEBUG_WORDS = {"1": True, "true": True, "on": True, "0": False, "false": False, "off": False}
_PY314 = sys.version_info >= (3, 14)
_MISSING = object()
# The cooperative hooks mixins extend; each must come before AsyncTestCase in the MRO.
_HOOKS = ("_asynctestkitSetUpClass", "_asynctestkitAfterSetUpClass", "_asynctestkitSetUp")
# The user's hooks, checked when a class is defined. An async setUp/tearDown is awaited
# here (asynctest allowed it), so only the class-level sync hooks must stay sync.
_USER_HOOKS = (
    Hook("setUpClass", True, False, "move the async work to asyncSetUpClass"),
    Hook("tearDownClass", True, False, "move the async work to asyncTearDownClass"),
    Hook("asyncSetUpClass", True, True),
    Hook("asyncTearDownClass", True, True),
    Hook("asyncSetUp", False, True),
    Hook("asyncTearDown", False, True),
)
_MIXIN_USER_HOOKS = (
    Hook("setUpClass", True, False, "run coroutines in it with cls.run_async(...)"),
    Hook("tearDownClass", True, False, "run coroutines in it with cls.run_async(...)"),
    Hook("setUp", False, False, "run coroutines in it with self.run_async(...)"),
    Hook("tearDown", False, False, "run coroutines in it with self.run_async(...)"),
)


class LeftoverWarning(RuntimeWarning):
    """A test left tasks pending, or a class left sockets or clients open.

    A RuntimeWarning, so it is shown by default (a ResourceWarning is not); make it an
    error with ``-W error::asynctestkit.LeftoverWarning`` or ``fail_on_pending_tasks``.
    """


def _valid_seconds(value: Any) -> bool:
    # inf (or more than a thread timer can wait) would silently disable the watchdog.
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and 0 < value <= threading.TIMEOUT_MAX
    )


def _setting_error(cls: type, name: str, value: Any, expected: str, hint: str = "") -> Exception:
    message = _BAD_SETTING.format(
        cls=cls.__qualname__, name=name, value=value, expected=expected, hint=hint
    )
    return TypeError(message) if not isinstance(value, (int, float, str)) else ValueError(message)


def _resolve_timeout(cls: type) -> float | None:
    value: Any = cls.test_timeout  # type: ignore[attr-defined]
    if value is None:
        raw = os.environ.get(_TIMEOUT_ENV, "").strip()
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = raw
        if not _valid_seconds(value):
            raise ValueError(
                _BAD_ENV.format(env=_TIMEOUT_ENV, value=raw, expected="a number of seconds > 0")
            )
        return float(value)
    if not _valid_seconds(value):
        raise _setting_error(
            cls, "test_timeout", value, "a number of seconds > 0, or None for no limit"
        )
    return float(value)


def _resolve_debug(cls: type) -> bool:
    """asyncio debug mode for the class loop: the class, else the environment, else off.

    Off by default: debug mode records a traceback for every task, future and callback,
    which costs 30-50 % of a driver-heavy class (docs/performance.md). Tox and CI turn it
    on with PYTHONASYNCIODEBUG=1 or -X dev, as asyncio itself reads them.
    """
    value: Any = cls.asyncio_debug  # type: ignore[attr-defined]
    if value is not None:
        if not isinstance(value, bool):
            raise _setting_error(
                cls,
                "asyncio_debug",
                value,
                f"one of True, False, None (None: {_DEBUG_ENV}, else PYTHONASYNCIODEBUG, "
                f"else -X dev)",
            )
        return value
    raw = os.environ.get(_DEBUG_ENV, "").strip()
    if raw:
        if raw.lower() not in _DEBUG_WORDS:
            expected = "one of " + ", ".join(_DEBUG_WORDS)
            raise ValueError(_BAD_ENV.format(env=_DEBUG_ENV, value=raw, expected=expected))
        return _DEBUG_WORDS[raw.lower()]
    raw = "" if sys.flags.ignore_environment else os.environ.get("PYTHONASYNCIODEBUG", "")
    if raw.strip():
        # asyncio reads any value as on; "0", "false" and "off" mean what they say here.
        return _DEBUG_WORDS.get(raw.strip().lower(), True)
    return bool(sys.flags.dev_mode)


def _check_settings(cls: type) -> float | None:
    """Validate the class attributes; return the test timeout in force."""
    for name in ("fail_on_pending_tasks", "virtual_clock"):
        value = getattr(cls, name, False)  # EventLoopMixin has no virtual clock
        if not isinstance(value, bool):
            raise _setting_error(cls, name, value, "one of True, False")
    _resolve_debug(cls)
    factory = cls.loop_factory  # type: ignore[attr-defined]
    if factory is not None and not callable(factory):
        raise _setting_error(
            cls,
            "loop_factory",
            factory,
            "None or a callable returning an event loop",
            hint=" (e.g. loop_factory = uvloop.new_event_loop)",
        )
    return _resolve_timeout(cls)


def _class_set_up_needed(cls: Any) -> str:
    """Why ``cls`` cannot run a test without its class set-up ('' when it can)."""
    base: Any = AsyncTestCase
    if cls.asyncSetUpClass.__func__ is not base.asyncSetUpClass.__func__:
        return "it defines asyncSetUpClass"
    for hook in _HOOKS[:2]:
        if getattr(cls, hook).__func__ is not getattr(base, hook).__func__:
            owner = next(base for base in cls.__mro__ if hook in vars(base))
            return f"{owner.__name__} sets it up"
    return ""


def _loop_factory(cls: Any) -> LoopFactory | None:
    # Read from the class: a plain function stored on it must not become a bound method.
    return cast("LoopFactory | None", cls.loop_factory)


async def _await(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


async def _enter_async_context(cm: Any, register: Callable[..., None], sync_name: str) -> Any:
    # Look the special methods up on the type, as the ``async with`` statement does.
    cm_type = type(cm)
    try:
        enter = cm_type.__aenter__
        exit_ = cm_type.__aexit__
    except AttributeError:
        message = (
            f"'{cm_type.__module__}.{cm_type.__qualname__}' object does not support "
            f"the asynchronous context manager protocol"
        )
        # 3.14 points a sync context manager at enterContext(); 3.11 to 3.13 do not.
        if _PY314 and hasattr(cm_type, "__enter__") and hasattr(cm_type, "__exit__"):
            message += (
                f" but it supports the context manager protocol. Did you mean to use {sync_name}()?"
            )
        raise TypeError(message) from None
    result = await enter(cm)
    register(exit_, cm, None, None, None)
    return result


def _run_maybe_async(
    runner: LoopRunner, scope: Scope, func: Callable[..., Any], *args: Any, **kwargs: Any
) -> Any:
    if inspect.iscoroutinefunction(func):
        return runner.run(scope, func(*args, **kwargs))
    result = runner.call(scope, func, *args, **kwargs)
    if inspect.isawaitable(result):
        # A plain function returning an awaitable, as addAsyncCleanup allows.
        return runner.run(scope, _await(result))
    return result


class _ClassLoop:
    """The class loop's life, shared by AsyncTestCase and EventLoopMixin: made in
    setUpClass, run, its leftovers reported and closed by a class cleanup."""

    _asynctestkitClassRunner: ClassVar[LoopRunner]
    _asynctestkitClassScope: ClassVar[Scope]

    @classmethod
    def _asynctestkitNewRunner(cls) -> LoopRunner:
        virtual_clock = getattr(cls, "virtual_clock", False)
        return LoopRunner(_loop_factory(cls), virtual_clock, debug=_resolve_debug(cls))

    @classmethod
    def _asynctestkitOpenClassLoop(cls) -> None:
        _check_settings(cls)
        cls._asynctestkitClassRunner = cls._asynctestkitNewRunner()
        cls._asynctestkitClassScope = Scope(contextvars.copy_context())
        # Registered first, so it runs last: every async class cleanup runs before it.
        cls.addClassCleanup(cls._asynctestkitCloseClassLoop)  # type: ignore[attr-defined]

    @classmethod
    def _asynctestkitClassLoop(cls) -> LoopRunner | None:
        # vars(), not getattr(): a subclass must never run on its parent's loop.
        runner: LoopRunner | None = vars(cls).get("_asynctestkitClassRunner")
        return runner if runner is not None and not runner.closed else None

    @classmethod
    def _asynctestkitRunClass(cls, coro: Coroutine[Any, Any, _T], what: str = "this") -> _T:
        runner = cls._asynctestkitClassLoop()
        if runner is None:
            coro.close()
            raise RuntimeError(_NO_CLASS_LOOP.format(cls=cls.__qualname__, what=what))
        scope: Scope = vars(cls)["_asynctestkitClassScope"]
        return runner.run(scope, coro)

    @classmethod
    def _asynctestkitClassCall(cls, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        runner = cls._asynctestkitClassLoop()
        if runner is None:
            what = f"the async class cleanup {func!r}"
            raise RuntimeError(_NO_CLASS_LOOP.format(cls=cls.__qualname__, what=what))
        return _run_maybe_async(runner, vars(cls)["_asynctestkitClassScope"], func, *args, **kwargs)

    @classmethod
    def _asynctestkitCloseClassLoop(cls) -> None:
        runner: LoopRunner = vars(cls)["_asynctestkitClassRunner"]
        try:
            runner.close()
        finally:
            del cls._asynctestkitClassRunner
            del cls._asynctestkitClassScope
        cls._asynctestkitReportLeftOpen(runner)

    @classmethod
    def _asynctestkitReportLeftOpen(cls, runner: LoopRunner) -> None:
        if not runner.leaked:
            return
        items = "\n".join(f"  {item}" for item in runner.leaked)
        message = _LEFT_OPEN.format(cls=cls.__qualname__, count=len(runner.leaked), items=items)
        if cls.fail_on_pending_tasks:  # type: ignore[attr-defined]
            raise cls.failureException(message)  # type: ignore[attr-defined]
        warnings.warn(message, LeftoverWarning, stacklevel=3)


class AsyncTestCase(_ClassLoop, unittest.IsolatedAsyncioTestCase):
    """An ``IsolatedAsyncioTestCase`` whose tests share one event loop per class.

    Example::

        class ApiTests(AsyncTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                cls.session = await cls.enterAsyncClassContext(aiohttp.ClientSession())

            async def test_health(self):
                async with self.session.get(URL) as response:
                    self.assertEqual(response.status, 200)
    """

    #: Makes the class's event loop (e.g. ``uvloop.new_event_loop``); on every Python.
    loop_factory: ClassVar[LoopFactory | None] = None
    #: Seconds an async test method may run; None reads ``ASYNCTESTKIT_TIMEOUT``.
    test_timeout: ClassVar[float | None] = None
    #: Make tasks a test leaves pending a failure instead of a LeftoverWarning.
    fail_on_pending_tasks: ClassVar[bool] = False
    #: Freeze ``loop.time()``; move it with ``await self.advance(seconds)``.
    virtual_clock: ClassVar[bool] = False
    #: asyncio debug mode on the class loop; None reads ``ASYNCTESTKIT_ASYNCIO_DEBUG``,
    #: then ``PYTHONASYNCIODEBUG``, then ``-X dev``; off when none is set.
    asyncio_debug: ClassVar[bool | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        mro = cls.__mro__
        for base in mro[mro.index(AsyncTestCase) + 1 :]:
            if any(hook in vars(base) for hook in _HOOKS):
                raise TypeError(_MIXIN_ORDER.format(cls=cls.__name__, mixin=base.__name__))
        check_hooks(cls, hooks_of(cls, _USER_HOOKS))

    def __init__(self, methodName: str = "runTest") -> None:
        super().__init__(methodName)
        # 3.11+ keeps a contextvars.Context here from the start; it cannot be pickled,
        # which breaks unittest-parallel. This class makes its contexts when a test runs.
        self.__dict__.pop("_asyncioTestContext", None)
        self._asynctestkitRunner: LoopRunner | None = None
        self._asynctestkitScope: Scope | None = None
        self._asynctestkitOwnsLoop = False
        self._asynctestkitTimeout: float | None = None
        self._asynctestkitTaskToken: int | None = None
        self._asynctestkitTransportsBefore: set[asyncio.BaseTransport] = set()

    # -- class level ----------------------------------------------------------------

    @classmethod
    async def asyncSetUpClass(cls) -> None:
        """Set up class fixtures on the class loop (after ``setUpClass``)."""

    @classmethod
    async def asyncTearDownClass(cls) -> None:
        """Tear down class fixtures on the class loop (before ``tearDownClass`` ends)."""

    @classmethod
    async def _asynctestkitSetUpClass(cls) -> None:
        """Cooperative hook for mixins, run before ``asyncSetUpClass``."""

    @classmethod
    async def _asynctestkitAfterSetUpClass(cls) -> None:
        """Cooperative hook for mixins, run after ``asyncSetUpClass``."""

    async def _asynctestkitSetUp(self) -> None:
        """Cooperative per-test hook for mixins, run before ``setUp``/``asyncSetUp``."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls._asynctestkitOpenClassLoop()
        try:
            # The toolkit's own set-up (imports, servers, init_beanie) is not the user's
            # slow code: no slow-callback log for it in debug mode.
            with vars(cls)["_asynctestkitClassRunner"].quiet(first=True):
                cls._asynctestkitRunClass(cls._asynctestkitSetUpClass())
            cls._asynctestkitRunClass(cls.asyncSetUpClass())
            cls._asynctestkitRunClass(cls._asynctestkitAfterSetUpClass())
        except KeyboardInterrupt:
            # unittest runs the class cleanups for an Exception only.
            cls.doClassCleanups()
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        if cls._asynctestkitClassLoop() is not None:
            cls._asynctestkitRunClass(cls.asyncTearDownClass())
        super().tearDownClass()

    @classmethod
    def addAsyncClassCleanup(cls, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Like ``addClassCleanup``, for a coroutine function run on the class loop."""
        cls.addClassCleanup(cls._asynctestkitClassCall, func, *args, **kwargs)

    @classmethod
    async def enterAsyncClassContext(cls, cm: Any) -> Any:
        """Enter an async context manager now and exit it when the class ends."""
        return await _enter_async_context(cm, cls.addAsyncClassCleanup, "enterClassContext")

    # -- per test -------------------------------------------------------------------

    def run(self, result: unittest.TestResult | None = None) -> unittest.TestResult | None:
        if self._asynctestkitSentAlone(result):
            assert result is not None
            # A runner given this test alone (unittest-parallel --level test,
            # TextTestRunner().run(test)): a suite of one runs its class (and module)
            # set-up and tear-down around it. That suite forgets the previous class, so
            # a result reused for the next lone test sets its class up again.
            result._previousTestClass = None  # type: ignore[attr-defined]
            unittest.TestSuite([self]).run(result)
            return result
        try:
            # Called directly (not through super().run) so that a test's
            # DeprecationWarning points at the caller, as in CPython.
            return unittest.TestCase.run(self, result)
        except KeyboardInterrupt as interrupt:
            self._asynctestkitInterrupted(interrupt)
            raise
        finally:
            self._asynctestkitEnd()

    def _asynctestkitSentAlone(self, result: unittest.TestResult | None) -> bool:
        # unittest.TestSuite marks the result it runs (_testRunEntered, 3.4+); a test run
        # outside any suite, whose class needs set-up that has not run, gets a suite here.
        return (
            isinstance(result, unittest.TestResult)
            and not getattr(result, "_testRunEntered", False)
            and type(self)._asynctestkitClassLoop() is None
            and bool(_class_set_up_needed(type(self)))
        )

    def _asynctestkitInterrupted(self, interrupt: KeyboardInterrupt) -> None:
        # unittest lets KeyboardInterrupt end the run at once: the test's cleanups, the
        # class tear-down and class cleanups would never run, leaving databases on a
        # shared MongoDB and the AWS environment patched. Release them before it goes on.
        interrupt.add_note(_INTERRUPTED.format(test=self.id()))
        with contextlib.suppress(Exception):
            self.doCleanups()
        type(self)._asynctestkitReleaseClass()

    @classmethod
    def _asynctestkitReleaseClass(cls) -> None:
        if "_asynctestkitClassRunner" not in vars(cls):
            return
        with contextlib.suppress(Exception):
            cls.tearDownClass()
        cls.doClassCleanups()

    def debug(self) -> None:
        unittest.TestCase.debug(self)
        self._asynctestkitEnd()

    def _asynctestkitBegin(self) -> None:
        timeout = _check_settings(type(self))
        runner = type(self)._asynctestkitClassLoop()
        if runner is not None:
            scope = vars(type(self))["_asynctestkitClassScope"].child()
            self._asynctestkitOwnsLoop = False
        else:
            # Run on its own (Test("test_x").run(), .debug()): a loop for this test alone,
            # as IsolatedAsyncioTestCase does; unless the class has set-up of its own,
            # which a lone test cannot do without.
            why = _class_set_up_needed(type(self))
            if why:
                raise RuntimeError(
                    _NEEDS_CLASS_SET_UP.format(test=self.id(), cls=type(self).__name__, why=why)
                )
            runner = self._asynctestkitNewRunner()
            scope = Scope(contextvars.copy_context())
            self._asynctestkitOwnsLoop = True
        runner.make_current()
        self._asynctestkitRunner = runner
        self._asynctestkitScope = scope
        self._asynctestkitTimeout = timeout
        # Only tasks the test created count as its leftovers: a class-level client's
        # monitor starts short-lived tasks at any time, and must not be cancelled.
        self._asynctestkitTaskToken = scope.mark_test()
        self._asynctestkitTransportsBefore = runner.open_transports()

    def _asynctestkitEnd(self) -> None:
        runner = self._asynctestkitRunner
        self._asynctestkitRunner = None
        self._asynctestkitScope = None
        self._asynctestkitTaskToken = None
        self._asynctestkitTransportsBefore = set()
        if runner is not None and self._asynctestkitOwnsLoop:
            runner.close()

    # CPython's name for the same step, for code that calls it.
    _tearDownAsyncioRunner = _asynctestkitEnd

    def _asynctestkitCheckTasks(self) -> None:
        runner, token = self._asynctestkitRunner, self._asynctestkitTaskToken
        if runner is None or runner.closed or token is None:
            return
        runner.note_transports(self._asynctestkitTransportsBefore, self.id())
        leftover = runner.tasks_of(token)
        if not leftover:
            return
        runner.cancel_tasks(leftover)
        lines = "\n".join(
            f"  {task.get_name()} ({task.get_coro()!r}), created at {task_origin(task)}"
            for task in sorted(leftover, key=lambda t: t.get_name())
        )
        message = _PENDING_TASKS.format(test=self.id(), count=len(leftover), tasks=lines)
        if self.fail_on_pending_tasks:
            raise self.failureException(message)
        warnings.warn(message, LeftoverWarning, stacklevel=2)

    @property
    def _asynctestkitActive(self) -> tuple[LoopRunner, Scope]:
        if self._asynctestkitRunner is None or self._asynctestkitScope is None:
            raise RuntimeError(f"{self.id()} is not running: no event loop is set up for it")
        return self._asynctestkitRunner, self._asynctestkitScope

    def _callAsync(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        runner, scope = self._asynctestkitActive
        return runner.run(scope, func(*args, **kwargs))

    def _callMaybeAsync(self, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        runner, scope = self._asynctestkitActive
        return _run_maybe_async(runner, scope, func, *args, **kwargs)

    def _callSetUp(self) -> None:
        self._asynctestkitBegin()
        # Registered before any user cleanup, so it runs after all of them.
        self.addCleanup(self._asynctestkitCheckTasks)
        runner, _ = self._asynctestkitActive
        with runner.quiet():  # the toolkit's per-test set-up (restore, a new account)
            self._callAsync(self._asynctestkitSetUp)
        self._callMaybeAsync(self.setUp)
        self._callAsync(self.asyncSetUp)

    def _callTestMethod(self, method: Callable[[], Any]) -> None:
        runner, scope = self._asynctestkitActive
        if inspect.iscoroutinefunction(method):
            result = runner.run(scope, method(), timeout=self._asynctestkitTimeout, name=self.id())
        else:
            result = runner.call(scope, method)
        if result is not None:
            # 3.14 names the returned type; 3.11 to 3.13 do not.
            returned = f" returned {type(result).__name__!r}" if _PY314 else ""
            warnings.warn(
                "It is deprecated to return a value that is not None from a test case "
                f"({method}{returned})",
                DeprecationWarning,
                stacklevel=4,
            )

    def _callTearDown(self) -> None:
        self._callAsync(self.asyncTearDown)
        self._callMaybeAsync(self.tearDown)

    def _callCleanup(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        self._callMaybeAsync(function, *args, **kwargs)

    async def enterAsyncContext(self, cm: Any) -> Any:
        """Enter an async context manager now and exit it as a cleanup."""
        return await _enter_async_context(cm, self.addAsyncCleanup, "enterContext")

    # -- helpers --------------------------------------------------------------------

    async def advance(self, seconds: float) -> None:
        """Move the virtual clock forward and run everything that became due."""
        runner, _ = self._asynctestkitActive
        if runner.clock is None:
            raise RuntimeError(_NO_CLOCK.format(cls=type(self).__qualname__))
        await runner.clock.advance(seconds)

    async def assertEventually(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,
        interval: float = 0.05,
        msg: Any = None,
    ) -> Any:
        """Poll ``predicate`` (sync or async) until it returns a truthy value; return it.

        On timeout the test fails showing the last value returned or exception raised.
        Under the virtual clock the wait advances the clock instead of sleeping.
        """
        for name, value in (("timeout", timeout), ("interval", interval)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"assertEventually() {name}={value!r}: must be seconds > 0")
        runner, _ = self._asynctestkitActive
        clock = runner.clock
        waited = 0.0
        deadline = time.monotonic() + timeout
        attempts = 0
        last_value: Any = _MISSING
        last_error: BaseException | None = None
        while True:
            attempts += 1
            try:
                value = predicate()
                if inspect.isawaitable(value):
                    value = await value
            except Exception as exc:
                last_error, last_value = exc, _MISSING
            else:
                if value:
                    return value
                last_error, last_value = None, value
            if clock is not None:
                if waited >= timeout:
                    break
                await clock.advance(interval)
                waited += interval
            else:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                await asyncio.sleep(min(interval, remaining))
        if last_error is not None:
            trace = "".join(traceback.format_exception(last_error)).rstrip()
            last = f"exception: {last_error!r}\n{trace}"
        else:
            last = f"value: {last_value!r}"
        what = f"condition {getattr(predicate, '__qualname__', repr(predicate))}"
        standard = _NOT_MET.format(what=what, timeout=timeout, attempts=attempts, last=last)
        raise self.failureException(self._formatMessage(msg, standard))


class EventLoopMixin(_ClassLoop):
    """A class-level event loop for a plain ``unittest.TestCase``.

    Example::

        class ReportTests(EventLoopMixin, unittest.TestCase):
            def test_report(self):
                self.assertEqual(self.run_async(build_report()), "ok")
    """

    #: Makes the class's event loop; None for asyncio's default.
    loop_factory: ClassVar[LoopFactory | None] = None
    #: Seconds one ``self.run_async(...)`` may run; None reads ``ASYNCTESTKIT_TIMEOUT``.
    test_timeout: ClassVar[float | None] = None
    #: Make sockets the class left open a failure instead of a LeftoverWarning.
    fail_on_pending_tasks: ClassVar[bool] = False
    #: asyncio debug mode on the class loop; None: as AsyncTestCase.asyncio_debug.
    asyncio_debug: ClassVar[bool | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_hooks(cls, _MIXIN_USER_HOOKS)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()  # type: ignore[misc]
        cls._asynctestkitOpenClassLoop()

    def run(self, result: unittest.TestResult | None = None) -> unittest.TestResult | None:
        self._asynctestkitMixinTestScope: Scope | None = None
        runner = type(self)._asynctestkitClassLoop()
        before = runner.open_transports() if runner is not None else set()
        try:
            return super().run(result)  # type: ignore[misc, no-any-return]
        finally:
            self._asynctestkitMixinTestScope = None
            if runner is not None and not runner.closed:
                runner.note_transports(before, self.id())  # type: ignore[attr-defined]

    @class_or_instance
    def run_async(self_or_cls: Any, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` on the class loop and return its result.

        Works from a test (``self.run_async``, limited to ``test_timeout``) and from
        ``setUpClass`` (``cls.run_async``); values set in context variables by a test stay
        in it.
        """
        if isinstance(self_or_cls, type):
            owner = cast("type[EventLoopMixin]", self_or_cls)
            return owner._asynctestkitRunClass(coro, what="run_async")
        test = self_or_cls
        cls = cast("type[EventLoopMixin]", type(test))
        timeout = _check_settings(cls)
        runner: LoopRunner | None = cls._asynctestkitClassLoop()
        scope: Scope | None = getattr(test, "_asynctestkitMixinTestScope", None)
        if runner is None:
            # The class set-up did not run (a test run on its own): a loop for this test.
            runner = getattr(test, "_asynctestkitMixinOwnRunner", None)
            if runner is None or runner.closed:
                runner = cls._asynctestkitNewRunner()
                test._asynctestkitMixinOwnRunner = runner
                test.addCleanup(_close_own_loop, cls, runner)
            if scope is None:
                scope = Scope(contextvars.copy_context())
        elif scope is None:
            scope = vars(cls)["_asynctestkitClassScope"].child()
        test._asynctestkitMixinTestScope = scope
        return runner.run(scope, coro, timeout=timeout, name=test.id())


def _close_own_loop(cls: type[_ClassLoop], runner: LoopRunner) -> None:
    runner.close()
    cls._asynctestkitReportLeftOpen(runner)
