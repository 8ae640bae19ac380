"""Indexes: listIndexes, createIndexes, dropIndexes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._args import (
    coll_name,
    doc_field,
    int_field,
    translate,
)
from asynctestkit.mongo.server._collation import parse as parse_collation
from asynctestkit.mongo.server._engine import collection_info, index_name_for, index_specs, views
from asynctestkit.mongo.server._errors import (
    BAD_VALUE,
    CANNOT_CREATE_INDEX,
    COMMAND_NOT_SUPPORTED_ON_VIEW,
    DUPLICATE_KEY,
    FAILED_TO_PARSE,
    INDEX_KEY_SPECS_CONFLICT,
    INDEX_NOT_FOUND,
    INDEX_OPTIONS_CONFLICT,
    INVALID_INDEX_SPECIFICATION_OPTION,
    INVALID_OPTIONS,
    MISSING_FIELD,
    NAMESPACE_NOT_FOUND,
    TYPE_MISMATCH,
    CommandError,
    mongod_repr,
)
from asynctestkit.mongo.server._registry import Context, command

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend

_INDEX_OPTIONS = (
    "unique",
    "sparse",
    "partialFilterExpression",
    "expireAfterSeconds",
    "hidden",
    "collation",
    "weights",
    "default_language",
    "language_override",
    "textIndexVersion",
    "2dsphereIndexVersion",
    "bits",
    "min",
    "max",
    "wildcardProjection",
    "background",
    "storageEngine",
    "prepareUnique",
    "columnstoreProjection",
)


@command("listIndexes", fields=("cursor", "includeBuildUUIDs", "includeIndexBuildInfo"))
def _list_indexes(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = coll_name(ctx, body, "listIndexes")
    if name in views(ctx.db_store()):
        raise CommandError(
            COMMAND_NOT_SUPPORTED_ON_VIEW, f"Namespace {ctx.ns(name)} is a view, not a collection"
        )
    if not ctx.exists(name):
        raise CommandError(NAMESPACE_NOT_FOUND, f"ns does not exist: {ctx.ns(name)}")
    cursor_opts = doc_field(body, "listIndexes", "cursor") or {}
    batch = int_field(cursor_opts, "listIndexes.cursor", "batchSize", None)
    specs = index_specs(ctx.coll_store(name))
    cursor = backend.cursors.open(f"{ctx.db}.$cmd.listIndexes.{name}", specs, batch, lsid=ctx.lsid)
    return {"cursor": cursor, "ok": 1.0}


def _normalise_index(spec: Any, default_collation: dict[str, Any] | None) -> dict[str, Any]:
    """The spec as mongod stores it: v, key, name, then the options in the order given.

    A collation is stored with its defaults filled in; an index given none gets the
    collection's default collation, and one given ``simple`` gets none.
    """
    if not isinstance(spec, dict):
        raise CommandError(TYPE_MISMATCH, "The field 'indexes' must be an array of objects")
    key = spec.get("key")
    if not isinstance(key, dict) or not key:
        raise CommandError(CANNOT_CREATE_INDEX, "Index keys cannot be empty.")
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise CommandError(
            FAILED_TO_PARSE,
            f"Error in specification {mongod_repr(spec)} :: caused by :: "
            "The 'name' field is a required property of an index specification",
        )
    collation = parse_collation(spec["collation"]) if "collation" in spec else None
    for option in spec:
        if option not in ("key", "name", "v", "ns", *_INDEX_OPTIONS):
            raise CommandError(
                INVALID_INDEX_SPECIFICATION_OPTION,
                f"Error in specification {mongod_repr(spec)} :: caused by :: "
                f"The field '{option}' is not valid for an index specification. "
                f"Specification: {mongod_repr(spec)}",
            )
    text_fields = [k for k, v in key.items() if v == "text"]
    out: dict[str, Any] = {"v": 2}
    if text_fields:
        fts_key: dict[str, Any] = {}
        for k, v in key.items():
            if v != "text" and "_fts" not in fts_key:
                fts_key[k] = v
        fts_key["_fts"] = "text"
        fts_key["_ftsx"] = 1
        for k, v in key.items():
            if v != "text" and k not in fts_key:
                fts_key[k] = v
        out["key"] = fts_key
    else:
        for k, v in key.items():
            if isinstance(v, bool) or not (isinstance(v, (int, float, str))):
                raise CommandError(
                    CANNOT_CREATE_INDEX,
                    f"Values in index key pattern must be numbers or strings: {k}",
                )
            if isinstance(v, (int, float)) and v == 0:
                raise CommandError(
                    CANNOT_CREATE_INDEX, f"Values in the index key pattern can't be 0: {k}: 0"
                )
        out["key"] = dict(key)
    out["name"] = name
    for option, value in spec.items():
        if option in ("key", "name", "v", "ns", "background") and option != "background":
            continue
        if option == "unique" and not value:
            continue
        if option == "sparse" and not value:
            continue
        if option == "collation":
            if collation is None:
                continue
            value = collation.document()
        out[option] = value
    if "collation" not in spec and default_collation is not None:
        out["collation"] = default_collation
    if "collation" in out:
        for kind in ("text", "2d"):
            if kind in key.values():
                raise CommandError(
                    CANNOT_CREATE_INDEX,
                    f"Index type '{kind}' does not support collation: "
                    f"{mongod_repr(out['collation'])}",
                )
    if text_fields:
        weights = dict(spec.get("weights") or {})
        for k in text_fields:
            weights.setdefault(k, 1)
        out["weights"] = dict(sorted(weights.items()))
        out.setdefault("default_language", "english")
        out.setdefault("language_override", "language")
        out["textIndexVersion"] = 3
    if any(v == "2dsphere" for v in key.values()):
        out["2dsphereIndexVersion"] = 3
    return out


def _same_index(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ignore = {"name", "v", "background"}
    return {k: v for k, v in a.items() if k not in ignore} == {
        k: v for k, v in b.items() if k not in ignore
    }


@command(
    "createIndexes",
    fields=("indexes", "commitQuorum", "ignoreUnknownIndexOptions", "isTimeseriesNamespace"),
)
def _create_indexes(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = coll_name(ctx, body, "createIndexes")
    specs = body.get("indexes")
    if not isinstance(specs, list) or not specs:
        raise CommandError(BAD_VALUE, "Must specify at least one index to create")
    backend.will_write(ctx, name)
    created_automatically = not ctx.exists(name)
    store = ctx.coll_store(name)
    info = collection_info(store)
    before = 1 + len(info.indexes)
    default_collation = info.options.get("collation") if ctx.exists(name) else None
    wanted = [_normalise_index(spec, default_collation) for spec in specs]
    new: list[dict[str, Any]] = []
    for spec in wanted:
        if list(spec["key"]) == ["_id"] and spec["key"]["_id"] in (1, 1.0):
            # Every collection has the _id index: mongod creates nothing, whatever the name.
            continue
        if spec["name"] == "_id_":
            raise CommandError(
                INDEX_KEY_SPECS_CONFLICT,
                "An existing index has the same name as the requested index. "
                "When index names are not specified, they are auto generated and can "
                "cause conflicts. Please refer to our documentation. "
                f"Requested index: {mongod_repr(spec)}, existing index: "
                '{ v: 2, key: { _id: 1 }, name: "_id_" }',
            )
        existing = [s for s in [*info.indexes, *new] if s["name"] == spec["name"]]
        if existing:
            if _same_index(existing[0], spec):
                continue
            if existing[0]["key"] != spec["key"]:
                raise CommandError(
                    INDEX_KEY_SPECS_CONFLICT,
                    "An existing index has the same name as the requested index. When index "
                    "names are not specified, they are auto generated and can cause conflicts. "
                    "Please refer to our documentation. Requested index: "
                    f"{mongod_repr(spec)}, existing index: {mongod_repr(existing[0])}",
                )
            raise CommandError(
                INDEX_KEY_SPECS_CONFLICT,
                "An equivalent index already exists with the same name but different options. "
                f"Requested index: {mongod_repr(spec)}, existing index: "
                f"{mongod_repr(existing[0])}",
            )
        same_key = [s for s in [*info.indexes, *new] if s["key"] == spec["key"]]
        if same_key:
            if _same_index(same_key[0], spec):
                raise CommandError(
                    INDEX_OPTIONS_CONFLICT,
                    f"Index already exists with a different name: {same_key[0]['name']}",
                )
            if same_key[0].get("collation") == spec.get("collation") and same_key[0].get(
                "partialFilterExpression"
            ) == spec.get("partialFilterExpression"):
                raise CommandError(
                    INDEX_OPTIONS_CONFLICT,
                    "An existing index has the same name as the requested index"
                    if same_key[0]["name"] == spec["name"]
                    else f"Index already exists with a different name: {same_key[0]['name']}",
                )
        if "_fts" in spec["key"] and any("_fts" in s["key"] for s in [*info.indexes, *new]):
            raise CommandError(
                INDEX_OPTIONS_CONFLICT,
                "An equivalent index already exists with a different name and options. "
                f"Requested index: {mongod_repr(spec)}",
            )
        new.append(spec)
    if not new:
        return {
            "numIndexesBefore": before,
            "numIndexesAfter": before,
            "note": "all indexes already exist",
            "ok": 1.0,
        }
    collection = ctx.collection(name)
    created: list[str] = []
    try:
        for spec in new:
            keys = [(k, v) for k, v in spec["key"].items() if k not in ("_fts", "_ftsx")]
            if "_fts" in spec["key"]:
                keys = [(k, "text") for k in spec["weights"]]
            # Not expireAfterSeconds: the engine would expire on every read, by the wall
            # clock; the server's TTL monitor (_ttl) expires in passes, as mongod does.
            options = {
                k: spec[k] for k in ("unique", "sparse", "partialFilterExpression") if k in spec
            }
            collection.create_index(keys, name=spec["name"], **options)
            created.append(spec["name"])
            _engine.check_unique_under_collation(store, spec)
    except Exception as exc:
        for index_name in created:
            _engine.drop_engine_index(store, index_name)
        error = translate(exc, ctx, name)
        if error.code == DUPLICATE_KEY:
            error = CommandError(
                DUPLICATE_KEY,
                error.errmsg.replace(
                    "index: " + index_name_for(store, error.extra.get("keyPattern", {})),
                    "index: " + spec["name"],
                ),
                keyPattern=error.extra.get("keyPattern"),
                keyValue=error.extra.get("keyValue"),
            )
        raise error from exc
    _engine.mark_created(store)
    info.indexes.extend(new)
    backend.wrote(ctx, name)
    return {
        "numIndexesBefore": before,
        "numIndexesAfter": before + len(new),
        "createdCollectionAutomatically": created_automatically,
        "ok": 1.0,
    }


@command("dropIndexes", "deleteIndexes", fields=("index", "collectionUUID"))
def _drop_indexes(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    command = next(iter(body))
    name = coll_name(ctx, body, command)
    if name in views(ctx.db_store()):
        raise CommandError(
            COMMAND_NOT_SUPPORTED_ON_VIEW, f"Namespace {ctx.ns(name)} is a view, not a collection"
        )
    if not ctx.exists(name):
        raise CommandError(NAMESPACE_NOT_FOUND, f"ns not found {ctx.ns(name)}")
    backend.will_write(ctx, name)
    store = ctx.coll_store(name)
    info = collection_info(store)
    before = 1 + len(info.indexes)
    target = body.get("index")
    reply: dict[str, Any] = {"nIndexesWas": before}
    if target == "*":
        drop = [spec["name"] for spec in info.indexes]
        reply["msg"] = "non-_id indexes dropped for collection"
    elif isinstance(target, str):
        drop = [target]
    elif isinstance(target, list):
        drop = list(target)
    elif isinstance(target, dict):
        if target == {"_id": 1}:
            raise CommandError(INVALID_OPTIONS, "cannot drop _id index")
        matches = [spec["name"] for spec in info.indexes if spec["key"] == target]
        if not matches:
            raise CommandError(INDEX_NOT_FOUND, f"can't find index with key: {mongod_repr(target)}")
        drop = matches[:1]
    else:
        raise CommandError(
            MISSING_FIELD, "BSON field 'dropIndexes.index' is missing but a required field"
        )
    names = {spec["name"] for spec in info.indexes}
    for index_name in drop:
        if index_name == "_id_":
            raise CommandError(INVALID_OPTIONS, "cannot drop _id index")
        if index_name not in names:
            raise CommandError(INDEX_NOT_FOUND, f"index not found with name [{index_name}]")
    for index_name in drop:
        _engine.drop_engine_index(store, index_name)
    info.indexes = [spec for spec in info.indexes if spec["name"] not in drop]
    backend.wrote(ctx, name)
    reply["ok"] = 1.0
    return reply
