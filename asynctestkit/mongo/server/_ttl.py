"""mongod's TTL monitor: passes that delete the expired documents of TTL indexes.

mongod deletes a document of a TTL index (``expireAfterSeconds``) once the indexed date is
``expireAfterSeconds`` in the past — not at that moment, but at the next pass of its TTL
monitor, which wakes every 60 seconds. The embedded server does the same:

- a pass deletes every document whose indexed field holds a date (in an array of dates,
  the earliest) at or before ``now - expireAfterSeconds``; documents without the field or
  with no date in it never expire; a partial TTL index only expires documents matching
  its ``partialFilterExpression``; compound and special (text, 2dsphere, hashed) indexes
  are not TTL indexes; ``collMod`` changes ``expireAfterSeconds`` for the next pass;
  time series and clustered collections with ``expireAfterSeconds`` expire by their time
  field and ``_id`` (document by document, where mongod removes whole buckets);
- a pass runs every :data:`TTL_MONITOR_SLEEP_SECONDS` on the server's own loop (mongod's
  ``ttlMonitorSleepSecs`` default), over every database;
- ``asynctestkitTTLMonitor`` (the toolkit's own command, which mongod does not have) runs
  a pass over one database now and, with ``advance: <seconds>``, first moves that
  database's TTL clock forward: the time the monitor compares dates with is the wall
  clock plus the seconds advanced, per database, so an hour of TTL takes a millisecond
  and parallel test classes never move each other's clock. ``asynctestkitRestore`` puts
  the clock back with the data.

Expired documents are deleted as mongod deletes them: change streams see ``delete`` events.
"""

from __future__ import annotations

import asyncio
import calendar
import datetime
import math
from typing import TYPE_CHECKING, Any

from bson.datetime_ms import DatetimeMS

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._changes import records_images
from asynctestkit.mongo.server._errors import (
    BAD_VALUE,
    CommandError,
)
from asynctestkit.mongo.server._registry import Context, command

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend

#: Seconds between two passes of the background monitor (mongod's ttlMonitorSleepSecs).
TTL_MONITOR_SLEEP_SECONDS = 60.0

_BAD_ADVANCE = (
    "asynctestkitTTLMonitor.advance = {value!r} is not valid: it must be a number of seconds "
    ">= 0 to move this database's TTL clock by."
)


class TTLMonitor:
    """The TTL clocks of the databases, and the passes that expire documents."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._offsets: dict[str, float] = {}
        self._timer: asyncio.TimerHandle | None = None

    # -- clocks -------------------------------------------------------------------------

    def now_ms(self, db: str) -> int:
        """The time (ms since the epoch) the monitor compares ``db``'s dates with."""
        now = datetime.datetime.now(datetime.timezone.utc).timestamp()
        return int((now + self._offsets.get(db, 0.0)) * 1000)

    def advance(self, db: str, seconds: float) -> None:
        self._offsets[db] = self._offsets.get(db, 0.0) + seconds

    def reset(self, db: str) -> None:
        """Back to the wall clock (the database was restored or dropped)."""
        self._offsets.pop(db, None)

    # -- passes -------------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Run a pass every TTL_MONITOR_SLEEP_SECONDS on ``loop`` (the server's)."""
        self._timer = loop.call_later(TTL_MONITOR_SLEEP_SECONDS, self._background, loop)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _background(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            for db in sorted(_engine.created_database_names(self._backend.engine.store)):
                self.run(db)
        finally:
            self.start(loop)

    def run(self, db: str) -> int:
        """One pass over ``db``: delete what expired; return how many documents."""
        backend = self._backend
        ctx = backend.context(db, None, 0, "", {})
        now_ms = self.now_ms(db)
        deleted = 0
        for name in _engine.created_collection_names(ctx.db_store()):
            if name.startswith("system."):
                continue
            store = ctx.coll_store(name)
            for path, seconds, partial in _ttl_rules(store):
                deleted += self._expire(ctx, name, store, path, seconds, partial, now_ms)
        return deleted

    def _expire(
        self,
        ctx: Context,
        name: str,
        store: Any,
        path: str,
        seconds: int,
        partial: dict[str, Any] | None,
        now_ms: int,
    ) -> int:
        limit = now_ms - seconds * 1000
        documents = _engine.documents(store)
        expired = [
            key
            for key, doc in documents.items()
            if (earliest := _earliest_date_ms(doc, path)) is not None
            and earliest <= limit
            and (partial is None or _engine.filter_applies(partial, doc))
        ]
        if not expired:
            return 0
        images = records_images(store)
        for key in expired:
            doc = documents.pop(key)
            self._backend.changes.delete(ctx, name, doc, images)
        self._backend.wrote(ctx, name)
        return len(expired)


def _ttl_rules(store: Any) -> list[tuple[str, int, dict[str, Any] | None]]:
    """(date path, expireAfterSeconds, partial filter) of each TTL index of a collection."""
    rules: list[tuple[str, int, dict[str, Any] | None]] = []
    info = _engine.collection_info(store)
    seconds = _seconds(info.options.get("expireAfterSeconds"))
    if seconds is not None:
        timeseries = info.options.get("timeseries")
        if isinstance(timeseries, dict) and isinstance(timeseries.get("timeField"), str):
            rules.append((timeseries["timeField"], seconds, None))
        elif "clusteredIndex" in info.options:
            rules.append(("_id", seconds, None))
    for spec in info.indexes:
        seconds = _seconds(spec.get("expireAfterSeconds"))
        key = spec.get("key") or {}
        if seconds is None or len(key) != 1:
            continue
        (path, direction), *_ = key.items()
        if isinstance(direction, bool) or not isinstance(direction, (int, float)):
            continue  # text, 2dsphere, hashed...: mongod skips special indexes
        partial = spec.get("partialFilterExpression")
        rules.append((path, seconds, partial if isinstance(partial, dict) else None))
    return rules


def _seconds(value: Any) -> int | None:
    """expireAfterSeconds as mongod's monitor reads it (a number, not NaN; truncated)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return int(value)


def _earliest_date_ms(doc: Any, path: str) -> int | None:
    """The earliest date at ``path`` (array elements included), in ms; None: no date."""
    dates = [ms for value in _values(doc, path.split(".")) if (ms := _date_ms(value)) is not None]
    return min(dates) if dates else None


def _values(value: Any, parts: list[str]) -> list[Any]:
    """Every value at a dotted path, through arrays, as an index's keys would be."""
    if not parts:
        return list(value) if isinstance(value, list) else [value]
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict):
        return _values(value[head], rest) if head in value else []
    if isinstance(value, list):
        found: list[Any] = []
        if head.isdigit() and int(head) < len(value):
            found.extend(_values(value[int(head)], rest))
        for item in value:
            if isinstance(item, dict):
                found.extend(_values(item, parts))
        return found
    return []


def _date_ms(value: Any) -> int | None:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            return calendar.timegm(value.timetuple()) * 1000 + value.microsecond // 1000
        return int(value.timestamp() * 1000)
    if isinstance(value, DatetimeMS):
        return int(value)
    return None


@command("asynctestkitTTLMonitor", fields=("advance",))
def _ttl_monitor(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    """One TTL pass over this database now, after moving its TTL clock by ``advance``."""
    seconds = body.get("advance", 0)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise CommandError(BAD_VALUE, _BAD_ADVANCE.format(value=seconds))
    if seconds:
        backend.ttl.advance(ctx.db, float(seconds))
    deleted = backend.ttl.run(ctx.db)
    return {"deleted": deleted, "ok": 1.0}
