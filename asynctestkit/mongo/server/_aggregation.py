"""Aggregation: pipeline checks, views, $out/$merge targets and the aggregate command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._args import (
    check_hint,
    coll_name,
    collation_for,
    has_text,
    int_field,
    prepare_filter,
    translate,
    type_name,
)
from asynctestkit.mongo.server._collation import Collation
from asynctestkit.mongo.server._engine import views
from asynctestkit.mongo.server._errors import (
    FAILED_TO_PARSE,
    OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
    OUT_NOT_LAST_STAGE,
    STAGE_NOT_FIRST,
    STAGE_NOT_ONE_FIELD,
    TYPE_MISMATCH,
    UNRECOGNIZED_STAGE,
    CommandError,
    not_implemented,
)
from asynctestkit.mongo.server._registry import Context, command

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend

_STAGES = frozenset(
    [
        "$addFields",
        "$bucket",
        "$bucketAuto",
        "$changeStream",
        "$changeStreamSplitLargeEvent",
        "$collStats",
        "$count",
        "$currentOp",
        "$densify",
        "$documents",
        "$facet",
        "$fill",
        "$geoNear",
        "$graphLookup",
        "$group",
        "$indexStats",
        "$limit",
        "$listLocalSessions",
        "$listSampledQueries",
        "$listSearchIndexes",
        "$listSessions",
        "$lookup",
        "$match",
        "$merge",
        "$out",
        "$planCacheStats",
        "$project",
        "$redact",
        "$replaceRoot",
        "$replaceWith",
        "$sample",
        "$search",
        "$searchMeta",
        "$set",
        "$setWindowFields",
        "$shardedDataDistribution",
        "$skip",
        "$sort",
        "$sortByCount",
        "$unionWith",
        "$unset",
        "$unwind",
        "$vectorSearch",
    ]
)


def check_pipeline(pipeline: Any, command: str = "aggregate") -> list[dict[str, Any]]:
    if not isinstance(pipeline, list):
        raise CommandError(
            TYPE_MISMATCH,
            f"BSON field '{command}.pipeline' is the wrong type '{type_name(pipeline)}', "
            "expected type 'array'",
        )
    for stage in pipeline:
        if not isinstance(stage, dict) or len(stage) != 1:
            raise CommandError(
                STAGE_NOT_ONE_FIELD,
                "A pipeline stage specification object must contain exactly one field.",
            )
        name = next(iter(stage))
        if name not in _STAGES:
            raise CommandError(UNRECOGNIZED_STAGE, f"Unrecognized pipeline stage name: '{name}'")
        if name in ("$lookup", "$unionWith", "$facet"):
            spec = stage[name]
            if name == "$lookup" and isinstance(spec, dict) and "pipeline" in spec:
                check_pipeline(spec["pipeline"])
            if name == "$unionWith" and isinstance(spec, dict) and "pipeline" in spec:
                check_pipeline(spec["pipeline"])
            if name == "$facet" and isinstance(spec, dict):
                for sub in spec.values():
                    check_pipeline(sub)
    return pipeline


def resolve_view(ctx: Context, name: str, pipeline: list[dict[str, Any]]) -> tuple[str, list[Any]]:
    """Follow views down to the collection they read, prepending their pipelines."""
    seen = 0
    known = views(ctx.db_store())
    while name in known and seen < 20:
        view = known[name]
        pipeline = list(view["pipeline"]) + pipeline
        name = view["viewOn"]
        seen += 1
    return name, pipeline


def run_aggregate(
    ctx: Context, coll: str, pipeline: list[dict[str, Any]], collation: Collation | None = None
) -> list[Any]:
    collection = ctx.collection(coll)
    if pipeline and "$match" in pipeline[0] and has_text(pipeline[0]["$match"]):
        first = {"$match": prepare_filter(ctx, coll, pipeline[0]["$match"])}
        pipeline = [first, *pipeline[1:]]
    pipeline = _fix_unwind(pipeline)
    for stage in pipeline:
        for key, spec in stage.items():
            if key == "$lookup" and isinstance(spec, dict):
                target = spec.get("from")
                if isinstance(target, str) and target in views(ctx.db_store()):
                    raise not_implemented("$lookup from a view")
    try:
        if collation is None:
            return list(collection.aggregate(pipeline))
        source = ctx.coll_store(coll) if ctx.exists(coll) else None
        docs = _engine.collated_aggregate(collection, source, collation, pipeline)
        for target in _write_targets(ctx, pipeline):
            _engine.unwrap_documents(ctx.coll_store(target))
        return docs
    except Exception as exc:
        raise translate(exc, ctx, coll) from exc


def _fix_unwind(pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """mongod sets includeArrayIndex to null on documents it preserves; the engine omits it."""
    fixed: list[dict[str, Any]] = []
    for stage in pipeline:
        fixed.append(stage)
        spec = stage.get("$unwind")
        if (
            isinstance(spec, dict)
            and spec.get("preserveNullAndEmptyArrays")
            and isinstance(spec.get("includeArrayIndex"), str)
        ):
            field = spec["includeArrayIndex"]
            fixed.append({"$addFields": {field: {"$ifNull": [f"${field}", None]}}})
    return fixed


def _write_targets(ctx: Context, pipeline: list[dict[str, Any]]) -> list[str]:
    targets = []
    for stage in pipeline:
        if "$out" in stage:
            spec = stage["$out"]
            target = spec if isinstance(spec, str) else spec.get("coll")
            if isinstance(spec, dict) and spec.get("db", ctx.db) != ctx.db:
                raise not_implemented("$out to another database")
            targets.append(str(target))
        if "$merge" in stage:
            spec = stage["$merge"]
            into = spec if isinstance(spec, str) else spec.get("into")
            if isinstance(into, dict):
                if into.get("db", ctx.db) != ctx.db:
                    raise not_implemented("$merge into another database")
                into = into.get("coll")
            targets.append(str(into))
    return targets


# -- handshake and server information --------------------------------------------------------


@command(
    "aggregate",
    fields=(
        "pipeline",
        "explain",
        "allowDiskUse",
        "cursor",
        "bypassDocumentValidation",
        "collation",
        "hint",
        "let",
        "exchange",
        "isMapReduceCommand",
        "fromMongos",
    ),
)
def _aggregate(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    target = body["aggregate"]
    pipeline = check_pipeline(body.get("pipeline"))
    if body.get("explain"):
        raise not_implemented("aggregate with explain")
    cursor_opts = body.get("cursor")
    if not isinstance(cursor_opts, dict):
        raise CommandError(
            FAILED_TO_PARSE,
            "The 'cursor' option is required, except for aggregate with the explain argument",
        )
    if body.get("let"):
        raise not_implemented("aggregate with 'let' variables")
    batch_size = int_field(cursor_opts, "aggregate.cursor", "batchSize", None)
    if pipeline and next(iter(pipeline[0])) == "$changeStream":
        return backend.streams.open(ctx, body, pipeline)
    if target == 1:
        if pipeline and next(iter(pipeline[0])) == "$documents":
            raise not_implemented("$documents")
        raise not_implemented(
            f"Collection-less aggregate ({next(iter(pipeline[0])) if pipeline else 'empty'})"
        )
    name = coll_name(ctx, body, "aggregate")
    collation = collation_for(ctx, name, body.get("collation"))
    for index, stage in enumerate(pipeline):
        stage_name = next(iter(stage))
        if stage_name in ("$out", "$merge") and index != len(pipeline) - 1:
            raise CommandError(
                OUT_NOT_LAST_STAGE, f"{stage_name} can only be the final stage in the pipeline"
            )
        if stage_name == "$changeStream":
            raise CommandError(
                STAGE_NOT_FIRST, "$changeStream is only valid as the first stage in a pipeline."
            )
        if stage_name in ("$search", "$searchMeta", "$vectorSearch"):
            raise not_implemented(stage_name)
        if stage_name in ("$currentOp", "$listLocalSessions", "$listSessions", "$collStats"):
            raise not_implemented(stage_name)
    targets = _write_targets(ctx, pipeline)
    if targets and ctx.txn is not None:
        raise CommandError(
            OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
            "$out and $merge cannot be used in a transaction",
        )
    for out in targets:
        backend.will_write(ctx, out)
    check_hint(ctx, name, body.get("hint"))
    source, full = resolve_view(ctx, name, pipeline)
    try:
        docs = run_aggregate(ctx, source, full, collation)
    finally:
        for out in targets:
            backend.wrote(ctx, out)
    cursor = backend.cursors.open(ctx.ns(name), docs, batch_size, lsid=ctx.lsid)
    return {"cursor": cursor, "ok": 1.0}
