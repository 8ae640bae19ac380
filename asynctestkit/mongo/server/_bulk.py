"""bulkWrite (MongoDB 8.0): writes to any namespaces in one admin command.

Drivers send it for ``MongoClient.bulk_write``. Each operation runs through the insert,
update or delete command of its namespace, so it behaves exactly as they do; the reply is
a cursor of per-operation results ("admin.$cmd.bulkWrite") plus the summary counts.
https://www.mongodb.com/docs/manual/reference/command/bulkWrite/
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asynctestkit.mongo.server._args import check_db_name, doc_field, int_field, type_name
from asynctestkit.mongo.server._errors import (
    BAD_VALUE,
    CODE_NAMES,
    FAILED_TO_PARSE,
    MISSING_FIELD,
    TYPE_MISMATCH,
    UNAUTHORIZED,
    CommandError,
    unknown_field,
)
from asynctestkit.mongo.server._registry import _COMMANDS, Context, command

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend

_OP_FIELDS = {
    "insert": ("insert", "document"),
    "update": (
        "update",
        "filter",
        "updateMods",
        "multi",
        "upsert",
        "arrayFilters",
        "hint",
        "collation",
        "sort",
    ),
    "delete": ("delete", "filter", "multi", "hint", "collation"),
}


@command(
    "bulkWrite",
    fields=(
        "ops",
        "nsInfo",
        "ordered",
        "bypassDocumentValidation",
        "let",
        "errorsOnly",
        "cursor",
    ),
)
def _bulk_write(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    if ctx.db != "admin":
        raise CommandError(UNAUTHORIZED, "bulkWrite may only be run against the admin database.")
    ops, namespaces = _array(body, "ops"), _array(body, "nsInfo")
    targets = [_namespace(entry) for entry in namespaces]
    ordered = body.get("ordered", True)
    errors_only = bool(body.get("errorsOnly", False))
    batch = int_field(doc_field(body, "bulkWrite", "cursor") or {}, "cursor", "batchSize", None)
    results: list[dict[str, Any]] = []
    totals = dict.fromkeys(("nInserted", "nMatched", "nModified", "nUpserted", "nDeleted"), 0)
    n_errors = 0
    for index, op in enumerate(ops):
        try:
            kind, db, coll = _parse_op(op, targets)
            result = _run(backend, ctx, body, kind, db, coll, op)
        except CommandError as exc:
            result = {"ok": 0.0, "idx": index, **_error_fields(exc.reply())}
        else:
            result = {"idx": index, **result}
            if result["ok"]:
                _count(totals, kind, result)
        if not result["ok"]:
            n_errors += 1
        if not result["ok"] or not errors_only:
            results.append(result)
        if not result["ok"] and ordered:
            break
    cursor = backend.cursors.open("admin.$cmd.bulkWrite", results, batch, lsid=ctx.lsid)
    return {"cursor": cursor, "nErrors": n_errors, **totals, "ok": 1.0}


def _array(body: dict[str, Any], name: str) -> list[Any]:
    value = body.get(name)
    if value is None:
        raise CommandError(
            MISSING_FIELD, f"BSON field 'bulkWrite.{name}' is missing but a required field"
        )
    if not isinstance(value, list):
        raise CommandError(
            TYPE_MISMATCH,
            f"BSON field 'bulkWrite.{name}' is the wrong type '{type_name(value)}', "
            "expected type 'array'",
        )
    return value


def _namespace(entry: Any) -> tuple[str, str]:
    ns = entry.get("ns") if isinstance(entry, dict) else None
    if not isinstance(ns, str):
        raise CommandError(
            MISSING_FIELD, "BSON field 'bulkWrite.nsInfo.ns' is missing but a required field"
        )
    db, _, coll = ns.partition(".")
    check_db_name(db)
    return db, coll


def _parse_op(op: Any, targets: list[tuple[str, str]]) -> tuple[str, str, str]:
    if not isinstance(op, dict) or not op:
        raise CommandError(FAILED_TO_PARSE, "Unrecognized bulkWrite operation")
    kind = next(iter(op))
    if kind not in _OP_FIELDS:
        raise CommandError(FAILED_TO_PARSE, f"Unrecognized bulkWrite operation: {kind}")
    for key in op:
        if key not in _OP_FIELDS[kind]:
            raise unknown_field(f"bulkWrite.ops.{kind}", key)
    index = op[kind]
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(targets):
        raise CommandError(
            BAD_VALUE, f"BulkWrite ops entry {kind}: {index} is not a valid nsInfo index"
        )
    db, coll = targets[index]
    return kind, db, coll


def _run(
    backend: Backend,
    ctx: Context,
    body: dict[str, Any],
    kind: str,
    db: str,
    coll: str,
    op: dict[str, Any],
) -> dict[str, Any]:
    """One operation through its namespace's write command: its bulkWrite result."""
    target = Context(
        db, ctx.store, ctx.client, ctx.txn, ctx.lsid, ctx.connection_id, ctx.local_address, body
    )
    bypass = {"bypassDocumentValidation": body.get("bypassDocumentValidation", False)}
    if kind == "insert":
        reply = _COMMANDS["insert"][0](
            backend, target, {"insert": coll, "documents": [op.get("document")], **bypass}
        )
    elif kind == "update":
        statement = {
            "q": op.get("filter"),
            "u": op.get("updateMods"),
            "multi": op.get("multi", False),
        }
        for key in ("upsert", "arrayFilters", "hint", "collation", "sort"):
            if key in op:
                statement[key] = op[key]
        command_body = {"update": coll, "updates": [statement], **bypass}
        if "let" in body:
            command_body["let"] = body["let"]
        reply = _COMMANDS["update"][0](backend, target, command_body)
    else:
        statement = {"q": op.get("filter"), "limit": 0 if op.get("multi") else 1}
        for key in ("hint", "collation"):
            if key in op:
                statement[key] = op[key]
        command_body = {"delete": coll, "deletes": [statement]}
        if "let" in body:
            command_body["let"] = body["let"]
        reply = _COMMANDS["delete"][0](backend, target, command_body)
    if reply.get("writeErrors"):
        return {"ok": 0.0, **_error_fields(reply["writeErrors"][0])}
    result: dict[str, Any] = {"ok": 1.0, "n": reply["n"]}
    if kind == "update":
        upserted = reply.get("upserted")
        # n counts matched documents; an upsert matched none (drivers read it so).
        result["n"] = 0 if upserted else reply["n"]
        result["nModified"] = reply["nModified"]
        if upserted:
            result["upserted"] = {"_id": upserted[0]["_id"]}
    return result


def _error_fields(error: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in error.items() if k not in ("index", "ok", "errorLabels")}
    fields.setdefault("codeName", CODE_NAMES.get(fields["code"], f"Location{fields['code']}"))
    return fields


def _count(totals: dict[str, int], kind: str, result: dict[str, Any]) -> None:
    if kind == "insert":
        totals["nInserted"] += result["n"]
    elif kind == "delete":
        totals["nDeleted"] += result["n"]
    elif "upserted" in result:
        totals["nUpserted"] += 1
    else:
        totals["nMatched"] += result["n"]
        totals["nModified"] += result["nModified"]
