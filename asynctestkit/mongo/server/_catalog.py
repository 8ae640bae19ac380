"""Databases and collections: list, create, drop, rename, collMod, dbStats."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bson

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._aggregation import check_pipeline
from asynctestkit.mongo.server._args import (
    check_db_name,
    coll_name,
    doc_field,
    int_field,
    translate,
)
from asynctestkit.mongo.server._collation import parse as parse_collation
from asynctestkit.mongo.server._engine import (
    CollectionStore,
    collection_info,
    data_size,
    reset_collection_info,
    views,
)
from asynctestkit.mongo.server._errors import (
    BAD_VALUE,
    ILLEGAL_OPERATION,
    INDEX_NOT_FOUND,
    INVALID_NAMESPACE,
    INVALID_OPTIONS,
    MISSING_FIELD,
    NAMESPACE_EXISTS,
    NAMESPACE_NOT_FOUND,
    OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
    UNAUTHORIZED,
    CommandError,
    mongod_repr,
    not_implemented,
)
from asynctestkit.mongo.server._registry import Context, command

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend


@command("listDatabases", fields=("filter", "nameOnly", "authorizedDatabases"))
def _list_databases(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    if ctx.db != "admin":
        raise CommandError(
            UNAUTHORIZED, "listDatabases may only be run against the admin database."
        )
    store = backend.engine.store
    names = _engine.created_database_names(store)
    entries = []
    total = 0
    for name in sorted(names | {"admin", "config", "local"}):
        size = data_size(store[name]) if name in names else 0
        total += size
        entries.append({"name": name, "sizeOnDisk": bson.Int64(size), "empty": size == 0})
    query = doc_field(body, "listDatabases", "filter")
    if query:
        entries = [e for e in entries if _engine.filter_applies(query, e)]
    if body.get("nameOnly"):
        return {"databases": [{"name": e["name"]} for e in entries], "ok": 1.0}
    return {
        "databases": entries,
        "totalSize": bson.Int64(total),
        "totalSizeMb": bson.Int64(total // (1024 * 1024)),
        "ok": 1.0,
    }


def _collection_entries(ctx: Context) -> list[dict[str, Any]]:
    db_store = ctx.db_store()
    entries: list[dict[str, Any]] = []
    for name in _engine.created_collection_names(db_store):
        store = db_store[name]
        info = collection_info(store)
        options = dict(info.options)
        kind = "timeseries" if "timeseries" in options else "collection"
        entry: dict[str, Any] = {
            "name": name,
            "type": kind,
            "options": options,
            "info": {"readOnly": False, "uuid": info.uuid},
        }
        if kind == "collection":
            entry["idIndex"] = _engine.index_specs(store)[0]
        else:
            entry["info"] = {"readOnly": False}
        entries.append(entry)
    for name, view in views(db_store).items():
        entries.append(
            {"name": name, "type": "view", "options": dict(view), "info": {"readOnly": True}}
        )
    return entries


@command(
    "listCollections",
    fields=("filter", "nameOnly", "authorizedCollections", "cursor", "includePendingDrops"),
)
def _list_collections(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    entries = _collection_entries(ctx)
    query = doc_field(body, "listCollections", "filter")
    if query:
        try:
            entries = [e for e in entries if _engine.filter_applies(query, e)]
        except Exception as exc:
            raise translate(exc, ctx, "") from exc
    if body.get("nameOnly"):
        entries = [{"name": e["name"], "type": e["type"]} for e in entries]
    cursor_opts = doc_field(body, "listCollections", "cursor") or {}
    batch = int_field(cursor_opts, "listCollections.cursor", "batchSize", None)
    cursor = backend.cursors.open(f"{ctx.db}.$cmd.listCollections", entries, batch, lsid=ctx.lsid)
    return {"cursor": cursor, "ok": 1.0}


_CREATE_FIELDS = (
    "capped",
    "autoIndexId",
    "idIndex",
    "size",
    "max",
    "storageEngine",
    "validator",
    "validationLevel",
    "validationAction",
    "indexOptionDefaults",
    "viewOn",
    "pipeline",
    "collation",
    "changeStreamPreAndPostImages",
    "timeseries",
    "clusteredIndex",
    "recordIdsReplicated",
    "expireAfterSeconds",
    "encryptedFields",
    "temp",
    "flags",
)


@command("create", fields=_CREATE_FIELDS)
def _create(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = coll_name(ctx, body, "create")
    db_store = ctx.db_store()
    if ctx.exists(name) or name in views(db_store):
        raise CommandError(NAMESPACE_EXISTS, f"Collection {ctx.ns(name)} already exists.")
    options = {k: v for k, v in body.items() if k in _CREATE_FIELDS}
    if "viewOn" in options:
        view_on = options["viewOn"]
        if not isinstance(view_on, str) or not view_on:
            raise CommandError(BAD_VALUE, "'viewOn' must be a non-empty string")
        pipeline = check_pipeline(options.get("pipeline", []), "create")
        if ctx.txn is not None:
            raise CommandError(
                OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
                "Cannot create a view in a multi-document transaction.",
            )
        view: dict[str, Any] = {"viewOn": view_on, "pipeline": pipeline}
        collation = parse_collation(options.get("collation"))
        if collation is not None:
            view["collation"] = collation.document()
        views(db_store)[name] = view
        backend.wrote(ctx, name)
        return {"ok": 1.0}
    if "pipeline" in options:
        raise CommandError(BAD_VALUE, "'pipeline' requires 'viewOn' to also be specified")
    if options.get("capped") and "size" not in options:
        raise CommandError(INVALID_OPTIONS, "the 'size' field is required when 'capped' is true")
    if "collation" in options:
        collation = parse_collation(options["collation"])
        if collation is None:
            del options["collation"]
        else:
            options["collation"] = collation.document()
    if options.get("capped"):
        raise not_implemented("Capped collections")
    engine_options = {
        k: options[k] for k in ("validator", "validationLevel", "validationAction") if k in options
    }
    backend.will_write(ctx, name)
    store = ctx.coll_store(name)
    try:
        _engine.create_collection(store, **engine_options)
    except Exception as exc:
        raise translate(exc, ctx, name) from exc
    reset_collection_info(store)
    info = collection_info(store)
    if "timeseries" in options:
        ts = dict(options["timeseries"])
        if "timeField" not in ts:
            raise CommandError(
                MISSING_FIELD, "BSON field 'timeseries.timeField' is missing but a required field"
            )
        ts.setdefault("granularity", "seconds")
        ts.setdefault("bucketMaxSpanSeconds", 3600)
        options["timeseries"] = ts
    info.options = {k: v for k, v in options.items() if k not in ("autoIndexId", "flags", "temp")}
    backend.wrote(ctx, name)
    return {"ok": 1.0}


@command("drop", fields=("collectionUUID",))
def _drop(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = coll_name(ctx, body, "drop")
    db_store = ctx.db_store()
    if name in views(db_store):
        del views(db_store)[name]
        backend.wrote(ctx, name)
        return {"ns": ctx.ns(name), "ok": 1.0}
    if not ctx.exists(name):
        # Since MongoDB 7.0, dropping a collection that does not exist succeeds.
        return {"ok": 1.0}
    store = db_store[name]
    count = 1 + len(collection_info(store).indexes)
    _engine.drop_collection(db_store, name)
    backend.wrote(ctx, name)
    backend.changes.drop(ctx.db, name)
    return {"nIndexesWas": count, "ns": ctx.ns(name), "ok": 1.0}


@command("dropDatabase")
def _drop_database(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    db_store = ctx.db_store()
    collections = _engine.created_collection_names(db_store)
    for name in _engine.entry_names(db_store):
        backend.wrote(ctx, name)
    for name in list(views(db_store)):
        backend.wrote(ctx, name)
    backend.forget_database(ctx.db)
    if collections:
        backend.changes.drop_database(ctx.db, collections)
    return {"ok": 1.0}


# MongoTestCase's per-test isolation in one round trip: mongod has no such commands (it


@command("renameCollection", fields=("to", "dropTarget", "stayTemp", "collectionUUID"))
def _rename_collection(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    if ctx.db != "admin":
        raise CommandError(
            UNAUTHORIZED, "renameCollection may only be run against the admin database."
        )
    source, target = body["renameCollection"], body.get("to")
    if not isinstance(source, str) or not isinstance(target, str):
        raise CommandError(INVALID_NAMESPACE, "Invalid source or target namespace")
    src_db, _, src_coll = source.partition(".")
    dst_db, _, dst_coll = target.partition(".")
    if not src_coll or not dst_coll:
        raise CommandError(INVALID_NAMESPACE, f"Invalid target namespace: {target}")
    if src_db != dst_db:
        raise not_implemented("renameCollection across databases")
    check_db_name(src_db)
    rctx = backend.context(src_db, ctx.lsid, ctx.connection_id, ctx.local_address, body)
    if not rctx.exists(src_coll):
        raise CommandError(NAMESPACE_NOT_FOUND, f"Source collection {source} does not exist")
    if source == target:
        raise CommandError(ILLEGAL_OPERATION, "Can't rename a collection to itself")
    db_store = rctx.db_store()
    if rctx.exists(dst_coll) or dst_coll in views(db_store):
        if not body.get("dropTarget"):
            raise CommandError(NAMESPACE_EXISTS, "target namespace exists")
        views(db_store).pop(dst_coll, None)
        _engine.remove_entry(db_store, dst_coll)
    _engine.rename_collection(db_store, src_coll, dst_coll)
    backend.wrote(rctx, src_coll)
    backend.wrote(rctx, dst_coll)
    backend.changes.rename(src_db, src_coll, dst_coll)
    return {"ok": 1.0}


@command(
    "collMod",
    fields=(
        "validator",
        "validationLevel",
        "validationAction",
        "index",
        "viewOn",
        "pipeline",
        "expireAfterSeconds",
        "changeStreamPreAndPostImages",
        "timeseries",
        "dryRun",
        "cappedSize",
        "cappedMax",
    ),
)
def _coll_mod(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = coll_name(ctx, body, "collMod")
    db_store = ctx.db_store()
    if name in views(db_store):
        view = views(db_store)[name]
        if "viewOn" in body:
            view["viewOn"] = body["viewOn"]
        if "pipeline" in body:
            view["pipeline"] = check_pipeline(body["pipeline"], "collMod")
        backend.wrote(ctx, name)
        return {"ok": 1.0}
    if not ctx.exists(name):
        raise CommandError(NAMESPACE_NOT_FOUND, f"ns does not exist: {ctx.ns(name)}")
    if "viewOn" in body or "pipeline" in body:
        raise CommandError(
            INVALID_OPTIONS,
            "option not supported on a non-view collection: "
            + ("viewOn" if "viewOn" in body else "pipeline"),
        )
    store = db_store[name]
    info = collection_info(store)
    reply: dict[str, Any] = {}
    validation = _engine.validation_options(store)
    for key in ("validator", "validationLevel", "validationAction", "changeStreamPreAndPostImages"):
        if key in body:
            info.options[key] = body[key]
            if key != "changeStreamPreAndPostImages":
                validation[key] = body[key]
    if "validator" in body:
        validation.setdefault("validationLevel", "strict")
        validation.setdefault("validationAction", "error")
    if "index" in body:
        reply.update(_coll_mod_index(ctx, name, store, body["index"]))
    backend.wrote(ctx, name)
    reply["ok"] = 1.0
    return reply


def _coll_mod_index(
    ctx: Context, name: str, store: CollectionStore, change: dict[str, Any]
) -> dict[str, Any]:
    info = collection_info(store)
    spec = None
    for candidate in info.indexes:
        if "name" in change and candidate["name"] == change["name"]:
            spec = candidate
        if "keyPattern" in change and candidate["key"] == change["keyPattern"]:
            spec = candidate
    if spec is None:
        what = change.get("name", change.get("keyPattern"))
        raise CommandError(
            INDEX_NOT_FOUND, f"cannot find index {mongod_repr(what)} for ns {ctx.ns(name)}"
        )
    reply: dict[str, Any] = {}
    if "expireAfterSeconds" in change:
        if "expireAfterSeconds" not in spec:
            raise CommandError(INVALID_OPTIONS, "no expireAfterSeconds field to update")
        reply["expireAfterSeconds_old"] = spec["expireAfterSeconds"]
        reply["expireAfterSeconds_new"] = change["expireAfterSeconds"]
        spec["expireAfterSeconds"] = change["expireAfterSeconds"]
    if "hidden" in change:
        reply["hidden_old"] = bool(spec.get("hidden", False))
        reply["hidden_new"] = bool(change["hidden"])
        if change["hidden"]:
            spec["hidden"] = True
        else:
            spec.pop("hidden", None)
    return reply


@command("dbStats", fields=("scale", "freeStorage"))
def _db_stats(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    db_store = ctx.db_store()
    names = _engine.created_collection_names(db_store)
    objects = sum(_engine.document_count(db_store[n]) for n in names)
    size = data_size(db_store)
    indexes = sum(1 + len(collection_info(db_store[n]).indexes) for n in names)
    return {
        "db": ctx.db,
        "collections": len(names),
        "views": len(views(db_store)),
        "objects": objects,
        "avgObjSize": (size / objects) if objects else 0,
        "dataSize": float(size),
        "storageSize": float(size),
        "indexes": indexes,
        "indexSize": 0.0,
        "totalSize": float(size),
        "scaleFactor": 1,
        "ok": 1.0,
    }


# -- writes ------------------------------------------------------------------------------------
