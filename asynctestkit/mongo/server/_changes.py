"""The change log: what mongod's oplog is to change streams, kept in memory.

Every write the server makes is recorded here as a :class:`Change`, stamped with a cluster
time (a ``Timestamp`` that only grows) and a sequence number; change streams
(``_streams``) read it from a position and turn each change into the event mongod sends.

- Writes in a transaction are held by the transaction and appended at commit, in order,
  all with the commit's cluster time (as mongod's events of one transaction share it).
- ``updateDescription`` is computed from the document before and after the update, the
  way mongod logs it: an operator update names the fields its operators set (``$push``
  appending to an array names each new element, ``"tags.2"``); a pipeline update is
  diffed like mongod's ``computeOplogDiff`` (shrunk arrays in ``truncatedArrays``).
- Pre- and post-images are kept only for collections created or modified with
  ``changeStreamPreAndPostImages: {enabled: true}``, as mongod keeps them.
- The log holds the last :data:`LOG_LIMIT` changes; resuming from an older point fails
  with ChangeStreamHistoryLost, as a resume point that fell off mongod's oplog does.
- Resume tokens are ``{_data: <hex string>}`` like mongod's and, like them, sort in log
  order; they encode the cluster time and the position in this server's log, so a token
  from another server (or an earlier run) is refused instead of silently misread.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import re
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import bson
from bson.binary import Binary
from bson.int64 import Int64
from bson.timestamp import Timestamp

from asynctestkit.mongo.server._engine import collection_info
from asynctestkit.mongo.server._errors import (
    CHANGE_STREAM_FATAL_ERROR,
    CHANGE_STREAM_HISTORY_LOST,
    INVALID_RESUME_TOKEN,
    CommandError,
)
from asynctestkit.mongo.server._wire import CODEC_OPTIONS

if TYPE_CHECKING:
    from asynctestkit.mongo.server._engine import Transaction
    from asynctestkit.mongo.server._registry import Context

#: Changes kept for resuming streams (mongod keeps an oplog of a given size), and the most
#: bytes of documents they may hold.
LOG_LIMIT = 10_000
LOG_BYTES = 16 * 1024 * 1024

_HISTORY_LOST = (
    "Resume of change stream was not possible, as the resume point may no longer be in the "
    "oplog. (The embedded server keeps the last {limit} changes, at most 16 MiB.)"
)
_TOKEN_NOT_FOUND = (
    "cannot resume stream; the resume token was not found. {token} (The embedded server "
    "only resumes from tokens it made since it started.)"
)
_BAD_TOKEN = (
    "Bad resume token: {token} is not a resume token of the embedded server; pass the "
    "_id of a change event (or stream.resume_token) from this server."
)

# The session uid of an unauthenticated user: SHA-256 of the empty user name.
_ANONYMOUS_UID = Binary(hashlib.sha256(b"").digest())

_EVENT, _INVALIDATE, _HIGH_WATER_MARK = 0, 1, 2
_TOKEN = re.compile(r"82([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{16})(0[0-2])")


@dataclass(frozen=True)
class Token:
    """A decoded resume token: a position in the log, and what it points at."""

    time: Timestamp
    txn_index: int
    seq: int
    kind: int

    @property
    def is_invalidate(self) -> bool:
        return self.kind == _INVALIDATE

    @property
    def is_high_water_mark(self) -> bool:
        return self.kind == _HIGH_WATER_MARK

    def document(self) -> dict[str, Any]:
        data = (
            f"82{self.time.time:08X}{self.time.inc:08X}{self.txn_index:08X}"
            f"{self.seq:016X}{self.kind:02X}"
        )
        return {"_data": data}


def decode_token(value: Any, option: str) -> Token:
    """The token a driver sent back in ``resumeAfter``/``startAfter``."""
    data = value.get("_data") if isinstance(value, dict) else None
    match = _TOKEN.fullmatch(data) if isinstance(data, str) else None
    if match is None:
        raise CommandError(INVALID_RESUME_TOKEN, _BAD_TOKEN.format(token=_show(value)))
    t, inc, txn_index, seq, kind = (int(part, 16) for part in match.groups())
    return Token(Timestamp(t, inc), txn_index, seq, kind)


def _show(value: Any) -> str:
    return repr(dict(value)) if isinstance(value, dict) else repr(value)


@dataclass(frozen=True)
class Change:
    """One oplog entry, in the shape change streams need."""

    seq: int
    time: Timestamp
    wall: datetime.datetime
    op: str  # insert, update, replace, delete, drop, rename, dropDatabase
    db: str
    coll: str | None = None
    key: Any = None  # the documentKey, {_id: ...}
    full: bytes | None = None  # insert and replace: the document written
    update: dict[str, Any] | None = None  # update: the updateDescription
    pre: bytes | None = None  # the pre-image, when the collection records images
    post: bytes | None = None  # update: the post-image, when the collection records them
    to: str | None = None  # rename: the target collection (same database)
    lsid: dict[str, Any] | None = None
    txn_number: Int64 | None = None
    txn_index: int = 0

    @property
    def size(self) -> int:
        """The bytes of documents the change holds."""
        return sum(len(raw) for raw in (self.full, self.pre, self.post) if raw is not None)

    def token(self, kind: int = _EVENT) -> Token:
        return Token(self.time, self.txn_index, self.seq, kind)

    def event(self) -> dict[str, Any]:
        """The change event mongod sends for this change (fullDocument options aside)."""
        event: dict[str, Any] = {
            "_id": self.token().document(),
            "operationType": self.op,
            "clusterTime": self.time,
            "wallTime": self.wall,
        }
        if self.full is not None:
            event["fullDocument"] = _decode(self.full)
        event["ns"] = {"db": self.db} if self.coll is None else {"db": self.db, "coll": self.coll}
        if self.to is not None:
            event["to"] = {"db": self.db, "coll": self.to}
        if self.key is not None:
            event["documentKey"] = dict(self.key)
        if self.update is not None:
            event["updateDescription"] = _copy(self.update)
        if self.lsid is not None:
            event["lsid"] = dict(self.lsid)
            event["txnNumber"] = self.txn_number
        return event

    def invalidate_event(self) -> dict[str, Any]:
        return {
            "_id": self.token(_INVALIDATE).document(),
            "operationType": "invalidate",
            "clusterTime": self.time,
            "wallTime": self.wall,
        }


def _decode(raw: bytes) -> dict[str, Any]:
    return bson.decode(raw, CODEC_OPTIONS)


def _copy(value: dict[str, Any]) -> dict[str, Any]:
    return _decode(bson.encode(value))


def _encode(doc: dict[str, Any]) -> bytes:
    return bson.encode(doc)


class ChangeLog:
    """The server's change history and the clock that stamps it."""

    def __init__(self) -> None:
        self._limit = LOG_LIMIT
        self._max_bytes = LOG_BYTES
        self._bytes = 0
        self._changes: deque[Change] = deque()
        self._seq = 0
        self._last = Timestamp(int(time.time()), 0)
        self._waiters: set[asyncio.Future[None]] = set()

    # -- the clock ----------------------------------------------------------------------

    def tick(self) -> Timestamp:
        """A new cluster time, later than every one before."""
        now = int(time.time())
        last = self._last
        self._last = Timestamp(now, 1) if now > last.time else Timestamp(last.time, last.inc + 1)
        return self._last

    @property
    def cluster_time(self) -> Timestamp:
        """The latest cluster time (a reply's ``operationTime``)."""
        return self._last

    # -- positions ----------------------------------------------------------------------

    @property
    def seq(self) -> int:
        """The position of the latest change (0: none yet)."""
        return self._seq

    def high_water_mark(self, seq: int) -> Token:
        """The token of position ``seq`` itself: "every change up to here was seen"."""
        found = self.get(seq)
        stamp = found.time if found is not None else self._last
        return Token(stamp, 0, seq, _HIGH_WATER_MARK)

    def get(self, seq: int) -> Change | None:
        first = self._first()
        if seq < first or seq > self._seq:
            return None
        return self._changes[seq - first]

    def _first(self) -> int:
        return self._seq - len(self._changes) + 1

    def resolve(self, token: Token) -> int:
        """The position a stream resumes after; fails like mongod for unusable tokens."""
        if token.seq > self._seq:
            raise CommandError(
                CHANGE_STREAM_FATAL_ERROR, _TOKEN_NOT_FOUND.format(token=token.document())
            )
        if token.seq + 1 < self._first():
            raise CommandError(CHANGE_STREAM_HISTORY_LOST, _HISTORY_LOST.format(limit=self._limit))
        if not token.is_high_water_mark and token.seq:
            found = self.get(token.seq)
            if found is None or found.time != token.time or found.txn_index != token.txn_index:
                raise CommandError(
                    CHANGE_STREAM_FATAL_ERROR, _TOKEN_NOT_FOUND.format(token=token.document())
                )
        return token.seq

    def position_at(self, stamp: Timestamp) -> int:
        """The position just before the first change at or after cluster time ``stamp``."""
        first = self._first()
        if first > 1 and (not self._changes or stamp <= self._changes[0].time):
            raise CommandError(CHANGE_STREAM_HISTORY_LOST, _HISTORY_LOST.format(limit=self._limit))
        for change in self._changes:
            if change.time >= stamp:
                return change.seq - 1
        return self._seq

    def since(self, seq: int) -> Iterator[Change]:
        """The changes after position ``seq``, oldest first."""
        first = self._first()
        if seq + 1 < first:
            raise CommandError(CHANGE_STREAM_HISTORY_LOST, _HISTORY_LOST.format(limit=self._limit))
        for index in range(max(seq + 1 - first, 0), len(self._changes)):
            yield self._changes[index]

    # -- waiting (awaitData getMore) ----------------------------------------------------

    def waiter(self) -> asyncio.Future[None]:
        """A future the next append (or :meth:`wake`) completes; discard it when done."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(future)
        return future

    def discard(self, future: asyncio.Future[None]) -> None:
        self._waiters.discard(future)

    def wake(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for future in waiters:
            if not future.done():
                future.set_result(None)

    # -- recording ----------------------------------------------------------------------

    def _append(self, changes: list[dict[str, Any]], stamp: Timestamp | None = None) -> None:
        if not changes:
            return
        wall = _wall_time()
        for index, fields in enumerate(changes):
            self._seq += 1
            txn_index = index if "lsid" in fields else 0
            change = Change(
                seq=self._seq,
                time=stamp if stamp is not None else self.tick(),
                wall=wall,
                txn_index=txn_index,
                **fields,
            )
            self._changes.append(change)
            self._bytes += change.size
            while len(self._changes) > self._limit or (
                self._bytes > self._max_bytes and len(self._changes) > 1
            ):
                self._bytes -= self._changes.popleft().size
        self.wake()

    def _record(self, ctx: Context, fields: dict[str, Any]) -> None:
        txn = ctx.txn
        if txn is None:
            self._append([fields])
            return
        lsid = ctx.body.get("lsid")
        fields["lsid"] = {"id": lsid["id"], "uid": _ANONYMOUS_UID} if lsid else None
        fields["txn_number"] = Int64(ctx.body.get("txnNumber", 0))
        _pending(txn).append(fields)

    def commit(self, txn: Transaction) -> None:
        """A transaction committed: its changes appear now, in order, at one cluster time."""
        pending = _pending(txn)
        if pending:
            self._append(pending, self.tick())
            pending.clear()

    def insert(self, ctx: Context, coll: str, doc: dict[str, Any]) -> None:
        self._record(
            ctx,
            {
                "op": "insert",
                "db": ctx.db,
                "coll": coll,
                "key": {"_id": doc["_id"]},
                "full": _encode(doc),
            },
        )

    def update(
        self,
        ctx: Context,
        coll: str,
        before: dict[str, Any],
        after: dict[str, Any],
        spec: Any,
        images: bool,
    ) -> None:
        """``spec``: the update (operators, replacement document or pipeline)."""
        if same(before, after):
            return  # matched, not modified: mongod logs nothing
        fields: dict[str, Any] = {"db": ctx.db, "coll": coll, "key": {"_id": after["_id"]}}
        if isinstance(spec, dict) and not any(key.startswith("$") for key in spec):
            fields.update(op="replace", full=_encode(after))
        else:
            fields.update(op="update", update=describe_update(before, after, spec))
            if images:
                fields["post"] = _encode(after)
        if images:
            fields["pre"] = _encode(before)
        self._record(ctx, fields)

    def delete(self, ctx: Context, coll: str, before: dict[str, Any], images: bool) -> None:
        fields: dict[str, Any] = {
            "op": "delete",
            "db": ctx.db,
            "coll": coll,
            "key": {"_id": before["_id"]},
        }
        if images:
            fields["pre"] = _encode(before)
        self._record(ctx, fields)

    def drop(self, db: str, coll: str) -> None:
        self._append([{"op": "drop", "db": db, "coll": coll}])

    def rename(self, db: str, source: str, target: str) -> None:
        self._append([{"op": "rename", "db": db, "coll": source, "to": target}])

    def drop_database(self, db: str, collections: list[str]) -> None:
        """mongod logs a drop of each collection, then the dropDatabase."""
        self._append(
            [{"op": "drop", "db": db, "coll": name} for name in collections]
            + [{"op": "dropDatabase", "db": db}]
        )


def records_images(store: Any) -> bool:
    """Whether the collection keeps pre- and post-images (changeStreamPreAndPostImages)."""
    option = collection_info(store).options.get("changeStreamPreAndPostImages")
    return isinstance(option, dict) and bool(option.get("enabled"))


def _pending(txn: Transaction) -> list[dict[str, Any]]:
    pending: list[dict[str, Any]] = txn.changes
    return pending


def _wall_time() -> datetime.datetime:
    now = datetime.datetime.now(datetime.timezone.utc)
    # BSON dates have millisecond precision.
    return now.replace(microsecond=now.microsecond // 1000 * 1000, tzinfo=None)


# -- updateDescription ------------------------------------------------------------------------

# Operators whose target mongod logs whole ($push appends are logged element by element,
# $unset as a removal; see mongod's push_node.cpp and the v2 oplog log builder).
_NOT_WHOLE = ("$push", "$unset")
_PUSH_REWRITES = ("$position", "$sort", "$slice")


def describe_update(before: dict[str, Any], after: dict[str, Any], spec: Any) -> dict[str, Any]:
    """The ``updateDescription`` mongod reports for an update from ``before`` to ``after``."""
    diff = _Diff(pipeline=isinstance(spec, list), whole=_whole_paths(spec))
    diff.document(before, after, "")
    return {
        "updatedFields": diff.updated,
        "removedFields": diff.removed,
        "truncatedArrays": diff.truncated,
    }


def _whole_paths(spec: Any) -> frozenset[str]:
    """The literal paths an operator update sets as a whole value."""
    if not isinstance(spec, dict):
        return frozenset()
    paths: set[str] = set()
    for operator, fields in spec.items():
        if not isinstance(fields, dict):
            continue
        for path, value in fields.items():
            if "$" in path:
                continue  # positional: the diff finds the element
            if operator == "$push":
                # $push with $position/$sort/$slice rewrites the array: logged whole.
                if isinstance(value, dict) and any(k in value for k in _PUSH_REWRITES):
                    paths.add(path)
            elif operator == "$rename":
                if isinstance(value, str):
                    paths.add(value)
            elif operator not in _NOT_WHOLE:
                paths.add(path)
    return frozenset(paths)


class _Diff:
    def __init__(self, pipeline: bool, whole: frozenset[str]) -> None:
        self.pipeline = pipeline
        self.whole = whole
        self.updated: dict[str, Any] = {}
        self.removed: list[str] = []
        self.truncated: list[dict[str, Any]] = []

    def document(self, before: dict[str, Any], after: dict[str, Any], prefix: str) -> None:
        for key, value in after.items():
            path = prefix + key
            if key not in before:
                self.updated[path] = value
            elif not same(before[key], value):
                self.value(before[key], value, path)
        for key in before:
            if key not in after:
                self.removed.append(prefix + key)

    def value(self, before: Any, after: Any, path: str) -> None:
        if path in self.whole:
            self.updated[path] = after
        elif isinstance(before, dict) and isinstance(after, dict):
            self.document(before, after, path + ".")
        elif isinstance(before, list) and isinstance(after, list):
            self.array(before, after, path)
        else:
            self.updated[path] = after

    def array(self, before: list[Any], after: list[Any], path: str) -> None:
        common = min(len(before), len(after))
        if self.pipeline:
            # computeArrayDiff: element by element, then appended elements or a resize.
            if len(before) > len(after):
                self.truncated.append({"field": path, "newSize": len(after)})
        elif len(before) != len(after):
            appended = before and len(after) > len(before)
            if not appended or not all(same(before[i], after[i]) for i in range(common)):
                self.updated[path] = after
                return
        for index in range(common):
            if not same(before[index], after[index]):
                self.value(before[index], after[index], f"{path}.{index}")
        for index in range(common, len(after)):
            self.updated[f"{path}.{index}"] = after[index]


def same(a: Any, b: Any) -> bool:
    """BSON equality: the same type and value (1, 1.0 and True all differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return bool(b != b)
    return bool(a == b)
