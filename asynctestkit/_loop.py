"""The event loop a class (or a lone test) runs on, and how coroutines are run on it."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import ipaddress
import itertools
import math
import os
import socket
import sys
import sysconfig
import threading
import traceback
import types
import warnings
import weakref
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep

# The test whose code is running: set in a test's scope, so every task created from the
# test (directly or by its tasks) inherits it, while tasks that class-level objects start
# during the test (a client's monitor) do not.
_TEST_TOKEN: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "asynctestkit_test", default=None
)
_tokens = itertools.count(1)

LoopFactory = Callable[[], asyncio.AbstractEventLoop]

# Installed packages and the standard library: a task one of them starts during a test
# (a client created in asyncSetUpClass connecting lazily and starting its monitors) belongs
# to that client, not to the test; only tasks the test's own code starts are its leftovers.
_LIBRARY_DIRS = tuple(
    {os.path.join(sysconfig.get_paths()[key], "") for key in ("stdlib", "purelib", "platlib")}
)


def _library_caller() -> bool:
    """Whether the code creating the current task lives in an installed library."""
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None and (
        frame.f_code.co_filename == __file__ or frame.f_code.co_filename.startswith(_ASYNCIO_DIR)
    ):
        frame = frame.f_back
    return frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS)


TIMEOUT_MESSAGE = (
    "{test} did not finish within {limit:g} s (test_timeout); it was waiting at:\n{stack}"
    "Raise test_timeout on the class (or ASYNCTESTKIT_TIMEOUT) if the test needs longer."
)


class Scope:
    """A contextvars.Context that follows the coroutines run in it.

    Every coroutine runs in a task, and a task works on a copy of the context it was
    created in; so after each run the scope takes the context the task ended with.
    That lets a value set in ``asyncSetUp`` be seen by the test, on every Python.
    """

    __slots__ = ("context",)

    def __init__(self, context: contextvars.Context) -> None:
        self.context = context

    def child(self) -> Scope:
        return Scope(self.context.copy())

    def mark_test(self) -> int:
        """Make the tasks created in this scope attributable to one test; return its token."""
        token = next(_tokens)
        self.context.run(_TEST_TOKEN.set, token)
        return token


class LoopRunner:
    """An event loop, kept open across many ``run`` calls (one class, or one lone test)."""

    def __init__(
        self,
        loop_factory: LoopFactory | None = None,
        virtual_clock: bool = False,
        debug: bool = True,
    ):
        self.loop = loop_factory() if loop_factory is not None else asyncio.new_event_loop()
        # As asyncio.Runner does: only a loop we made ourselves becomes the current loop.
        self._sets_current = loop_factory is None
        self.loop.set_debug(debug)
        _resolve_numeric_hosts_inline(self.loop)
        self.clock = VirtualClock(self.loop) if virtual_clock else None
        self._creators: weakref.WeakKeyDictionary[asyncio.Task[Any], int] = (
            weakref.WeakKeyDictionary()
        )
        self._track_creators()
        # Sockets still open when the loop closes: which test was running when each opened.
        self._transport_tests: weakref.WeakKeyDictionary[asyncio.BaseTransport, str] = (
            weakref.WeakKeyDictionary()
        )
        #: What close() found open and closed (descriptions), for the caller to report.
        self.leaked: list[str] = []
        self._heap = _HeapScope()
        self.make_current()

    def _track_creators(self) -> None:
        # A task cannot be asked for its context before 3.12: note the test at creation.
        inner = self.loop.get_task_factory()
        creators = self._creators

        def factory(
            loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
        ) -> asyncio.Future[Any]:
            if inner is not None:
                task = inner(loop, coro, **kwargs)
            else:
                task = asyncio.Task(coro, loop=loop, **kwargs)
                # Debug mode's "created at": the caller's line, not this factory's.
                source = getattr(task, "_source_traceback", None)
                while source and (
                    source[-1].filename == __file__ or source[-1].filename.startswith(_ASYNCIO_DIR)
                ):
                    del source[-1]
            context = kwargs.get("context")
            token = _TEST_TOKEN.get() if context is None else context.get(_TEST_TOKEN)
            if token is not None and isinstance(task, asyncio.Task) and not _library_caller():
                creators[task] = token
            return task

        self.loop.set_task_factory(factory)  # type: ignore[arg-type]

    def open_transports(self) -> set[asyncio.BaseTransport]:
        """Socket transports of this loop that are not closed (selector loops only)."""
        # BaseSelectorEventLoop keeps fd -> transport to refuse reusing a busy fd.
        transports: Any = getattr(self.loop, "_transports", None)
        if transports is None:
            return set()
        return {t for t in list(transports.values()) if not t.is_closing()}

    def note_transports(self, before: set[asyncio.BaseTransport], test: str) -> None:
        """Remember ``test`` as the opener of transports opened since ``before``.

        Not reported now: a class-level client's pool may have grown during the test.
        What is still open once the class cleanups ran is a leak, reported by close().
        """
        for transport in self.open_transports() - before:
            self._transport_tests.setdefault(transport, test)

    def tasks_of(self, token: int) -> set[asyncio.Task[Any]]:
        """The pending tasks created by the test holding ``token`` (see Scope.mark_test)."""
        return {t for t in asyncio.all_tasks(self.loop) if self._creators.get(t) == token}

    def make_current(self) -> None:
        if self._sets_current:
            asyncio.set_event_loop(self.loop)

    @contextlib.contextmanager
    def quiet(self, *, first: bool = False) -> Iterator[None]:
        """No slow-callback log for the steps run inside (the toolkit's own set-up).

        Its first imports, server starts and ``init_beanie`` block the loop for a while
        once per process; debug mode's log of that would blame no code of the user's.
        ``first``: the class's first steps, before any code of the user's; if they
        imported, what the imports made is left out of the class-end collection, which
        would walk all of it (tens of ms in the first class of a process).
        """
        modules = len(sys.modules)
        loop: Any = self.loop
        saved = getattr(loop, "slow_callback_duration", None)
        if saved is not None:
            loop.slow_callback_duration = math.inf
        try:
            yield
        finally:
            if saved is not None:
                loop.slow_callback_duration = saved
            if first and len(sys.modules) != modules:
                self._heap.exclude_existing()

    @property
    def closed(self) -> bool:
        return self.loop.is_closed()

    def call(self, scope: Scope, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a sync function in ``scope``."""
        return scope.context.run(func, *args, **kwargs)

    def run(
        self,
        scope: Scope,
        coro: Coroutine[Any, Any, T],
        *,
        timeout: float | None = None,
        name: str = "",
    ) -> T:
        """Run ``coro`` to completion in ``scope``; fail it after ``timeout`` seconds."""
        self.make_current()
        ended: list[contextvars.Context] = []

        async def main() -> T:
            try:
                return await coro
            finally:
                ended.append(contextvars.copy_context())

        task = scope.context.run(self.loop.create_task, main())
        watchdog = _Watchdog(self.loop, task, coro, timeout) if timeout else None
        try:
            return self.loop.run_until_complete(task)
        except asyncio.CancelledError:
            if watchdog is not None and watchdog.stack is not None:
                message = TIMEOUT_MESSAGE.format(test=name, limit=timeout, stack=watchdog.stack)
                raise AssertionError(message) from None
            raise
        except BaseException:
            # KeyboardInterrupt arriving while the loop waited leaves the task pending.
            if not task.done():
                task.cancel()
                self.loop.run_until_complete(asyncio.wait([task]))
            raise
        finally:
            if watchdog is not None:
                watchdog.cancel()
            if ended:
                scope.context = ended[0]

    def cancel_tasks(self, tasks: set[asyncio.Task[Any]]) -> None:
        """Cancel ``tasks`` and wait for them, reporting errors as asyncio does."""
        for task in tasks:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        for task in tasks:
            if not task.cancelled() and task.exception() is not None:
                self.loop.call_exception_handler(
                    {
                        "message": "unhandled exception during test shutdown",
                        "exception": task.exception(),
                        "task": task,
                    }
                )

    def close(self) -> None:
        """Cancel what is left, shut generators and executor down, close the loop."""
        loop = self.loop
        if loop.is_closed():
            return
        try:
            try:
                pending = asyncio.all_tasks(loop)
                if pending:
                    self.cancel_tasks(pending)
                loop.run_until_complete(loop.shutdown_asyncgens())
                self.leaked = self._close_transports()
            finally:
                try:
                    loop.run_until_complete(loop.shutdown_default_executor())
                finally:
                    if self._sets_current:
                        asyncio.set_event_loop(None)
                    loop.close()
        except BaseException:
            self._heap.collect_unclosed()  # ends the scope; the error is what matters now
            raise
        # Now that the loop's handles no longer hold them: clients the class left open, and
        # sockets a driver dropped (PyMongo leaves one behind when a connect is cancelled).
        self.leaked.extend(self._heap.collect_unclosed())

    def _close_transports(self) -> list[str]:
        leaked = []
        for transport in sorted(self.open_transports(), key=_describe):
            test = self._transport_tests.get(transport)
            where = f", opened during {test}" if test else ""
            leaked.append(f"{_describe(transport)}{where}")
            abort = getattr(transport, "abort", None)  # stream transports; else close()
            (abort or transport.close)()
        if leaked:
            self.loop.run_until_complete(asyncio.sleep(0))  # runs connection_lost
        return leaked


def _resolve_numeric_hosts_inline(loop: asyncio.AbstractEventLoop) -> None:
    """``loop.getaddrinfo`` answers an IP literal itself instead of in a worker thread.

    asyncio runs every ``getaddrinfo`` in the loop's default executor, whose first use
    starts a thread and whose shutdown at class end starts another to join it: a few
    hundred microseconds per class, for the toolkit's servers on 127.0.0.1 (PyMongo and
    aiohttp resolve even a literal). A literal needs no DNS (``AI_NUMERICHOST`` makes sure),
    as ``loop.create_connection`` already knows; names still go to the executor.
    """
    if not isinstance(loop, asyncio.BaseEventLoop):
        return
    resolve = loop.getaddrinfo

    async def getaddrinfo(
        host: Any, port: Any, *, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> list[Any]:
        if isinstance(host, str) and _is_ip_literal(host):
            return socket.getaddrinfo(
                host, port, family, type, proto, flags | socket.AI_NUMERICHOST
            )
        return await resolve(host, port, family=family, type=type, proto=proto, flags=flags)

    loop.getaddrinfo = getaddrinfo  # type: ignore[method-assign]


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class _HeapScope:
    """The objects made while a loop is open, for a collection of those alone.

    A full ``gc.collect()`` walks the whole heap (imported modules, botocore's models,
    pydantic's schemas): about 70 ms, at every class end. Instead the heap that exists when
    the outermost loop opens is frozen (``gc.freeze()``, O(1)): the collection at its end
    walks only what was made since, which is every object the class could leave behind,
    and unfreezes (the whole heap: a caller's own ``gc.freeze()`` before a class does not
    outlast it). What it would miss is a cycle that ties a new object to one made before
    (the loaded test instance itself); that cycle is still collected later, as it would be
    without this toolkit.
    """

    _depth = 0  # loops open in this process (the outermost one froze the heap)

    def __init__(self) -> None:
        cls = type(self)
        if cls._depth == 0:
            # Whatever was frozen before is unfrozen at the end too: the freeze count
            # cannot tell a caller's gc.freeze() apart (3.12 moves immortal objects there).
            gc.freeze()
        cls._depth += 1
        self._open = True

    def exclude_existing(self) -> None:
        """Leave every object that exists now out of the collection at the end: the
        modules a first class imported and the data they loaded (the outermost scope only:
        an inner one must not hide its outer class's objects)."""
        if self._open and type(self)._depth == 1:
            gc.freeze()

    def collect_unclosed(self) -> list[str]:
        """Finalize unreachable objects made since; return their "unclosed ..." warnings.

        Left to the garbage collector, an unclosed client's ResourceWarning would surface
        at a random later point, in whichever test is running then.
        """
        if not self._open:
            return []
        self._open = False
        cls = type(self)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ResourceWarning)
                gc.collect()
        finally:
            cls._depth -= 1
            if cls._depth == 0:
                gc.unfreeze()
        found = []
        for w in caught:
            message = str(w.message).split("\n", 1)[0].rstrip(":")
            # Transports were closed (and reported) before; a bare socket names no owner
            # and comes from a driver's internals (PyMongo drops one when a connect is
            # cancelled): collecting it here closed it, and blaming the test would mislead.
            if not issubclass(w.category, ResourceWarning) or message.startswith(
                ("unclosed transport", "unclosed <socket.socket")
            ):
                continue
            found.append(message)
        return found


def _describe(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"socket to {peer[0]}:{peer[1]}"
    return f"socket {peer or transport.get_extra_info('sockname')!r}"


class _Watchdog:
    """Cancels a task after a real-time limit, remembering where it was waiting.

    It runs on a thread timer rather than ``loop.call_later`` so that it still fires
    when the class uses the virtual clock.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        task: asyncio.Task[Any],
        coro: Coroutine[Any, Any, Any],
        timeout: float,
    ) -> None:
        self._loop = loop
        self._task = task
        self._coro = coro
        self.stack: str | None = None
        self._timer = threading.Timer(timeout, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        self._loop.call_soon_threadsafe(self._fire)

    def _fire(self) -> None:
        if not self._task.done():
            self.stack = format_await_stack(self._coro)
            self._task.cancel()

    def cancel(self) -> None:
        self._timer.cancel()
        self._timer.join()


def _await_frames(coro: Any) -> Iterator[tuple[types.FrameType, int]]:
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            return
        yield frame, frame.f_lineno
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)


def format_await_stack(coro: Any) -> str:
    """The chain of awaits a suspended coroutine is waiting in, innermost last."""
    summary = traceback.StackSummary.extract(_await_frames(coro))
    return "".join(summary.format())


def task_origin(task: asyncio.Task[Any]) -> str:
    """Where a task was created (debug mode records it), else where its coroutine is."""
    source = getattr(task, "_source_traceback", None) or []
    for frame in reversed(source):
        if not frame.filename.startswith(_ASYNCIO_DIR) and frame.filename != __file__:
            return f"{frame.filename}:{frame.lineno}"
    code = getattr(task.get_coro(), "cr_code", None)
    if code is not None:
        return f"{code.co_filename}:{code.co_firstlineno} ({code.co_name})"
    return "unknown origin"


class VirtualClock:
    """Replaces ``loop.time()`` with a time that moves only when told to."""

    # Enough rounds for chains of callbacks to settle; a loop that keeps scheduling
    # callbacks for "now" forever would otherwise spin here without end.
    _DRAIN_ROUNDS = 10_000

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        if not hasattr(loop, "_scheduled") or not hasattr(loop, "_ready"):
            raise TypeError(
                f"virtual_clock = True needs an asyncio event loop derived from "
                f"asyncio.BaseEventLoop; {type(loop).__module__}.{type(loop).__qualname__} "
                f"is not. Set virtual_clock = False or use the default loop_factory."
            )
        self._loop = loop
        # Installed on a fresh loop, before anything is scheduled: start at zero, where
        # sums of whole seconds stay exact.
        self.now = 0.0
        loop.time = self._time  # type: ignore[method-assign]
        # Debug mode times callbacks with loop.time(); virtual jumps are not slowness.
        loop.slow_callback_duration = math.inf

    def _time(self) -> float:
        return self.now

    def _next_due(self) -> float | None:
        scheduled = [h for h in self._loop._scheduled if not h.cancelled()]  # type: ignore[attr-defined]
        return min((h.when() for h in scheduled), default=None)

    async def _drain(self) -> None:
        for _ in range(self._DRAIN_ROUNDS):
            await asyncio.sleep(0)
            due = self._next_due()
            if not self._loop._ready and (due is None or due > self.now):  # type: ignore[attr-defined]
                return

    async def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"advance() needs seconds >= 0, got {seconds!r}")
        await self._drain()
        target = self.now + seconds
        while True:
            due = self._next_due()
            if due is None or due > target:
                break
            self.now = max(self.now, due)
            await self._drain()
        self.now = target
        await self._drain()
