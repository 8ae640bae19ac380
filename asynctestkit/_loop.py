"""The event loop a class (or a lone test) runs on, and how coroutines are run on it."""

from __future__ import annotations

import asyncio
import contextvars
import math
import os
import threading
import traceback
import types
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep

LoopFactory = Callable[[], asyncio.AbstractEventLoop]

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


class LoopRunner:
    """An event loop, kept open across many ``run`` calls (one class, or one lone test)."""

    def __init__(self, loop_factory: LoopFactory | None = None, virtual_clock: bool = False):
        self.loop = loop_factory() if loop_factory is not None else asyncio.new_event_loop()
        # As asyncio.Runner does: only a loop we made ourselves becomes the current loop.
        self._sets_current = loop_factory is None
        self.loop.set_debug(True)
        self.clock = VirtualClock(self.loop) if virtual_clock else None
        self.make_current()

    def make_current(self) -> None:
        if self._sets_current:
            asyncio.set_event_loop(self.loop)

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
            pending = asyncio.all_tasks(loop)
            if pending:
                self.cancel_tasks(pending)
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            try:
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                if self._sets_current:
                    asyncio.set_event_loop(None)
                loop.close()


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
        if not frame.filename.startswith(_ASYNCIO_DIR):
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
