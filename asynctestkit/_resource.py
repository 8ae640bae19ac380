"""One shape for every resource with start() and stop(): ``with`` and ``async with``."""

from __future__ import annotations

from typing import Generic, TypeVar

T_co = TypeVar("T_co", covariant=True)


class StartStop(Generic[T_co]):
    """``with`` / ``async with`` around ``start()`` and ``stop()``.

    What ``start()`` returns is what ``as`` binds. Starting is synchronous (a server
    thread, a patch), so the async forms are for use inside coroutines.
    """

    def start(self) -> T_co:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> T_co:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> T_co:
        return self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop()
