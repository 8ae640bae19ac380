"""Helpers the commands share: argument checks, names, filters, hints."""

from __future__ import annotations

import re
from typing import Any

import bson

from asynctestkit.mongo.server import _engine, _text
from asynctestkit.mongo.server._collation import Collation
from asynctestkit.mongo.server._collation import parse as parse_collation
from asynctestkit.mongo.server._engine import index_specs
from asynctestkit.mongo.server._errors import (
    BAD_VALUE,
    ILLEGAL_SORT_KEY,
    INVALID_NAMESPACE,
    NEGATIVE_VALUE,
    OPTION_NOT_SUPPORTED_ON_VIEW,
    TYPE_MISMATCH,
    CommandError,
    not_implemented,
)
from asynctestkit.mongo.server._registry import Context

_NAME_OK = re.compile(r"^[^\x00$/\\. \"]+$")


def check_db_name(db: str) -> None:
    if not db or not _NAME_OK.match(db) or len(db) >= 64:
        raise CommandError(INVALID_NAMESPACE, f"Invalid database name: '{db}'")


def coll_name(ctx: Context, body: dict[str, Any], command: str) -> str:
    value = body[command]
    if not isinstance(value, str):
        raise CommandError(
            INVALID_NAMESPACE,
            f"collection name has invalid type {type_name(value)}",
        )
    if not value or "\x00" in value or value.startswith(".") or "$" in value:
        raise CommandError(INVALID_NAMESPACE, f"Invalid namespace specified '{ctx.db}.{value}'")
    return value


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "long" if isinstance(value, bson.Int64) or value > 2**31 - 1 else "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return type(value).__name__


def int_field(body: dict[str, Any], command: str, name: str, default: int | None) -> int | None:
    value = body.get(name, default)
    if value is None or value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CommandError(
            TYPE_MISMATCH,
            f"BSON field '{command}.{name}' is the wrong type '{type_name(value)}', "
            "expected types '[long, int, decimal, double]'",
        )
    if value < 0:
        raise CommandError(
            NEGATIVE_VALUE, f"BSON field '{name}' value must be >= 0, actual value '{int(value)}'"
        )
    return int(value)


def doc_field(body: dict[str, Any], command: str, name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise CommandError(
            TYPE_MISMATCH,
            f"BSON field '{command}.{name}' is the wrong type '{type_name(value)}', "
            "expected type 'object'",
        )
    return value


def has_text(query: Any) -> bool:
    return isinstance(query, dict) and "$text" in query


def prepare_filter(ctx: Context, coll: str, query: dict[str, Any] | None) -> dict[str, Any]:
    """Rewrite what the engine lacks ($text) into what it has."""
    query = query or {}
    if has_text(query):
        query = _text.rewrite(ctx.collection(coll), ctx.coll_store(coll), ctx.ns(coll), query)
    return query


def check_projection(projection: Any) -> None:
    if isinstance(projection, dict):
        for value in projection.values():
            if isinstance(value, dict) and "$meta" in value:
                raise not_implemented(f"Projection {{$meta: {value['$meta']!r}}}")


def sort_list(sort: Any) -> list[tuple[str, Any]] | None:
    if not sort:
        return None
    if not isinstance(sort, dict):
        raise CommandError(
            TYPE_MISMATCH, f"Expected field sortto be of type object, got {type_name(sort)}"
        )
    out = []
    for key, direction in sort.items():
        if isinstance(direction, dict):
            raise not_implemented(f"Sort by {direction}")
        if direction not in (1, -1):
            raise CommandError(
                ILLEGAL_SORT_KEY, f"Illegal key in $sort specification: {key}: {direction}"
            )
        out.append((key, int(direction)))
    return out


def collation_for(ctx: Context, coll: str, spec: Any) -> Collation | None:
    """The operation's collation: its own, else the collection's default; None is binary.

    A view's collation is the only one its operations may use.
    """
    view = _engine.views(ctx.db_store()).get(coll)
    if view is not None:
        own = parse_collation(view.get("collation"))
        if spec is None or spec == {}:
            return own
        if parse_collation(spec) != own:
            raise CommandError(
                OPTION_NOT_SUPPORTED_ON_VIEW, "Cannot override a view's default collation"
            )
        return own
    if spec is None or spec == {}:
        if not ctx.exists(coll):
            return None
        spec = _engine.collection_info(ctx.coll_store(coll)).options.get("collation")
    return parse_collation(spec)


def check_hint(ctx: Context, coll: str, hint: Any) -> None:
    """A hint must name an existing index; it never changes results, so nothing else to do."""
    if hint is None or hint == {} or hint == "":
        return
    if not ctx.exists(coll):
        return
    specs = index_specs(ctx.coll_store(coll))
    if isinstance(hint, str):
        if any(spec["name"] == hint for spec in specs):
            return
    elif isinstance(hint, dict):
        if hint in ({"$natural": 1}, {"$natural": -1}):
            return
        if any(list(spec["key"].items()) == list(hint.items()) for spec in specs):
            return
    raise CommandError(BAD_VALUE, "hint provided does not correspond to an existing index")


def find_documents(
    ctx: Context,
    coll: str,
    query: dict[str, Any],
    collation: Collation | None,
    *,
    projection: dict[str, Any] | None = None,
    skip: int = 0,
    limit: int = 0,
    sort: list[tuple[str, Any]] | None = None,
) -> list[Any]:
    """``find`` on a collection, under the collation when there is one."""
    query = prepare_filter(ctx, coll, query)
    collection = ctx.collection(coll)
    try:
        if collation is None:
            return list(collection.find(query, projection, skip=skip, limit=limit, sort=sort))
        if not ctx.exists(coll):
            return []
        return _engine.collated_find(
            collection, ctx.coll_store(coll), collation, query, projection, skip, limit, sort
        )
    except Exception as exc:
        raise translate(exc, ctx, coll) from exc


def translate(exc: Exception, ctx: Context, coll: str) -> CommandError:
    """Map an engine exception to the error mongod gives for the same operation."""
    return _engine.translate(exc, ctx.ns(coll), lambda: ctx.coll_store(coll))
