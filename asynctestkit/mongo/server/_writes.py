"""Writes: insert, update, delete, findAndModify."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bson.objectid import ObjectId

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._aggregation import check_pipeline
from asynctestkit.mongo.server._args import (
    check_hint,
    check_projection,
    coll_name,
    collation_for,
    doc_field,
    find_documents,
    prepare_filter,
    sort_list,
    translate,
    type_name,
)
from asynctestkit.mongo.server._changes import records_images
from asynctestkit.mongo.server._collation import Collation
from asynctestkit.mongo.server._errors import (
    FAILED_TO_PARSE,
    INVALID_ID_FIELD,
    INVALID_LENGTH,
    INVALID_OPTIONS,
    MISSING_FIELD,
    TYPE_MISMATCH,
    CommandError,
    not_implemented,
    unknown_field,
)
from asynctestkit.mongo.server._info import MAX_WRITE_BATCH_SIZE
from asynctestkit.mongo.server._registry import Context, command

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend


def _write_reply(n: int, errors: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    reply: dict[str, Any] = {"n": n}
    reply.update(extra)
    if errors:
        reply["writeErrors"] = errors
    reply["ok"] = 1.0
    return reply


def _statements(body: dict[str, Any], command: str, field_name: str) -> list[Any]:
    value = body.get(field_name)
    if value is None:
        raise CommandError(
            MISSING_FIELD, f"BSON field '{command}.{field_name}' is missing but a required field"
        )
    if not isinstance(value, list):
        raise CommandError(
            TYPE_MISMATCH,
            f"BSON field '{command}.{field_name}' is the wrong type '{type_name(value)}', "
            "expected type 'array'",
        )
    if not value or len(value) > MAX_WRITE_BATCH_SIZE:
        raise CommandError(
            INVALID_LENGTH,
            f"Write batch sizes must be between 1 and {MAX_WRITE_BATCH_SIZE}. "
            f"Got {len(value)} operations.",
        )
    return value


def check_document(doc: Any) -> None:
    if not isinstance(doc, dict):
        raise CommandError(TYPE_MISMATCH, "documents must be objects")
    if isinstance(doc.get("_id"), list):
        raise CommandError(INVALID_ID_FIELD, "The '_id' value cannot be of type array")


@command("insert", fields=("documents", "ordered", "bypassDocumentValidation"))
def _insert(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = coll_name(ctx, body, "insert")
    docs = _statements(body, "insert", "documents")
    ordered = body.get("ordered", True)
    backend.will_write(ctx, name)
    collection = ctx.collection(name)
    validate = not body.get("bypassDocumentValidation", False)
    errors: list[dict[str, Any]] = []
    n = 0
    try:
        for index, doc in enumerate(docs):
            try:
                check_document(doc)
                if "_id" not in doc:
                    # mongod puts a generated _id first.
                    doc = {"_id": ObjectId(), **doc}
                stored = _engine.insert(collection, doc, validate=validate)
                backend.changes.insert(ctx, name, stored)
                n += 1
            except Exception as exc:
                errors.append(translate(exc, ctx, name).write_error(index))
                if ordered:
                    break
    finally:
        if n:
            # The first insert creates the collection; emptied later, it still exists.
            _engine.mark_created(ctx.coll_store(name))
        backend.wrote(ctx, name)
    return _write_reply(n, errors)


def _is_replacement(update: Any) -> bool:
    return isinstance(update, dict) and not any(k.startswith("$") for k in update)


def _check_update(update: Any) -> None:
    if isinstance(update, list):
        check_pipeline(update, "update")
        for stage in update:
            name = next(iter(stage))
            if name not in (
                "$addFields",
                "$set",
                "$project",
                "$unset",
                "$replaceRoot",
                "$replaceWith",
            ):
                raise CommandError(
                    INVALID_OPTIONS,
                    f"{name} is not allowed to be used within an update",
                )
        return
    if not isinstance(update, dict):
        raise CommandError(TYPE_MISMATCH, "Update argument must be either an object or an array")
    keys = list(update)
    if keys and keys[0].startswith("$"):
        for key in keys:
            if not key.startswith("$"):
                raise CommandError(
                    FAILED_TO_PARSE,
                    _UNKNOWN_MODIFIER.format(key=key),
                )
            if key not in _UPDATE_OPERATORS:
                raise CommandError(
                    FAILED_TO_PARSE,
                    _UNKNOWN_MODIFIER.format(key=key),
                )
            if update[key] == {}:
                continue
    else:
        check_document(update)


_UNKNOWN_MODIFIER = (
    "Unknown modifier: {key}. Expected a valid update modifier or pipeline-style update "
    "specified as an array"
)
_UPDATE_OPERATORS = frozenset(
    [
        "$set",
        "$unset",
        "$inc",
        "$mul",
        "$rename",
        "$setOnInsert",
        "$min",
        "$max",
        "$currentDate",
        "$push",
        "$pull",
        "$pullAll",
        "$addToSet",
        "$pop",
        "$bit",
    ]
)


def _update_one_statement(
    backend: Backend, ctx: Context, name: str, statement: dict[str, Any], validate: bool, let: Any
) -> dict[str, Any]:
    allowed = {
        "q",
        "u",
        "upsert",
        "multi",
        "arrayFilters",
        "collation",
        "hint",
        "c",
        "sort",
        "upsertSupplied",
    }
    for key in statement:
        if key not in allowed:
            raise unknown_field("UpdateOpEntry", key)
    query = statement.get("q")
    if not isinstance(query, dict):
        raise CommandError(
            MISSING_FIELD, "BSON field 'update.updates.q' is missing but a required field"
        )
    update = statement.get("u")
    _check_update(update)
    multi = bool(statement.get("multi", False))
    if multi and _is_replacement(update):
        raise CommandError(
            FAILED_TO_PARSE, "multi update is not supported for replacement-style update"
        )
    if statement.get("c") or let:
        raise not_implemented("Update with 'let' variables")
    check_hint(ctx, name, statement.get("hint"))
    collation = collation_for(ctx, name, statement.get("collation"))
    upsert = bool(statement.get("upsert", False))
    sort = sort_list(statement.get("sort"))
    array_filters = _collated(collation, statement.get("arrayFilters"))
    if collation is not None:
        ids = _matching_ids(ctx, name, query, collation, sort, multi)
        if ids:
            # The documents the collation matched, updated by _id (binary is exact there).
            query = {"_id": {"$in": ids}} if multi else {"_id": ids[0]}
            upsert, sort = False, None
        elif not upsert:
            return {"n": 0, "nModified": 0}
    query = prepare_filter(ctx, name, query)
    collection = ctx.collection(name)
    result, changed = _engine.update(
        collection,
        query,
        update,
        upsert=upsert,
        multi=multi,
        array_filters=array_filters,
        sort=sort,
        validate=validate,
    )
    _record_update(backend, ctx, name, update, result, changed)
    return dict(result)


def _record_update(
    backend: Backend,
    ctx: Context,
    name: str,
    update: Any,
    result: Any,
    changed: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    """The change events of an update: one per document changed, and an upserted insert."""
    store = ctx.coll_store(name)
    images = records_images(store)
    for before, after in changed:
        backend.changes.update(ctx, name, before, after, update, images)
    upserted = result.get("upserted")
    if upserted is not None:
        inserted = _engine.stored(store, upserted)
        if inserted is not None:
            backend.changes.insert(ctx, name, inserted)


def _collated(collation: Collation | None, array_filters: Any) -> Any:
    """arrayFilters compare under the operation's collation, as its filter does."""
    if collation is None or array_filters is None:
        return array_filters
    return collation.wrap_query(array_filters)


def _matching_ids(
    ctx: Context,
    name: str,
    query: dict[str, Any],
    collation: Any,
    sort: list[tuple[str, Any]] | None,
    multi: bool,
) -> list[Any]:
    """The _id of each document a write under ``collation`` targets (the first, unless multi)."""
    docs = find_documents(ctx, name, query, collation, sort=sort, limit=0 if multi else 1)
    return [doc["_id"] for doc in docs]


@command("update", fields=("updates", "ordered", "bypassDocumentValidation", "let"))
def _update(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = coll_name(ctx, body, "update")
    statements = _statements(body, "update", "updates")
    ordered = body.get("ordered", True)
    validate = not body.get("bypassDocumentValidation", False)
    backend.will_write(ctx, name)
    errors: list[dict[str, Any]] = []
    n = modified = 0
    upserted: list[dict[str, Any]] = []
    try:
        for index, statement in enumerate(statements):
            try:
                result = _update_one_statement(
                    backend, ctx, name, statement, validate, body.get("let")
                )
            except Exception as exc:
                errors.append(translate(exc, ctx, name).write_error(index))
                if ordered:
                    break
                continue
            n += result["n"]
            modified += result["nModified"]
            if result.get("upserted") is not None:
                upserted.append({"index": index, "_id": result["upserted"]})
                _engine.mark_created(ctx.coll_store(name))
    finally:
        backend.wrote(ctx, name)
    extra: dict[str, Any] = {}
    if upserted:
        extra["upserted"] = upserted
    extra["nModified"] = modified
    return _write_reply(n, errors, **extra)


@command("delete", fields=("deletes", "ordered", "let", "bypassDocumentValidation"))
def _delete(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = coll_name(ctx, body, "delete")
    statements = _statements(body, "delete", "deletes")
    ordered = body.get("ordered", True)
    backend.will_write(ctx, name)
    collection = ctx.collection(name)
    errors: list[dict[str, Any]] = []
    n = 0
    try:
        for index, statement in enumerate(statements):
            try:
                for key in statement:
                    if key not in ("q", "limit", "collation", "hint"):
                        raise unknown_field("DeleteOpEntry", key)
                limit = statement.get("limit")
                if limit not in (0, 1):
                    raise CommandError(
                        FAILED_TO_PARSE,
                        f"The limit field in delete objects must be 0 or 1. Got {limit}",
                    )
                query = statement.get("q")
                if not isinstance(query, dict):
                    raise CommandError(
                        MISSING_FIELD,
                        "BSON field 'delete.deletes.q' is missing but a required field",
                    )
                check_hint(ctx, name, statement.get("hint"))
                collation = collation_for(ctx, name, statement.get("collation"))
                multi = limit == 0
                if collation is not None:
                    ids = _matching_ids(ctx, name, query, collation, None, multi)
                    query, multi = {"_id": {"$in": ids}}, True
                query = prepare_filter(ctx, name, query)
                deleted = _engine.delete(collection, query, multi=multi)
                images = records_images(ctx.coll_store(name))
                for doc in deleted:
                    backend.changes.delete(ctx, name, doc, images)
                n += len(deleted)
            except Exception as exc:
                errors.append(translate(exc, ctx, name).write_error(index))
                if ordered:
                    break
    finally:
        backend.wrote(ctx, name)
    return _write_reply(n, errors)


@command(
    "findAndModify",
    "findandmodify",
    fields=(
        "query",
        "fields",
        "sort",
        "remove",
        "update",
        "new",
        "upsert",
        "bypassDocumentValidation",
        "arrayFilters",
        "hint",
        "collation",
        "let",
    ),
)
def _find_and_modify(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    command = next(iter(body))
    name = coll_name(ctx, body, command)
    query = doc_field(body, command, "query") or {}
    remove = bool(body.get("remove", False))
    update = body.get("update")
    upsert = bool(body.get("upsert", False))
    return_new = bool(body.get("new", False))
    projection = doc_field(body, command, "fields")
    check_projection(projection)
    if remove and update is not None:
        raise CommandError(FAILED_TO_PARSE, "Cannot specify both an update and remove=true")
    if not remove and update is None:
        raise CommandError(FAILED_TO_PARSE, "Either an update or remove=true must be specified")
    if remove and (upsert or return_new):
        raise CommandError(
            FAILED_TO_PARSE,
            "Cannot specify both upsert=true and remove=true"
            if upsert
            else "Cannot specify both new=true and remove=true; "
            "'remove' always returns the deleted document",
        )
    if body.get("let"):
        raise not_implemented("findAndModify with 'let' variables")
    if update is not None:
        _check_update(update)
    backend.will_write(ctx, name)
    check_hint(ctx, name, body.get("hint"))
    collation = collation_for(ctx, name, body.get("collation"))
    collection = ctx.collection(name)
    sort = sort_list(body.get("sort"))
    try:
        found = find_documents(ctx, name, query, collation, sort=sort, limit=1)
        query = prepare_filter(ctx, name, query)
        old = next(iter(found), None)
        last_error: dict[str, Any]
        if remove:
            value = None
            if old is not None:
                images = records_images(ctx.coll_store(name))
                for deleted in _engine.delete(collection, {"_id": old["_id"]}):
                    backend.changes.delete(ctx, name, deleted, images)
                value = _engine.project(collection, old, projection)
            last_error = {"n": 1 if old is not None else 0}
            backend.wrote(ctx, name)
            return {"lastErrorObject": last_error, "value": value, "ok": 1.0}
        target = {"_id": old["_id"]} if old is not None else query
        if old is None and not upsert:
            return {
                "lastErrorObject": {"n": 0, "updatedExisting": False},
                "value": None,
                "ok": 1.0,
            }
        result, changed = _engine.update(
            collection,
            target,
            update,
            upsert=upsert,
            array_filters=_collated(collation, body.get("arrayFilters")),
            validate=not body.get("bypassDocumentValidation", False),
        )
        _record_update(backend, ctx, name, update, result, changed)
        backend.wrote(ctx, name)
        if old is not None:
            last_error = {"n": 1, "updatedExisting": True}
            new_id = old["_id"]
        else:
            new_id = result["upserted"]
            _engine.mark_created(ctx.coll_store(name))
            last_error = {"n": 1, "updatedExisting": False, "upserted": new_id}
        if return_new:
            doc = collection.find_one({"_id": new_id}, projection)
        else:
            doc = None if old is None else _engine.project(collection, old, projection)
        return {"lastErrorObject": last_error, "value": doc, "ok": 1.0}
    except Exception as exc:
        raise translate(exc, ctx, name) from exc
