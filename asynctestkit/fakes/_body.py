"""A streaming response body with the async API of aiobotocore's StreamingBody."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType


class FakeStreamingBody:
    """In-memory bytes read the way an aiobotocore ``StreamingBody`` is read.

    Example::

        body = FakeStreamingBody(b"hello")
        assert await body.read() == b"hello"
    """

    _DEFAULT_CHUNK_SIZE = 1024

    def __init__(self, data: bytes | bytearray | str) -> None:
        self._data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self._position = 0
        self._closed = False

    def __repr__(self) -> str:
        return f"<FakeStreamingBody {len(self._data)} bytes, {self._position} read>"

    @property
    def content_length(self) -> int:
        return len(self._data)

    def readable(self) -> bool:
        return not self.at_eof()

    def tell(self) -> int:
        return self._position

    def at_eof(self) -> bool:
        return self._position >= len(self._data)

    async def read(self, amt: int | None = None) -> bytes:
        """Read at most ``amt`` bytes, or everything left when ``amt`` is None."""
        self._check_open()
        end = len(self._data) if amt is None or amt < 0 else self._position + amt
        chunk = self._data[self._position : end]
        self._position += len(chunk)
        return chunk

    async def readinto(self, b: bytearray) -> int:
        chunk = await self.read(len(b))
        b[: len(chunk)] = chunk
        return len(chunk)

    async def iter_chunks(self, chunk_size: int = _DEFAULT_CHUNK_SIZE) -> AsyncIterator[bytes]:
        """Yield chunks of ``chunk_size`` bytes until the body is read."""
        while True:
            chunk = await self.read(chunk_size)
            if not chunk:
                break
            yield chunk

    async def iter_lines(
        self, chunk_size: int = _DEFAULT_CHUNK_SIZE, keepends: bool = False
    ) -> AsyncIterator[bytes]:
        """Yield lines, split the way aiobotocore splits them."""
        pending = b""
        async for chunk in self.iter_chunks(chunk_size):
            lines = (pending + chunk).splitlines(True)
            for line in lines[:-1]:
                yield line.splitlines(keepends)[0]
            pending = lines[-1]
        if pending:
            yield pending.splitlines(keepends)[0]

    async def readlines(self) -> list[bytes]:
        return [line async for line in self.iter_lines()]

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.iter_chunks(self._DEFAULT_CHUNK_SIZE)

    async def __aenter__(self) -> FakeStreamingBody:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("I/O operation on a closed FakeStreamingBody.")
