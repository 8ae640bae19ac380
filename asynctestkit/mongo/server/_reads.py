"""Reads: find, getMore, killCursors, count, distinct."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bson
from bson.objectid import ObjectId

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._aggregation import resolve_view, run_aggregate
from asynctestkit.mongo.server._args import (
    check_hint,
    check_projection,
    coll_name,
    collation_for,
    doc_field,
    find_documents,
    int_field,
    sort_list,
    type_name,
)
from asynctestkit.mongo.server._collation import unwrap
from asynctestkit.mongo.server._engine import NOTHING, views
from asynctestkit.mongo.server._errors import (
    MISSING_FIELD,
    TYPE_MISMATCH,
    CommandError,
    not_implemented,
)
from asynctestkit.mongo.server._registry import Context, command

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend

_FIND_FIELDS = (
    "filter",
    "projection",
    "sort",
    "hint",
    "skip",
    "limit",
    "batchSize",
    "singleBatch",
    "max",
    "min",
    "returnKey",
    "showRecordId",
    "tailable",
    "oplogReplay",
    "noCursorTimeout",
    "awaitData",
    "allowPartialResults",
    "collation",
    "allowDiskUse",
    "let",
    "readOnce",
    "term",
)


@command("find", fields=_FIND_FIELDS)
def _find(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = coll_name(ctx, body, "find")
    query = doc_field(body, "find", "filter") or {}
    projection = doc_field(body, "find", "projection")
    check_projection(projection)
    sort = sort_list(doc_field(body, "find", "sort"))
    skip = int_field(body, "find", "skip", 0) or 0
    limit = int_field(body, "find", "limit", 0) or 0
    batch_size = int_field(body, "find", "batchSize", None)
    for option in ("max", "min", "returnKey", "showRecordId", "tailable", "awaitData"):
        if body.get(option):
            raise not_implemented(f"find with '{option}'")
    if body.get("let"):
        raise not_implemented("find with 'let' variables")
    collation = collation_for(ctx, name, body.get("collation"))
    ns = ctx.ns(name)
    if name in views(ctx.db_store()):
        pipeline: list[dict[str, Any]] = [{"$match": query}] if query else []
        if sort:
            pipeline.append({"$sort": dict(sort)})
        if skip:
            pipeline.append({"$skip": skip})
        if limit:
            pipeline.append({"$limit": limit})
        if projection:
            pipeline.append({"$project": projection})
        source, full = resolve_view(ctx, name, pipeline)
        docs = run_aggregate(ctx, source, full, collation)
    else:
        check_hint(ctx, name, body.get("hint"))
        by_id = None
        # A collation changes only how strings compare: an ObjectId or number _id is still
        # a key lookup.
        if not (projection or skip) and (collation is None or not _has_string(query)):
            by_id = _find_by_id(ctx, name, query)
        if by_id is not None:
            docs = by_id
        else:
            docs = find_documents(
                ctx,
                name,
                query,
                collation,
                projection=projection,
                skip=skip,
                limit=limit,
                sort=sort,
            )
    single = bool(body.get("singleBatch")) or (
        limit and batch_size is not None and batch_size >= limit
    )
    cursor = backend.cursors.open(ns, docs, batch_size, single_batch=bool(single), lsid=ctx.lsid)
    return {"cursor": cursor, "ok": 1.0}


# _id types whose dict lookup matches exactly what MongoDB's equality matches (bool is
# excluded: True == 1 in Python, not in MongoDB).
_ID_FAST_TYPES = (str, int, bson.Int64, ObjectId)


def _has_string(query: dict[str, Any]) -> bool:
    return any(isinstance(value, str) for value in query.values())


def _find_by_id(ctx: Context, name: str, query: dict[str, Any]) -> list[Any] | None:
    """``{_id: value}`` is a key lookup; the engine would scan every document."""
    if len(query) != 1 or "_id" not in query:
        return None
    value = query["_id"]
    if type(value) not in _ID_FAST_TYPES:
        return None
    db_store = ctx.db_store()
    if name not in _engine.entry_names(db_store):
        return []
    doc = _engine.document_by_id(db_store[name], value)
    return [] if doc is None else [doc]


@command("getMore", fields=("collection", "batchSize", "term", "lastKnownCommittedOpTime"))
def _get_more(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    cursor_id = body["getMore"]
    if isinstance(cursor_id, bool) or not isinstance(cursor_id, int):
        raise CommandError(
            TYPE_MISMATCH,
            f"BSON field 'getMore.getMore' is the wrong type '{type_name(cursor_id)}', "
            "expected type 'long'",
        )
    collection = body.get("collection")
    if not isinstance(collection, str):
        raise CommandError(
            MISSING_FIELD, "BSON field 'getMore.collection' is missing but a required field"
        )
    batch_size = int_field(body, "getMore", "batchSize", None)
    if int(cursor_id) in backend.streams:
        # A change stream: maxTimeMS is how long to wait for events (maxAwaitTimeMS).
        return backend.streams.get_more(  # type: ignore[return-value]
            int(cursor_id), collection, ctx.db, batch_size, body.get("maxTimeMS")
        )
    cursor = backend.cursors.get_more(int(cursor_id), collection, ctx.db, batch_size)
    return {"cursor": cursor, "ok": 1.0}


@command("killCursors", fields=("cursors",))
def _kill_cursors(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    ids = body.get("cursors")
    if not isinstance(ids, list):
        raise CommandError(
            MISSING_FIELD, "BSON field 'killCursors.cursors' is missing but a required field"
        )
    streams = [int(i) for i in ids if backend.streams.kill(int(i))]
    killed, missing = backend.cursors.kill(int(i) for i in ids if int(i) not in streams)
    killed += streams
    return {
        "cursorsKilled": [bson.Int64(i) for i in killed],
        "cursorsNotFound": [bson.Int64(i) for i in missing],
        "cursorsAlive": [],
        "cursorsUnknown": [],
        "ok": 1.0,
    }


@command("count", fields=("query", "limit", "skip", "hint", "collation", "fields"))
def _count(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = coll_name(ctx, body, "count")
    query = doc_field(body, "count", "query") or {}
    collation = collation_for(ctx, name, body.get("collation"))
    skip = int_field(body, "count", "skip", 0) or 0
    limit = body.get("limit", 0) or 0
    limit = abs(int(limit))
    if name in views(ctx.db_store()):
        pipeline: list[dict[str, Any]] = [{"$match": query}] if query else []
        source, full = resolve_view(ctx, name, pipeline)
        n = len(run_aggregate(ctx, source, full, collation))
    elif not ctx.exists(name):
        n = 0
    else:
        check_hint(ctx, name, body.get("hint"))
        n = len(find_documents(ctx, name, query, collation))
    n = max(n - skip, 0)
    if limit:
        n = min(n, limit)
    return {"n": n, "ok": 1.0}


@command("distinct", fields=("key", "query", "collation", "hint"))
def _distinct(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = coll_name(ctx, body, "distinct")
    key = body.get("key")
    if not isinstance(key, str):
        raise CommandError(
            MISSING_FIELD, "BSON field 'distinct.key' is missing but a required field"
        )
    query = doc_field(body, "distinct", "query") or {}
    collation = collation_for(ctx, name, body.get("collation"))
    if name in views(ctx.db_store()):
        pipeline: list[dict[str, Any]] = [{"$match": query}] if query else []
        source, full = resolve_view(ctx, name, pipeline)
        docs = run_aggregate(ctx, source, full, collation)
    else:
        docs = find_documents(ctx, name, query, collation)
    if collation is not None:
        # Values equal under the collation are one value: compare them collated.
        return {"values": unwrap(_distinct_values(collation.wrap(docs), key)), "ok": 1.0}
    return {"values": _distinct_values(docs, key), "ok": 1.0}


def _distinct_values(docs: list[dict[str, Any]], key: str) -> list[Any]:
    get_value_by_dot = _engine.value_by_dot
    values: list[Any] = []
    seen: list[Any] = []
    for doc in docs:
        try:
            value = get_value_by_dot(doc, key)
        except (KeyError, IndexError, TypeError):
            continue
        if value is NOTHING:
            continue
        for item in value if isinstance(value, list) else [value]:
            marker = (type(item).__name__ if isinstance(item, (bool, dict, list)) else "", item)
            if marker not in seen:
                seen.append(marker)
                values.append(item)
    # mongod collects the values in a set ordered by BSON comparison.
    return sorted(values, key=_engine.bson_order)


# -- indexes -----------------------------------------------------------------------------------
