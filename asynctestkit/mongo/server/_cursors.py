"""Server-side cursors: results held by id until ``getMore`` drains them or they are killed."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import bson
from bson.raw_bson import RawBSONDocument

from asynctestkit.mongo.server._errors import (
    CURSOR_NOT_FOUND,
    UNAUTHORIZED,
    CommandError,
)

DEFAULT_BATCH_SIZE = 101
# mongod never puts more than 16 MiB of documents in one batch.
MAX_BATCH_BYTES = 16 * 1024 * 1024


@dataclass
class _Cursor:
    ns: str
    docs: list[dict[str, Any]]
    pos: int = 0
    lsid: bytes | None = None


class CursorManager:
    """All open cursors of one server."""

    def __init__(self) -> None:
        self._cursors: dict[int, _Cursor] = {}

    def __len__(self) -> int:
        return len(self._cursors)

    def open(
        self,
        ns: str,
        docs: Iterable[dict[str, Any]],
        batch_size: int | None,
        *,
        single_batch: bool = False,
        lsid: bytes | None = None,
    ) -> dict[str, Any]:
        """The ``cursor`` reply field for a new result set, keeping the rest server-side."""
        cursor = _Cursor(ns, list(docs), lsid=lsid)
        batch = _take(cursor, DEFAULT_BATCH_SIZE if batch_size is None else batch_size)
        cursor_id = 0
        if cursor.pos < len(cursor.docs) and not single_batch:
            cursor_id = random.getrandbits(62) + 1
            self._cursors[cursor_id] = cursor
        return {"firstBatch": batch, "id": bson.Int64(cursor_id), "ns": ns}

    def get_more(self, cursor_id: int, collection: str, db: str, batch_size: int | None) -> Any:
        cursor = self._cursors.get(cursor_id)
        if cursor is None:
            raise CommandError(CURSOR_NOT_FOUND, f"cursor id {cursor_id} not found")
        expected = cursor.ns.split(".", 1)[1]
        if collection != expected:
            raise CommandError(
                UNAUTHORIZED,
                f"Requested getMore on namespace '{db}.{collection}', "
                f"but cursor belongs to a different namespace {cursor.ns}",
            )
        batch = _take(cursor, batch_size or 0)
        if cursor.pos >= len(cursor.docs):
            del self._cursors[cursor_id]
            cursor_id = 0
        return {"nextBatch": batch, "id": bson.Int64(cursor_id), "ns": cursor.ns}

    def kill(self, ids: Iterable[int]) -> tuple[list[int], list[int]]:
        """Close cursors by id: (killed, not found)."""
        killed: list[int] = []
        missing: list[int] = []
        for cursor_id in ids:
            if self._cursors.pop(cursor_id, None) is None:
                missing.append(cursor_id)
            else:
                killed.append(cursor_id)
        return killed, missing

    def kill_session(self, lsid: bytes) -> None:
        for cursor_id in [i for i, c in self._cursors.items() if c.lsid == lsid]:
            del self._cursors[cursor_id]


def _take(cursor: _Cursor, batch_size: int) -> list[RawBSONDocument]:
    """The next batch as pre-encoded documents; size 0 means as many as fit in 16 MiB."""
    batch: list[RawBSONDocument] = []
    total = 0
    docs = cursor.docs
    while cursor.pos < len(docs) and (batch_size <= 0 or len(batch) < batch_size):
        raw = RawBSONDocument(bson.encode(docs[cursor.pos]))
        total += len(raw.raw)
        if batch and total > MAX_BATCH_BYTES:
            break
        batch.append(raw)
        cursor.pos += 1
    return batch
