"""Change streams: the ``$changeStream`` aggregate and its tailable, awaitData cursor.

``watch()`` on a collection, a database or the whole deployment sends ``aggregate`` with
``$changeStream`` first; the server answers with a cursor that never ends by itself
(until an ``invalidate``). Each ``getMore`` on it returns the events recorded in the
change log (``_changes``) since the cursor's position, through the stream's own pipeline;
when there are none it waits, up to ``maxTimeMS`` (the driver's ``maxAwaitTimeMS``,
default one second, as mongod), and answers as soon as an event arrives. The wait is a
:class:`Pending` reply: the connection answers it later and the server keeps serving
every other connection meanwhile.

Every reply carries ``postBatchResumeToken``: the token of the last event returned, or a
high-water mark past the events the stream's scope or ``$match`` skipped, so a driver
resumes after them.
"""

from __future__ import annotations

import asyncio
import random
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import bson
from bson.int64 import Int64
from bson.raw_bson import RawBSONDocument
from bson.timestamp import Timestamp

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._changes import (
    Change,
    Token,
    decode_token,
    same,
)
from asynctestkit.mongo.server._errors import (
    BAD_VALUE,
    CHANGE_STREAM_FATAL_ERROR,
    COMMAND_NOT_SUPPORTED_ON_VIEW,
    CURSOR_KILLED,
    CURSOR_NOT_FOUND,
    FAILED_TO_PARSE,
    ILLEGAL_OPERATION,
    INTERNAL_ERROR,
    INVALID_NAMESPACE,
    INVALID_OPTIONS,
    INVALID_RESUME_TOKEN,
    NO_MATCHING_DOCUMENT,
    OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
    STAGE_NOT_A_DOCUMENT,
    STAGE_NOT_FIRST,
    TWO_RESUME_OPTIONS,
    UNAUTHORIZED,
    CommandError,
    mongod_repr,
    not_implemented,
    unknown_field,
)
from asynctestkit.mongo.server._wire import CODEC_OPTIONS

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend
    from asynctestkit.mongo.server._registry import Context

#: How long a getMore waits for events when the driver sets no maxAwaitTimeMS (mongod's).
DEFAULT_AWAIT_MS = 1000
# mongod never puts more than 16 MiB of events in one batch.
_MAX_BATCH_BYTES = 16 * 1024 * 1024


_STAGE_FIELDS = frozenset(
    {
        "fullDocument",
        "fullDocumentBeforeChange",
        "resumeAfter",
        "startAfter",
        "startAtOperationTime",
        "allChangesForCluster",
        "showExpandedEvents",
        "allowToRunOnConfigDB",
        "allowToRunOnSystemNS",
        "showSystemEvents",
        "showRawUpdateDescription",
    }
)
_FULL_DOCUMENT = ("default", "updateLookup", "whenAvailable", "required")
_BEFORE_CHANGE = ("off", "whenAvailable", "required")
# Stages mongod allows after $changeStream.
_ALLOWED_STAGES = frozenset(
    {
        "$match",
        "$project",
        "$addFields",
        "$set",
        "$unset",
        "$replaceRoot",
        "$replaceWith",
        "$redact",
        "$changeStreamSplitLargeEvent",
    }
)
_INTERNAL_DATABASES = ("admin", "config", "local")

_ID_MODIFIED = (
    "Encountered an event whose _id field, which contains the resume token, was modified by "
    "the pipeline. Modifying the _id field of an event makes it impossible to resume the "
    "stream from that point. Only transformations that retain the unmodified _id field are "
    "allowed. Expected: {expected} but found: {found}"
)
_NO_PRE_IMAGE = (
    "Change stream was configured to require a pre-image for all update, delete and replace "
    "events, but the pre-image was not found for event: {event}"
)
_NO_POST_IMAGE = (
    "Change stream was configured to require a post-image for all update events, but the "
    "post-image was not found for event: {event}"
)
_RESUME_FROM_INVALIDATE = (
    "Attempting to resume a change stream using 'resumeAfter' is not allowed from an "
    "invalidate notification."
)


class Pending:
    """A reply that is not ready yet; the connection awaits :meth:`reply` and sends it."""

    def __init__(self, produce: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        self._produce = produce

    async def reply(self) -> dict[str, Any]:
        """The reply; errors become mongod's error replies, as for any command."""
        try:
            return await self._produce()
        except CommandError as exc:
            return exc.reply()
        except Exception as exc:  # an engine bug must not kill the connection
            return CommandError(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}").reply()


@dataclass
class _Stream:
    """One change stream cursor: its scope, options, pipeline and position in the log."""

    ns: str
    db: str | None  # None: the whole deployment
    coll: str | None  # None: every collection of ``db``
    pipeline: list[dict[str, Any]]
    full_document: str
    before_change: str
    position: int
    lsid: bytes | None
    # resumeAfter the token of an event that invalidates this stream: invalidate at once.
    invalidate_first: Change | None = None
    waiting: bool = False
    killed: bool = False

    def sees(self, change: Change) -> bool:
        """Whether the change is in this stream's scope (mongod's oplog filter)."""
        if self.db is None:
            if change.db in _INTERNAL_DATABASES:
                return False
        elif change.db != self.db:
            return False
        if change.op == "dropDatabase":
            return self.coll is None
        if change.coll is not None and change.coll.startswith("system."):
            return False
        if self.coll is None:
            return True
        return self.coll in (change.coll, change.to)

    def invalidated_by(self, change: Change) -> bool:
        if self.db is None:
            return False
        if self.coll is None:
            return change.op == "dropDatabase"
        return change.op in ("drop", "rename")


class Streams:
    """The open change stream cursors of one server."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._cursors: dict[int, _Stream] = {}

    def __len__(self) -> int:
        return len(self._cursors)

    def __contains__(self, cursor_id: int) -> bool:
        return cursor_id in self._cursors

    # -- aggregate ----------------------------------------------------------------------

    def open(
        self, ctx: Context, body: dict[str, Any], pipeline: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Answer ``aggregate`` whose pipeline starts with ``$changeStream``."""
        spec = pipeline[0]["$changeStream"]
        if not isinstance(spec, dict):
            raise CommandError(
                STAGE_NOT_A_DOCUMENT, "$changeStream stage expects a document as argument"
            )
        for key in spec:
            if key not in _STAGE_FIELDS:
                raise unknown_field("$changeStream", key)
        if ctx.txn is not None:
            raise CommandError(
                OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
                "Operation not permitted in transaction :: caused by :: "
                "$changeStream is not allowed in a multi-document transaction",
            )
        for stage in pipeline[1:]:
            name = next(iter(stage))
            if name == "$changeStream":
                raise CommandError(
                    STAGE_NOT_FIRST, "$changeStream is only valid as the first stage in a pipeline."
                )
            if name not in _ALLOWED_STAGES:
                raise CommandError(
                    ILLEGAL_OPERATION, f"{name} is not permitted in a $changeStream pipeline"
                )
            if name == "$changeStreamSplitLargeEvent":
                raise not_implemented("$changeStreamSplitLargeEvent")
        if spec.get("showExpandedEvents"):
            raise not_implemented("$changeStream with showExpandedEvents")
        db, coll, ns = self._scope(ctx, body, spec)
        full_document = _choice(spec, "fullDocument", _FULL_DOCUMENT)
        before_change = _choice(spec, "fullDocumentBeforeChange", _BEFORE_CHANGE)
        stream = _Stream(
            ns=ns,
            db=db,
            coll=coll,
            pipeline=pipeline[1:],
            full_document=full_document,
            before_change=before_change,
            position=0,
            lsid=ctx.lsid,
        )
        self._start(stream, spec)
        cursor_opts = body.get("cursor") or {}
        batch_size = cursor_opts.get("batchSize")
        batch, token, open_ = self._collect(stream, None if batch_size is None else int(batch_size))
        cursor_id = 0
        if open_:
            cursor_id = random.getrandbits(62) + 1
            self._cursors[cursor_id] = stream
        cursor = {
            "firstBatch": batch,
            "postBatchResumeToken": token.document(),
            "id": Int64(cursor_id),
            "ns": ns,
        }
        return {"cursor": cursor, "ok": 1.0}

    def _scope(
        self, ctx: Context, body: dict[str, Any], spec: dict[str, Any]
    ) -> tuple[str | None, str | None, str]:
        target = body["aggregate"]
        everything = bool(spec.get("allChangesForCluster"))
        if everything and (ctx.db != "admin" or target != 1):
            where = f"{ctx.db}.{target}" if target != 1 else f"{ctx.db}.$cmd.aggregate"
            raise CommandError(
                INVALID_OPTIONS,
                "A $changeStream with 'allChangesForCluster:true' may only be opened on the "
                f"'admin' database, and with no collection name; found {where}",
            )
        if (ctx.db == "admin" and not everything) or ctx.db in ("config", "local"):
            raise CommandError(
                INVALID_NAMESPACE,
                f"$changeStream may not be opened on the internal {ctx.db} database",
            )
        if everything:
            return None, None, "admin.$cmd.aggregate"
        if target == 1:
            return ctx.db, None, f"{ctx.db}.$cmd.aggregate"
        if not isinstance(target, str) or not target:
            raise CommandError(
                INVALID_NAMESPACE, f"Invalid namespace specified '{ctx.db}.{target}'"
            )
        if target.startswith("system."):
            raise CommandError(
                INVALID_NAMESPACE,
                f"$changeStream may not be opened on the internal {ctx.db}.{target} collection",
            )
        if target in _engine.views(ctx.db_store()):
            raise CommandError(
                COMMAND_NOT_SUPPORTED_ON_VIEW,
                f"Namespace {ctx.db}.{target} is a view, not a collection",
            )
        return ctx.db, target, f"{ctx.db}.{target}"

    def _start(self, stream: _Stream, spec: dict[str, Any]) -> None:
        """Set the stream's position from resumeAfter, startAfter or startAtOperationTime."""
        log = self._backend.changes
        given = [k for k in ("resumeAfter", "startAfter", "startAtOperationTime") if k in spec]
        if len(given) > 1:
            raise CommandError(
                TWO_RESUME_OPTIONS,
                "Only one type of resume option is allowed, but multiple were found.",
            )
        if not given:
            # A new stream starts just after the latest change (one tick beyond it).
            stream.position = log.seq
            return
        option = given[0]
        if option == "startAtOperationTime":
            stamp = spec[option]
            if not isinstance(stamp, Timestamp):
                raise CommandError(
                    FAILED_TO_PARSE,
                    "BSON field '$changeStream.startAtOperationTime' is the wrong type, "
                    "expected type 'timestamp'",
                )
            stream.position = log.position_at(stamp)
            return
        token = decode_token(spec[option], option)
        if token.is_invalidate and option == "resumeAfter":
            raise CommandError(INVALID_RESUME_TOKEN, _RESUME_FROM_INVALIDATE)
        stream.position = log.resolve(token)
        change = log.get(token.seq)
        if (
            option == "resumeAfter"
            and change is not None
            and not token.is_high_water_mark
            and stream.sees(change)
            and stream.invalidated_by(change)
        ):
            stream.invalidate_first = change

    # -- getMore ------------------------------------------------------------------------

    def get_more(
        self, cursor_id: int, collection: str, db: str, batch_size: int | None, await_ms: Any
    ) -> Pending | dict[str, Any]:
        """The next batch now, or a :class:`Pending` reply that waits for events."""
        stream = self._cursors.get(cursor_id)
        if stream is None:
            raise CommandError(CURSOR_NOT_FOUND, f"cursor id {cursor_id} not found")
        expected = stream.ns.split(".", 1)[1]
        if collection != expected or db != stream.ns.split(".", 1)[0]:
            raise CommandError(
                UNAUTHORIZED,
                f"Requested getMore on namespace '{db}.{collection}', "
                f"but cursor belongs to a different namespace {stream.ns}",
            )
        if stream.waiting:
            raise CommandError(BAD_VALUE, f"Cursor id {cursor_id} is already in use")
        reply = self._next_batch(cursor_id, stream, batch_size)
        if reply["cursor"]["nextBatch"] or not reply["cursor"]["id"]:
            return reply
        wait_ms = DEFAULT_AWAIT_MS if await_ms is None else int(await_ms)
        if wait_ms <= 0:
            return reply
        stream.waiting = True
        return Pending(lambda: self._wait(cursor_id, stream, batch_size, wait_ms / 1000))

    async def _wait(
        self, cursor_id: int, stream: _Stream, batch_size: int | None, seconds: float
    ) -> dict[str, Any]:
        log = self._backend.changes
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        try:
            while True:
                remaining = deadline - loop.time()
                future = log.waiter()
                try:
                    if remaining > 0:
                        await asyncio.wait({future}, timeout=remaining)
                finally:
                    log.discard(future)
                if stream.killed:
                    raise CommandError(
                        CURSOR_KILLED,
                        "Operation was interrupted because the cursor was killed",
                    )
                reply = self._next_batch(cursor_id, stream, batch_size)
                if reply["cursor"]["nextBatch"] or not reply["cursor"]["id"]:
                    return reply
                if loop.time() >= deadline:
                    return reply
        finally:
            stream.waiting = False

    def _next_batch(
        self, cursor_id: int, stream: _Stream, batch_size: int | None
    ) -> dict[str, Any]:
        batch, token, open_ = self._collect(stream, batch_size or None)
        if not open_:
            self._cursors.pop(cursor_id, None)
            cursor_id = 0
        cursor = {
            "nextBatch": batch,
            "postBatchResumeToken": token.document(),
            "id": Int64(cursor_id),
            "ns": stream.ns,
        }
        return {"cursor": cursor, "ok": 1.0}

    # -- killCursors and sessions --------------------------------------------------------

    def kill(self, cursor_id: int) -> bool:
        stream = self._cursors.pop(cursor_id, None)
        if stream is None:
            return False
        stream.killed = True
        if stream.waiting:
            self._backend.changes.wake()
        return True

    def kill_session(self, lsid: bytes) -> None:
        for cursor_id in [i for i, s in self._cursors.items() if s.lsid == lsid]:
            self.kill(cursor_id)

    # -- events ---------------------------------------------------------------------------

    def _collect(
        self, stream: _Stream, limit: int | None
    ) -> tuple[list[RawBSONDocument], Token, bool]:
        """(events, postBatchResumeToken, cursor still open) from the stream's position."""
        log = self._backend.changes
        batch: list[RawBSONDocument] = []
        size = 0
        if stream.invalidate_first is not None:
            change, stream.invalidate_first = stream.invalidate_first, None
            raw = RawBSONDocument(bson.encode(change.invalidate_event()))
            return [raw], change.token(1), False
        token = log.high_water_mark(stream.position)
        if limit == 0:
            return batch, token, True
        with warnings.catch_warnings():
            # The engine warns about what it ignores; under -W error that would fail.
            warnings.simplefilter("ignore")
            for change in log.since(stream.position):
                stream.position = change.seq
                token = log.high_water_mark(change.seq)
                if not stream.sees(change):
                    continue
                for event in self._outputs(stream, change):
                    raw = RawBSONDocument(bson.encode(event))
                    batch.append(raw)
                    size += len(raw.raw)
                    token = change.token()
                if stream.invalidated_by(change):
                    batch.append(RawBSONDocument(bson.encode(change.invalidate_event())))
                    return batch, change.token(1), False
                if (limit is not None and len(batch) >= limit) or size > _MAX_BATCH_BYTES:
                    break
        return batch, token, True

    def _outputs(self, stream: _Stream, change: Change) -> list[dict[str, Any]]:
        event = change.event()
        if change.op in ("update", "replace", "delete") and stream.before_change != "off":
            event["fullDocumentBeforeChange"] = self._image(
                change.pre, stream.before_change, _NO_PRE_IMAGE, event
            )
        if change.op == "update" and stream.full_document != "default":
            if stream.full_document == "updateLookup":
                event["fullDocument"] = self._lookup(change)
            else:
                event["fullDocument"] = self._image(
                    change.post, stream.full_document, _NO_POST_IMAGE, event
                )
        if not stream.pipeline:
            return [event]
        expected = event["_id"]
        database = self._backend.engine.client[change.db]
        outputs = _engine.transform([event], database, stream.pipeline)
        for output in outputs:
            found = output.get("_id", _engine.NOTHING) if isinstance(output, dict) else None
            if found is _engine.NOTHING or not same(found, expected):
                raise CommandError(
                    CHANGE_STREAM_FATAL_ERROR,
                    _ID_MODIFIED.format(
                        expected=mongod_repr(expected),
                        found=mongod_repr(found) if found is not _engine.NOTHING else "missing",
                    ),
                )
        return list(outputs)

    def _image(
        self, raw: bytes | None, mode: str, message: str, event: dict[str, Any]
    ) -> dict[str, Any] | None:
        if raw is not None:
            return bson.decode(raw, CODEC_OPTIONS)
        if mode == "required":
            shown = {k: event[k] for k in ("_id", "operationType", "ns") if k in event}
            raise CommandError(NO_MATCHING_DOCUMENT, message.format(event=mongod_repr(shown)))
        return None

    def _lookup(self, change: Change) -> dict[str, Any] | None:
        """fullDocument: "updateLookup": the document as it is now (None: gone)."""
        assert change.coll is not None
        return _engine.find_by_key(self._backend.engine, change.db, change.coll, change.key)


def _choice(spec: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = spec.get(name, choices[0])
    if value not in choices:
        raise CommandError(
            BAD_VALUE,
            f"Enumeration value '{value}' for field '$changeStream.{name}' is not a valid value.",
        )
    return str(value)
