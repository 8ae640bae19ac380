"""Database commands, answered the way mongod answers them, on the in-memory engine."""

from __future__ import annotations

import copy
import datetime
import os
import re
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import bson
from bson.objectid import ObjectId

from asynctestkit.mongo import _text
from asynctestkit.mongo._cursors import CursorManager
from asynctestkit.mongo._engine import (
    CollectionStore,
    DatabaseStore,
    Engine,
    ServerStore,
    Transaction,
    collection_info,
    filtering,
    helpers,
    mongomock,
    reset_collection_info,
    views,
)
from asynctestkit.mongo._errors import CommandError, not_implemented, unknown_field
from asynctestkit.mongo._sessions import Session

SERVER_VERSION = "7.0.14"
MAX_WIRE_VERSION = 21  # MongoDB 7.0
MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024
MAX_MESSAGE_SIZE_BYTES = 48_000_000
MAX_WRITE_BATCH_SIZE = 100_000
SET_NAME = "asynctestkit"
_ELECTION_ID = ObjectId("7fffffff0000000000000001")

# Fields every command accepts (mongod's generic arguments).
_GENERIC = frozenset(
    {
        "$db",
        "lsid",
        "txnNumber",
        "autocommit",
        "startTransaction",
        "$clusterTime",
        "$readPreference",
        "readConcern",
        "writeConcern",
        "comment",
        "maxTimeMS",
        "apiVersion",
        "apiStrict",
        "apiDeprecationErrors",
        "$client",
        "$audit",
        "mayBypassWriteBlocking",
        "$queryOptions",
    }
)

# Commands mongod lets run inside a multi-document transaction.
_IN_TRANSACTION = frozenset(
    {
        "find",
        "getMore",
        "killCursors",
        "insert",
        "update",
        "delete",
        "findAndModify",
        "aggregate",
        "distinct",
        "create",
        "createIndexes",
        "commitTransaction",
        "abortTransaction",
    }
)
_RETRYABLE = frozenset({"insert", "update", "delete", "findAndModify"})

# Stages mongod knows; anything else is "Unrecognized pipeline stage name".
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
_NAME_OK = re.compile(r"^[^\x00$/\\. \"]+$")


@dataclass
class Context:
    """What a command runs against: its database and, inside a transaction, the snapshot."""

    db: str
    store: ServerStore
    client: Any
    txn: Transaction | None
    lsid: bytes | None
    connection_id: int
    local_address: str
    body: dict[str, Any] = field(default_factory=dict)

    def db_store(self) -> DatabaseStore:
        return self.store[self.db]

    def coll_store(self, name: str) -> CollectionStore:
        return self.store[self.db][name]

    def collection(self, name: str) -> Any:
        return self.client[self.db][name]

    def exists(self, name: str) -> bool:
        return bool(self.store[self.db]._collections.get(name, None) is not None) and bool(
            self.store[self.db]._collections[name].is_created
        )

    def ns(self, name: str) -> str:
        return f"{self.db}.{name}"


_Handler = Callable[["Backend", Context, dict[str, Any]], dict[str, Any]]
_COMMANDS: dict[str, tuple[_Handler, frozenset[str] | None]] = {}


def _command(*names: str, fields: Iterable[str] | None = None) -> Callable[[_Handler], _Handler]:
    """Register a handler; ``fields`` are the command's own fields (None: accept any)."""

    def register(fn: _Handler) -> _Handler:
        allowed = None if fields is None else frozenset(fields) | _GENERIC
        for name in names:
            _COMMANDS[name] = (fn, None if allowed is None else allowed | {name})
        return fn

    return register


class Backend:
    """One server's state: the engine, cursors and sessions; answers command bodies."""

    def __init__(self) -> None:
        self.engine = Engine()
        self.cursors = CursorManager()
        self.sessions: dict[bytes, Session] = {}
        # asynctestkitSnapshot: database -> collection -> documents (MongoTestCase restores).
        self.snapshots: dict[str, dict[str, Any]] = {}
        self.started = time.monotonic()
        self.connections = 0
        self.total_connections = 0

    # -- dispatch -----------------------------------------------------------------------

    def handle(
        self, body: dict[str, Any], connection_id: int, local_address: str, db: str | None = None
    ) -> dict[str, Any]:
        """Run one command; errors become mongod's error replies, never exceptions."""
        try:
            with warnings.catch_warnings():
                # The engine warns about no-op options; under -W error that would fail
                # a command mongod accepts.
                warnings.simplefilter("ignore")
                return self._dispatch(body, connection_id, local_address, db)
        except CommandError as exc:
            return exc.reply()
        except Exception as exc:  # an engine bug must not kill the connection
            return CommandError(1, f"{type(exc).__name__}: {exc}").reply()

    def _dispatch(
        self, body: dict[str, Any], connection_id: int, local_address: str, db: str | None
    ) -> dict[str, Any]:
        if not body:
            raise CommandError(59, "no such command: ''")
        name = next(iter(body))
        entry = _COMMANDS.get(name)
        if entry is None:
            raise CommandError(59, f"no such command: '{name}'")
        handler, allowed = entry
        if allowed is not None:
            for key in body:
                if key not in allowed:
                    raise unknown_field(name, key)
        db = body.get("$db", db)
        if not isinstance(db, str):
            raise CommandError(40571, "OP_MSG requests require a $db argument")
        _check_db_name(db)
        lsid_doc = body.get("lsid")
        lsid = bytes(lsid_doc["id"]) if isinstance(lsid_doc, dict) and "id" in lsid_doc else None
        session = None if lsid is None else self.sessions.setdefault(lsid, Session())
        txn: Transaction | None = None
        txn_number = body.get("txnNumber")
        canonical = "findAndModify" if name == "findandmodify" else name
        if session is not None and body.get("autocommit") is False:
            if txn_number is None:
                raise CommandError(
                    50768, "txnNumber must be provided for multi-document transaction"
                )
            if canonical not in _IN_TRANSACTION:
                raise CommandError(263, f"Cannot run '{name}' in a multi-document transaction.")
            if body.get("startTransaction"):
                txn = session.begin(self.engine, txn_number)
            else:
                txn = session.current(txn_number, canonical)
                if txn is None:  # commitTransaction retried after success
                    return {"ok": 1.0}
            if canonical in ("commitTransaction", "abortTransaction"):
                if canonical == "commitTransaction":
                    session.commit()
                else:
                    session.abort()
                return {"ok": 1.0}
            ctx = Context(db, txn.store, txn.client, txn, lsid, connection_id, local_address, body)
            try:
                reply = handler(self, ctx, body)
            except CommandError:
                session.abort()
                raise
            if reply.get("writeErrors"):
                session.abort()
            return reply
        if canonical in ("commitTransaction", "abortTransaction"):
            raise CommandError(
                50768 if canonical == "commitTransaction" else 251,
                "Transaction isn't in progress" if txn_number is None else "No such transaction",
            )
        if session is not None and txn_number is not None and canonical in _RETRYABLE:
            saved = session.start_retryable(txn_number)
            if saved is not None:
                return saved
            ctx = self._context(db, lsid, connection_id, local_address, body)
            reply = handler(self, ctx, body)
            session.retry_reply = reply
            return reply
        return handler(self, self._context(db, lsid, connection_id, local_address, body), body)

    def _context(
        self,
        db: str,
        lsid: bytes | None,
        connection_id: int,
        local_address: str,
        body: dict[str, Any],
    ) -> Context:
        engine = self.engine
        return Context(
            db, engine.store, engine.client, None, lsid, connection_id, local_address, body
        )

    def forget_database(self, db: str) -> None:
        """Free everything kept for a dropped database (a test suite drops one per class)."""
        engine = self.engine
        engine.store._databases.pop(db, None)
        # mongomock caches a Database per name, and its Collections, bound to that store.
        engine.client._database_accesses.pop(db, None)
        self.snapshots.pop(db, None)
        # Write versions matter only to open transactions whose snapshot has this database:
        # a later snapshot is newer than every one of them.
        if not any(
            session.txn is not None and db in session.txn.store.snapshot_seq
            for session in self.sessions.values()
        ):
            for key in [key for key in engine.versions if key[0] == db]:
                del engine.versions[key]

    def wrote(self, ctx: Context, coll: str) -> None:
        """Note a write to ``coll``: for conflict detection, or for the transaction's commit."""
        if ctx.txn is None:
            self.engine.bump(ctx.db, coll)
        else:
            ctx.txn.written.add((ctx.db, coll))

    def will_write(self, ctx: Context, coll: str) -> None:
        """Called before a write: a collection or view check, and transaction conflicts."""
        if coll in views(ctx.db_store()):
            raise CommandError(166, f"Namespace {ctx.ns(coll)} is a view, not a collection")
        if ctx.txn is not None:
            ctx.txn.check_conflict(ctx.db, coll)


# -- helpers --------------------------------------------------------------------------------


def _check_db_name(db: str) -> None:
    if not db or not _NAME_OK.match(db) or len(db) >= 64:
        raise CommandError(73, f"Invalid database name: '{db}'")


def _coll_name(ctx: Context, body: dict[str, Any], command: str) -> str:
    value = body[command]
    if not isinstance(value, str):
        raise CommandError(
            73,
            f"collection name has invalid type {_type_name(value)}",
        )
    if not value or "\x00" in value or value.startswith(".") or "$" in value:
        raise CommandError(73, f"Invalid namespace specified '{ctx.db}.{value}'")
    return value


def _type_name(value: Any) -> str:
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


def _int_field(body: dict[str, Any], command: str, name: str, default: int | None) -> int | None:
    value = body.get(name, default)
    if value is None or value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CommandError(
            14,
            f"BSON field '{command}.{name}' is the wrong type '{_type_name(value)}', "
            "expected types '[long, int, decimal, double]'",
        )
    if value < 0:
        raise CommandError(
            51024, f"BSON field '{name}' value must be >= 0, actual value '{int(value)}'"
        )
    return int(value)


def _doc_field(body: dict[str, Any], command: str, name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise CommandError(
            14,
            f"BSON field '{command}.{name}' is the wrong type '{_type_name(value)}', "
            "expected type 'object'",
        )
    return value


def _mongod_repr(value: Any) -> str:
    """Format a value the way mongod prints it in error messages."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = ", ".join(f"{k}: {_mongod_repr(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[ " + ", ".join(_mongod_repr(v) for v in value) + " ]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, ObjectId):
        return f"ObjectId('{value}')"
    if isinstance(value, datetime.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
        return f"new Date({int(stamp.timestamp() * 1000)})"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value)) + ".0"
    if isinstance(value, bytes):
        return f"BinData(0, {value.hex().upper()})"
    return str(value)


def _index_name_for(store: CollectionStore, key_pattern: dict[str, Any]) -> str:
    if list(key_pattern) == ["_id"]:
        return "_id_"
    for spec in collection_info(store).indexes:
        if list(spec["key"]) == list(key_pattern):
            return str(spec["name"])
    for name, spec in store.indexes.items():
        if [k for k, _ in spec["key"]] == list(key_pattern):
            return str(name)
    return "_".join(f"{k}_{v}" for k, v in key_pattern.items())


def _translate(exc: Exception, ctx: Context, coll: str) -> CommandError:
    """Map an engine exception to the error mongod gives for the same operation."""
    if isinstance(exc, CommandError):
        return exc
    if isinstance(exc, mongomock.DuplicateKeyError):
        details = exc.details or {}
        pattern = dict(details.get("keyPattern") or {"_id": 1})
        value = dict(details.get("keyValue") or {})
        value = {k: (None if v is _NOTHING else v) for k, v in value.items()}
        index = _index_name_for(ctx.coll_store(coll), pattern)
        message = (
            f"E11000 duplicate key error collection: {ctx.ns(coll)} index: {index} "
            f"dup key: {_mongod_repr(value)}"
        )
        return CommandError(11000, message, keyPattern=pattern, keyValue=value)
    if isinstance(exc, NotImplementedError):
        return not_implemented(str(exc).split(".")[0] or "This operation")
    if isinstance(exc, mongomock.OperationFailure):
        code = exc.code if isinstance(exc.code, int) and exc.code else _guess_code(str(exc))
        message = str(exc)
        if code == 121:
            return CommandError(121, "Document failed validation", errInfo=exc.details or {})
        return CommandError(code, message)
    if isinstance(exc, (ValueError, TypeError, KeyError)):
        return CommandError(2, str(exc))
    raise exc


def _guess_code(message: str) -> int:
    lowered = message.lower()
    if "validation" in lowered:
        return 121
    if "unrecognized expression" in lowered:
        return 168
    if "unknown operator" in lowered:
        return 2
    return 2


_NOTHING = getattr(helpers, "NOTHING", object())


def _check_pipeline(pipeline: Any, command: str = "aggregate") -> list[dict[str, Any]]:
    if not isinstance(pipeline, list):
        raise CommandError(
            14,
            f"BSON field '{command}.pipeline' is the wrong type '{_type_name(pipeline)}', "
            "expected type 'array'",
        )
    for stage in pipeline:
        if not isinstance(stage, dict) or len(stage) != 1:
            raise CommandError(
                40323, "A pipeline stage specification object must contain exactly one field."
            )
        name = next(iter(stage))
        if name not in _STAGES:
            raise CommandError(40324, f"Unrecognized pipeline stage name: '{name}'")
        if name in ("$lookup", "$unionWith", "$facet"):
            spec = stage[name]
            if name == "$lookup" and isinstance(spec, dict) and "pipeline" in spec:
                _check_pipeline(spec["pipeline"])
            if name == "$unionWith" and isinstance(spec, dict) and "pipeline" in spec:
                _check_pipeline(spec["pipeline"])
            if name == "$facet" and isinstance(spec, dict):
                for sub in spec.values():
                    _check_pipeline(sub)
    return pipeline


def _resolve_view(ctx: Context, name: str, pipeline: list[dict[str, Any]]) -> tuple[str, list[Any]]:
    """Follow views down to the collection they read, prepending their pipelines."""
    seen = 0
    known = views(ctx.db_store())
    while name in known and seen < 20:
        view = known[name]
        pipeline = list(view["pipeline"]) + pipeline
        name = view["viewOn"]
        seen += 1
    return name, pipeline


def _has_text(query: Any) -> bool:
    return isinstance(query, dict) and "$text" in query


def _prepare_filter(ctx: Context, coll: str, query: dict[str, Any] | None) -> dict[str, Any]:
    """Rewrite what the engine lacks ($text) into what it has."""
    query = query or {}
    if _has_text(query):
        query = _text.rewrite(ctx.collection(coll), ctx.coll_store(coll), ctx.ns(coll), query)
    return query


def _check_projection(projection: Any) -> None:
    if isinstance(projection, dict):
        for value in projection.values():
            if isinstance(value, dict) and "$meta" in value:
                raise not_implemented(f"Projection {{$meta: {value['$meta']!r}}}")


def _sort_list(sort: Any) -> list[tuple[str, Any]] | None:
    if not sort:
        return None
    if not isinstance(sort, dict):
        raise CommandError(14, f"Expected field sortto be of type object, got {_type_name(sort)}")
    out = []
    for key, direction in sort.items():
        if isinstance(direction, dict):
            raise not_implemented(f"Sort by {direction}")
        if direction not in (1, -1):
            raise CommandError(15974, f"Illegal key in $sort specification: {key}: {direction}")
        out.append((key, int(direction)))
    return out


def _check_collation(collation: Any) -> None:
    """The engine ignores collations, so only the binary ("simple") one is accepted."""
    if collation is None or collation == {}:
        return
    if not isinstance(collation, dict) or "locale" not in collation:
        raise CommandError(40414, "BSON field 'collation.locale' is missing but a required field")
    if collation["locale"] != "simple":
        raise not_implemented(f"Collation with locale {collation['locale']!r}")


def _check_hint(ctx: Context, coll: str, hint: Any) -> None:
    """A hint must name an existing index; it never changes results, so nothing else to do."""
    if hint is None or hint == {} or hint == "":
        return
    if not ctx.exists(coll):
        return
    specs = _list_index_specs(ctx.coll_store(coll))
    if isinstance(hint, str):
        if any(spec["name"] == hint for spec in specs):
            return
    elif isinstance(hint, dict):
        if hint in ({"$natural": 1}, {"$natural": -1}):
            return
        if any(list(spec["key"].items()) == list(hint.items()) for spec in specs):
            return
    raise CommandError(2, "hint provided does not correspond to an existing index")


def _run_aggregate(ctx: Context, coll: str, pipeline: list[dict[str, Any]]) -> list[Any]:
    collection = ctx.collection(coll)
    if pipeline and "$match" in pipeline[0] and _has_text(pipeline[0]["$match"]):
        first = {"$match": _prepare_filter(ctx, coll, pipeline[0]["$match"])}
        pipeline = [first, *pipeline[1:]]
    pipeline = _fix_unwind(pipeline)
    for stage in pipeline:
        for key, spec in stage.items():
            if key == "$lookup" and isinstance(spec, dict):
                target = spec.get("from")
                if isinstance(target, str) and target in views(ctx.db_store()):
                    raise not_implemented("$lookup from a view")
    try:
        return list(collection.aggregate(pipeline))
    except Exception as exc:
        raise _translate(exc, ctx, coll) from exc


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


@_command("hello", "isMaster", "ismaster")
def _hello(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = next(iter(body))
    me = ctx.local_address
    reply: dict[str, Any] = {}
    if body.get("helloOk"):
        reply["helloOk"] = True
    if name == "hello":
        reply["isWritablePrimary"] = True
    else:
        reply["ismaster"] = True
    reply.update(
        {
            "hosts": [me],
            "setName": SET_NAME,
            "setVersion": 1,
            "secondary": False,
            "primary": me,
            "me": me,
            "electionId": _ELECTION_ID,
            "maxBsonObjectSize": MAX_BSON_OBJECT_SIZE,
            "maxMessageSizeBytes": MAX_MESSAGE_SIZE_BYTES,
            "maxWriteBatchSize": MAX_WRITE_BATCH_SIZE,
            "localTime": datetime.datetime.now(datetime.timezone.utc),
            "logicalSessionTimeoutMinutes": 30,
            "connectionId": ctx.connection_id,
            "minWireVersion": 0,
            "maxWireVersion": MAX_WIRE_VERSION,
            "readOnly": False,
            "ok": 1.0,
        }
    )
    return reply


@_command("ping")
def _ping(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {"ok": 1.0}


@_command("buildInfo", "buildinfo")
def _build_info(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": SERVER_VERSION,
        "gitVersion": "0000000000000000000000000000000000000000",
        "modules": [],
        "allocator": "system",
        "javascriptEngine": "none",
        "sysInfo": "deprecated",
        "versionArray": [int(part) for part in SERVER_VERSION.split(".")] + [0],
        "bits": 64,
        "debug": False,
        "maxBsonObjectSize": MAX_BSON_OBJECT_SIZE,
        "storageEngines": ["inMemory"],
        "ok": 1.0,
    }


_PARAMETERS: dict[str, Any] = {
    "featureCompatibilityVersion": {"version": ".".join(SERVER_VERSION.split(".")[:2])},
    "authenticationMechanisms": ["SCRAM-SHA-1", "SCRAM-SHA-256"],
    "transactionLifetimeLimitSeconds": 60,
    "maxTransactionLockRequestTimeoutMillis": 5,
    "notablescan": False,
    "logLevel": 0,
    "quiet": False,
}


@_command("getParameter")
def _get_parameter(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    if ctx.db != "admin":
        raise CommandError(13, "getParameter may only be run against the admin database.")
    if body["getParameter"] == "*":
        return {**_PARAMETERS, "ok": 1.0}
    reply: dict[str, Any] = {}
    for key in body:
        if key in _PARAMETERS:
            reply[key] = _PARAMETERS[key]
    if not reply:
        raise CommandError(72, "no option found to get")
    reply["ok"] = 1.0
    return reply


@_command("serverStatus")
def _server_status(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    uptime = time.monotonic() - backend.started
    return {
        "host": ctx.local_address,
        "version": SERVER_VERSION,
        "process": "mongod",
        "pid": bson.Int64(os.getpid()),
        "uptime": float(int(uptime)),
        "uptimeMillis": bson.Int64(int(uptime * 1000)),
        "uptimeEstimate": bson.Int64(int(uptime)),
        "localTime": datetime.datetime.now(datetime.timezone.utc),
        "connections": {
            "current": backend.connections,
            "available": 1_000_000 - backend.connections,
            "totalCreated": backend.total_connections,
        },
        "storageEngine": {"name": "inMemory", "supportsCommittedReads": True},
        "metrics": {"cursor": {"open": {"total": bson.Int64(len(backend.cursors))}}},
        "ok": 1.0,
    }


@_command("connectionStatus")
def _connection_status(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "authInfo": {"authenticatedUsers": [], "authenticatedUserRoles": []},
        "ok": 1.0,
    }


@_command("hostInfo")
def _host_info(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "system": {
            "currentTime": datetime.datetime.now(datetime.timezone.utc),
            "hostname": ctx.local_address,
            "numCores": os.cpu_count() or 1,
        },
        "os": {"type": os.name},
        "ok": 1.0,
    }


@_command("getCmdLineOpts")
def _cmd_line_opts(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {"argv": ["mongod"], "parsed": {}, "ok": 1.0}


@_command("whatsmyuri")
def _whatsmyuri(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {"you": ctx.local_address, "ok": 1.0}


@_command("endSessions", "killSessions", fields=())
def _end_sessions(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = next(iter(body))
    for lsid in body[name] or []:
        if isinstance(lsid, dict) and "id" in lsid:
            key = bytes(lsid["id"])
            backend.sessions.pop(key, None)
            backend.cursors.kill_session(key)
    return {"ok": 1.0}


@_command("refreshSessions", "startSession", fields=())
def _refresh_sessions(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {"ok": 1.0}


@_command("commitTransaction", "abortTransaction", fields=("recoveryToken",))
def _transaction_end(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    # Reached only when autocommit is missing; _dispatch handles real transactions.
    raise CommandError(50768, "txnNumber must be provided for multi-document transaction")


# -- databases and collections ----------------------------------------------------------------


def _db_size(db_store: DatabaseStore) -> int:
    total = 0
    for col in db_store._collections.values():
        for doc in col._documents.values():
            total += len(bson.encode(doc))
    return total


@_command("listDatabases", fields=("filter", "nameOnly", "authorizedDatabases"))
def _list_databases(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    if ctx.db != "admin":
        raise CommandError(13, "listDatabases may only be run against the admin database.")
    store = backend.engine.store
    names = set(store.list_created_database_names())
    names.update(name for name, db in store._databases.items() if views(db))
    entries = []
    total = 0
    for name in sorted(names | {"admin", "config", "local"}):
        size = _db_size(store[name]) if name in names else 0
        total += size
        entries.append({"name": name, "sizeOnDisk": bson.Int64(size), "empty": size == 0})
    query = _doc_field(body, "listDatabases", "filter")
    if query:
        entries = [e for e in entries if filtering.filter_applies(query, e)]
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
    for name in db_store.list_created_collection_names():
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
            entry["idIndex"] = {"v": 2, "key": {"_id": 1}, "name": "_id_"}
        else:
            entry["info"] = {"readOnly": False}
        entries.append(entry)
    for name, view in views(db_store).items():
        entries.append(
            {"name": name, "type": "view", "options": dict(view), "info": {"readOnly": True}}
        )
    return entries


@_command(
    "listCollections",
    fields=("filter", "nameOnly", "authorizedCollections", "cursor", "includePendingDrops"),
)
def _list_collections(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    entries = _collection_entries(ctx)
    query = _doc_field(body, "listCollections", "filter")
    if query:
        try:
            entries = [e for e in entries if filtering.filter_applies(query, e)]
        except Exception as exc:
            raise _translate(exc, ctx, "") from exc
    if body.get("nameOnly"):
        entries = [{"name": e["name"], "type": e["type"]} for e in entries]
    cursor_opts = _doc_field(body, "listCollections", "cursor") or {}
    batch = _int_field(cursor_opts, "listCollections.cursor", "batchSize", None)
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


@_command("create", fields=_CREATE_FIELDS)
def _create(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = _coll_name(ctx, body, "create")
    db_store = ctx.db_store()
    if ctx.exists(name) or name in views(db_store):
        raise CommandError(48, f"Collection {ctx.ns(name)} already exists.")
    options = {k: v for k, v in body.items() if k in _CREATE_FIELDS}
    if "viewOn" in options:
        view_on = options["viewOn"]
        if not isinstance(view_on, str) or not view_on:
            raise CommandError(2, "'viewOn' must be a non-empty string")
        pipeline = _check_pipeline(options.get("pipeline", []), "create")
        if ctx.txn is not None:
            raise CommandError(263, "Cannot create a view in a multi-document transaction.")
        view: dict[str, Any] = {"viewOn": view_on, "pipeline": pipeline}
        if "collation" in options:
            raise not_implemented("A view with a collation")
        views(db_store)[name] = view
        backend.wrote(ctx, name)
        return {"ok": 1.0}
    if "pipeline" in options:
        raise CommandError(2, "'pipeline' requires 'viewOn' to also be specified")
    if options.get("capped") and "size" not in options:
        raise CommandError(72, "the 'size' field is required when 'capped' is true")
    if "collation" in options:
        raise not_implemented("A collection default collation")
    if options.get("capped"):
        raise not_implemented("Capped collections")
    engine_options = {
        k: options[k] for k in ("validator", "validationLevel", "validationAction") if k in options
    }
    backend.will_write(ctx, name)
    store = ctx.coll_store(name)
    try:
        store.create(**engine_options)
    except Exception as exc:
        raise _translate(exc, ctx, name) from exc
    reset_collection_info(store)
    info = collection_info(store)
    if "timeseries" in options:
        ts = dict(options["timeseries"])
        if "timeField" not in ts:
            raise CommandError(
                40414, "BSON field 'timeseries.timeField' is missing but a required field"
            )
        ts.setdefault("granularity", "seconds")
        ts.setdefault("bucketMaxSpanSeconds", 3600)
        options["timeseries"] = ts
    info.options = {k: v for k, v in options.items() if k not in ("autoIndexId", "flags", "temp")}
    backend.wrote(ctx, name)
    return {"ok": 1.0}


@_command("drop", fields=("collectionUUID",))
def _drop(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = _coll_name(ctx, body, "drop")
    db_store = ctx.db_store()
    if name in views(db_store):
        del views(db_store)[name]
        backend.wrote(ctx, name)
        return {"ns": ctx.ns(name), "ok": 1.0}
    if not ctx.exists(name):
        # MongoDB 7.0: dropping a collection that does not exist succeeds.
        return {"ok": 1.0}
    store = db_store[name]
    count = 1 + len(collection_info(store).indexes)
    store.drop()
    reset_collection_info(store)
    db_store._collections.pop(name, None)
    backend.wrote(ctx, name)
    return {"nIndexesWas": count, "ns": ctx.ns(name), "ok": 1.0}


@_command("dropDatabase")
def _drop_database(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    db_store = ctx.db_store()
    for name in list(db_store._collections):
        backend.wrote(ctx, name)
    for name in list(views(db_store)):
        backend.wrote(ctx, name)
    backend.forget_database(ctx.db)
    return {"ok": 1.0}


# MongoTestCase's per-test isolation in one round trip: mongod has no such commands (it
# answers CommandNotFound, and the test case falls back to deleteMany + insertMany).
@_command("asynctestkitSnapshot", fields=())
def _snapshot(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    if ctx.txn is not None:
        raise CommandError(
            263, "Cannot run 'asynctestkitSnapshot' in a multi-document transaction."
        )
    db_store = ctx.db_store()
    backend.snapshots[ctx.db] = {
        name: copy.deepcopy(store._documents)
        for name, store in db_store._collections.items()
        if store.is_created
    }
    return {"collections": len(backend.snapshots[ctx.db]), "ok": 1.0}


@_command("asynctestkitRestore", fields=())
def _restore(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    snapshot = backend.snapshots.get(ctx.db)
    if snapshot is None:
        raise CommandError(26, f"no asynctestkitSnapshot of database {ctx.db!r} to restore")
    db_store = ctx.db_store()
    for name, store in list(db_store._collections.items()):
        if not store.is_created:
            continue
        documents = snapshot.get(name)
        if not store._documents and not documents:
            continue
        # Documents only: indexes, options and the catalog entry stay as they are.
        store._documents = copy.deepcopy(documents) if documents else type(store._documents)()
        backend.wrote(ctx, name)
    for name, documents in snapshot.items():
        if name not in db_store._collections or not db_store._collections[name].is_created:
            db_store[name]._documents = copy.deepcopy(documents)
            backend.wrote(ctx, name)
    return {"ok": 1.0}


@_command("renameCollection", fields=("to", "dropTarget", "stayTemp", "collectionUUID"))
def _rename_collection(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    if ctx.db != "admin":
        raise CommandError(13, "renameCollection may only be run against the admin database.")
    source, target = body["renameCollection"], body.get("to")
    if not isinstance(source, str) or not isinstance(target, str):
        raise CommandError(73, "Invalid source or target namespace")
    src_db, _, src_coll = source.partition(".")
    dst_db, _, dst_coll = target.partition(".")
    if not src_coll or not dst_coll:
        raise CommandError(73, f"Invalid target namespace: {target}")
    if src_db != dst_db:
        raise not_implemented("renameCollection across databases")
    _check_db_name(src_db)
    rctx = backend._context(src_db, ctx.lsid, ctx.connection_id, ctx.local_address, body)
    if not rctx.exists(src_coll):
        raise CommandError(26, f"Source collection {source} does not exist")
    if source == target:
        raise CommandError(20, "Can't rename a collection to itself")
    db_store = rctx.db_store()
    if rctx.exists(dst_coll) or dst_coll in views(db_store):
        if not body.get("dropTarget"):
            raise CommandError(48, "target namespace exists")
        views(db_store).pop(dst_coll, None)
        db_store._collections.pop(dst_coll, None)
    db_store.rename(src_coll, dst_coll)
    backend.wrote(rctx, src_coll)
    backend.wrote(rctx, dst_coll)
    return {"ok": 1.0}


@_command(
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
    name = _coll_name(ctx, body, "collMod")
    db_store = ctx.db_store()
    if name in views(db_store):
        view = views(db_store)[name]
        if "viewOn" in body:
            view["viewOn"] = body["viewOn"]
        if "pipeline" in body:
            view["pipeline"] = _check_pipeline(body["pipeline"], "collMod")
        backend.wrote(ctx, name)
        return {"ok": 1.0}
    if not ctx.exists(name):
        raise CommandError(26, f"ns does not exist: {ctx.ns(name)}")
    if "viewOn" in body or "pipeline" in body:
        raise CommandError(
            72,
            "option not supported on a non-view collection: "
            + ("viewOn" if "viewOn" in body else "pipeline"),
        )
    store = db_store[name]
    info = collection_info(store)
    reply: dict[str, Any] = {}
    for key in ("validator", "validationLevel", "validationAction", "changeStreamPreAndPostImages"):
        if key in body:
            info.options[key] = body[key]
            if key != "changeStreamPreAndPostImages":
                store.options[key] = body[key]
    if "validator" in body:
        store.options.setdefault("validationLevel", "strict")
        store.options.setdefault("validationAction", "error")
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
        raise CommandError(27, f"cannot find index {_mongod_repr(what)} for ns {ctx.ns(name)}")
    reply: dict[str, Any] = {}
    if "expireAfterSeconds" in change:
        if "expireAfterSeconds" not in spec:
            raise CommandError(72, "no expireAfterSeconds field to update")
        reply["expireAfterSeconds_old"] = spec["expireAfterSeconds"]
        reply["expireAfterSeconds_new"] = change["expireAfterSeconds"]
        spec["expireAfterSeconds"] = change["expireAfterSeconds"]
        engine_spec = store.indexes.get(spec["name"])
        if engine_spec is not None:
            engine_spec["expireAfterSeconds"] = change["expireAfterSeconds"]
    if "hidden" in change:
        reply["hidden_old"] = bool(spec.get("hidden", False))
        reply["hidden_new"] = bool(change["hidden"])
        if change["hidden"]:
            spec["hidden"] = True
        else:
            spec.pop("hidden", None)
    return reply


@_command("dbStats", fields=("scale", "freeStorage"))
def _db_stats(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    db_store = ctx.db_store()
    names = db_store.list_created_collection_names()
    objects = sum(len(db_store[n]._documents) for n in names)
    size = _db_size(db_store)
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
            40414, f"BSON field '{command}.{field_name}' is missing but a required field"
        )
    if not isinstance(value, list):
        raise CommandError(
            14,
            f"BSON field '{command}.{field_name}' is the wrong type '{_type_name(value)}', "
            "expected type 'array'",
        )
    if len(value) > MAX_WRITE_BATCH_SIZE:
        raise CommandError(
            10,
            f"Write batch sizes must be between 1 and {MAX_WRITE_BATCH_SIZE}. "
            f"Got {len(value)} operations.",
        )
    return value


def _check_document(doc: Any) -> None:
    if not isinstance(doc, dict):
        raise CommandError(14, "documents must be objects")
    if isinstance(doc.get("_id"), list):
        raise CommandError(53, "The '_id' value cannot be of type array")


@_command("insert", fields=("documents", "ordered", "bypassDocumentValidation"))
def _insert(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = _coll_name(ctx, body, "insert")
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
                _check_document(doc)
                if "_id" not in doc:
                    # mongod puts a generated _id first.
                    doc = {"_id": ObjectId(), **doc}
                collection._insert(doc, validate=validate)
                n += 1
            except Exception as exc:
                errors.append(_translate(exc, ctx, name).write_error(index))
                if ordered:
                    break
    finally:
        backend.wrote(ctx, name)
    return _write_reply(n, errors)


def _is_replacement(update: Any) -> bool:
    return isinstance(update, dict) and not any(k.startswith("$") for k in update)


def _check_update(update: Any) -> None:
    if isinstance(update, list):
        _check_pipeline(update, "update")
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
                    72,
                    f"{name} is not allowed to be used within an update",
                )
        return
    if not isinstance(update, dict):
        raise CommandError(14, "Update argument must be either an object or an array")
    keys = list(update)
    if keys and keys[0].startswith("$"):
        for key in keys:
            if not key.startswith("$"):
                raise CommandError(
                    9,
                    _UNKNOWN_MODIFIER.format(key=key),
                )
            if key not in _UPDATE_OPERATORS:
                raise CommandError(
                    9,
                    _UNKNOWN_MODIFIER.format(key=key),
                )
            if update[key] == {}:
                continue
    else:
        _check_document(update)


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
    ctx: Context, name: str, statement: dict[str, Any], validate: bool, let: Any
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
        raise CommandError(40414, "BSON field 'update.updates.q' is missing but a required field")
    update = statement.get("u")
    _check_update(update)
    multi = bool(statement.get("multi", False))
    if multi and _is_replacement(update):
        raise CommandError(9, "multi update is not supported for replacement-style update")
    if statement.get("c") or let:
        raise not_implemented("Update with 'let' variables")
    _check_hint(ctx, name, statement.get("hint"))
    _check_collation(statement.get("collation"))
    query = _prepare_filter(ctx, name, query)
    collection = ctx.collection(name)
    return dict(
        collection._update(
            query,
            update,
            upsert=bool(statement.get("upsert", False)),
            multi=multi,
            array_filters=statement.get("arrayFilters"),
            sort=_sort_list(statement.get("sort")),
            validate=validate,
        )
    )


@_command("update", fields=("updates", "ordered", "bypassDocumentValidation", "let"))
def _update(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = _coll_name(ctx, body, "update")
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
                result = _update_one_statement(ctx, name, statement, validate, body.get("let"))
            except Exception as exc:
                errors.append(_translate(exc, ctx, name).write_error(index))
                if ordered:
                    break
                continue
            n += result["n"]
            modified += result["nModified"]
            if result.get("upserted") is not None:
                upserted.append({"index": index, "_id": result["upserted"]})
    finally:
        backend.wrote(ctx, name)
    extra: dict[str, Any] = {}
    if upserted:
        extra["upserted"] = upserted
    extra["nModified"] = modified
    return _write_reply(n, errors, **extra)


@_command("delete", fields=("deletes", "ordered", "let"))
def _delete(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = _coll_name(ctx, body, "delete")
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
                        9, f"The limit field in delete objects must be 0 or 1. Got {limit}"
                    )
                query = statement.get("q")
                if not isinstance(query, dict):
                    raise CommandError(
                        40414, "BSON field 'delete.deletes.q' is missing but a required field"
                    )
                _check_hint(ctx, name, statement.get("hint"))
                _check_collation(statement.get("collation"))
                query = _prepare_filter(ctx, name, query)
                result = collection._delete(query, multi=limit == 0)
                n += result["n"]
            except Exception as exc:
                errors.append(_translate(exc, ctx, name).write_error(index))
                if ordered:
                    break
    finally:
        backend.wrote(ctx, name)
    return _write_reply(n, errors)


@_command(
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
    name = _coll_name(ctx, body, command)
    query = _doc_field(body, command, "query") or {}
    remove = bool(body.get("remove", False))
    update = body.get("update")
    upsert = bool(body.get("upsert", False))
    return_new = bool(body.get("new", False))
    projection = _doc_field(body, command, "fields")
    _check_projection(projection)
    if remove and update is not None:
        raise CommandError(9, "Cannot specify both an update and remove=true")
    if not remove and update is None:
        raise CommandError(9, "Either an update or remove=true must be specified")
    if remove and (upsert or return_new):
        raise CommandError(
            9,
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
    _check_hint(ctx, name, body.get("hint"))
    _check_collation(body.get("collation"))
    collection = ctx.collection(name)
    sort = _sort_list(body.get("sort"))
    try:
        query = _prepare_filter(ctx, name, query)
        found = collection.find(query, sort=sort, limit=1)
        old = next(iter(found), None)
        last_error: dict[str, Any]
        if remove:
            value = None
            if old is not None:
                collection._delete({"_id": old["_id"]})
                value = _project(collection, old, projection)
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
        result = collection._update(
            target,
            update,
            upsert=upsert,
            array_filters=body.get("arrayFilters"),
            validate=not body.get("bypassDocumentValidation", False),
        )
        backend.wrote(ctx, name)
        if old is not None:
            last_error = {"n": 1, "updatedExisting": True}
            new_id = old["_id"]
        else:
            new_id = result["upserted"]
            last_error = {"n": 1, "updatedExisting": False, "upserted": new_id}
        if return_new:
            doc = collection.find_one({"_id": new_id}, projection)
        else:
            doc = None if old is None else _project(collection, old, projection)
        return {"lastErrorObject": last_error, "value": doc, "ok": 1.0}
    except Exception as exc:
        raise _translate(exc, ctx, name) from exc


def _project(collection: Any, doc: dict[str, Any], projection: dict[str, Any] | None) -> Any:
    if not projection:
        return doc
    return collection._copy_only_fields(doc, projection, dict)


# -- reads -------------------------------------------------------------------------------------

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


@_command("find", fields=_FIND_FIELDS)
def _find(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = _coll_name(ctx, body, "find")
    query = _doc_field(body, "find", "filter") or {}
    projection = _doc_field(body, "find", "projection")
    _check_projection(projection)
    sort = _sort_list(_doc_field(body, "find", "sort"))
    skip = _int_field(body, "find", "skip", 0) or 0
    limit = _int_field(body, "find", "limit", 0) or 0
    batch_size = _int_field(body, "find", "batchSize", None)
    for option in ("max", "min", "returnKey", "showRecordId", "tailable", "awaitData"):
        if body.get(option):
            raise not_implemented(f"find with '{option}'")
    if body.get("let"):
        raise not_implemented("find with 'let' variables")
    _check_collation(body.get("collation"))
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
        source, full = _resolve_view(ctx, name, pipeline)
        docs = _run_aggregate(ctx, source, full)
    else:
        _check_hint(ctx, name, body.get("hint"))
        by_id = None if projection or skip else _find_by_id(ctx, name, query)
        if by_id is not None:
            docs = by_id
        else:
            docs = _find_docs(ctx, name, query, projection, skip, limit, sort)
    single = bool(body.get("singleBatch")) or (
        limit and batch_size is not None and batch_size >= limit
    )
    cursor = backend.cursors.open(ns, docs, batch_size, single_batch=bool(single), lsid=ctx.lsid)
    return {"cursor": cursor, "ok": 1.0}


# _id types whose dict lookup matches exactly what MongoDB's equality matches (bool is
# excluded: True == 1 in Python, not in MongoDB).
_ID_FAST_TYPES = (str, int, bson.Int64, ObjectId)


def _find_by_id(ctx: Context, name: str, query: dict[str, Any]) -> list[Any] | None:
    """``{_id: value}`` is a key lookup; the engine would scan every document."""
    if len(query) != 1 or "_id" not in query:
        return None
    value = query["_id"]
    if type(value) not in _ID_FAST_TYPES:
        return None
    store = ctx.store[ctx.db]._collections.get(name)
    if store is None:
        return []
    store._remove_expired_documents()
    doc = store._documents.get(value)
    return [] if doc is None else [copy.deepcopy(doc)]


def _find_docs(
    ctx: Context,
    name: str,
    query: dict[str, Any],
    projection: dict[str, Any] | None,
    skip: int,
    limit: int,
    sort: list[tuple[str, Any]] | None,
) -> list[Any]:
    query = _prepare_filter(ctx, name, query)
    try:
        return list(ctx.collection(name).find(query, projection, skip=skip, limit=limit, sort=sort))
    except Exception as exc:
        raise _translate(exc, ctx, name) from exc


@_command("getMore", fields=("collection", "batchSize", "term", "lastKnownCommittedOpTime"))
def _get_more(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    cursor_id = body["getMore"]
    if isinstance(cursor_id, bool) or not isinstance(cursor_id, int):
        raise CommandError(
            14,
            f"BSON field 'getMore.getMore' is the wrong type '{_type_name(cursor_id)}', "
            "expected type 'long'",
        )
    collection = body.get("collection")
    if not isinstance(collection, str):
        raise CommandError(40414, "BSON field 'getMore.collection' is missing but a required field")
    batch_size = _int_field(body, "getMore", "batchSize", None)
    cursor = backend.cursors.get_more(int(cursor_id), collection, ctx.db, batch_size)
    return {"cursor": cursor, "ok": 1.0}


@_command("killCursors", fields=("cursors",))
def _kill_cursors(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    ids = body.get("cursors")
    if not isinstance(ids, list):
        raise CommandError(
            40414, "BSON field 'killCursors.cursors' is missing but a required field"
        )
    killed, missing = backend.cursors.kill(int(i) for i in ids)
    return {
        "cursorsKilled": [bson.Int64(i) for i in killed],
        "cursorsNotFound": [bson.Int64(i) for i in missing],
        "cursorsAlive": [],
        "cursorsUnknown": [],
        "ok": 1.0,
    }


@_command(
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
    pipeline = _check_pipeline(body.get("pipeline"))
    if body.get("explain"):
        raise not_implemented("aggregate with explain")
    cursor_opts = body.get("cursor")
    if not isinstance(cursor_opts, dict):
        raise CommandError(
            9, "The 'cursor' option is required, except for aggregate with the explain argument"
        )
    if body.get("let"):
        raise not_implemented("aggregate with 'let' variables")
    _check_collation(body.get("collation"))
    batch_size = _int_field(cursor_opts, "aggregate.cursor", "batchSize", None)
    if target == 1:
        if pipeline and next(iter(pipeline[0])) == "$documents":
            raise not_implemented("$documents")
        raise not_implemented(
            f"Collection-less aggregate ({next(iter(pipeline[0])) if pipeline else 'empty'})"
        )
    name = _coll_name(ctx, body, "aggregate")
    for index, stage in enumerate(pipeline):
        stage_name = next(iter(stage))
        if stage_name in ("$out", "$merge") and index != len(pipeline) - 1:
            raise CommandError(40601, f"{stage_name} can only be the final stage in the pipeline")
        if stage_name in ("$changeStream", "$search", "$searchMeta", "$vectorSearch"):
            raise not_implemented(stage_name)
        if stage_name in ("$currentOp", "$listLocalSessions", "$listSessions", "$collStats"):
            raise not_implemented(stage_name)
    targets = _write_targets(ctx, pipeline)
    if targets and ctx.txn is not None:
        raise CommandError(263, "$out and $merge cannot be used in a transaction")
    for out in targets:
        backend.will_write(ctx, out)
    _check_hint(ctx, name, body.get("hint"))
    source, full = _resolve_view(ctx, name, pipeline)
    try:
        docs = _run_aggregate(ctx, source, full)
    finally:
        for out in targets:
            backend.wrote(ctx, out)
    cursor = backend.cursors.open(ctx.ns(name), docs, batch_size, lsid=ctx.lsid)
    return {"cursor": cursor, "ok": 1.0}


@_command("count", fields=("query", "limit", "skip", "hint", "collation", "fields"))
def _count(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = _coll_name(ctx, body, "count")
    query = _doc_field(body, "count", "query") or {}
    _check_collation(body.get("collation"))
    skip = _int_field(body, "count", "skip", 0) or 0
    limit = body.get("limit", 0) or 0
    limit = abs(int(limit))
    if name in views(ctx.db_store()):
        pipeline: list[dict[str, Any]] = [{"$match": query}] if query else []
        source, full = _resolve_view(ctx, name, pipeline)
        n = len(_run_aggregate(ctx, source, full))
    elif not ctx.exists(name):
        n = 0
    else:
        _check_hint(ctx, name, body.get("hint"))
        query = _prepare_filter(ctx, name, query)
        try:
            n = len(list(ctx.collection(name).find(query)))
        except Exception as exc:
            raise _translate(exc, ctx, name) from exc
    n = max(n - skip, 0)
    if limit:
        n = min(n, limit)
    return {"n": n, "ok": 1.0}


@_command("distinct", fields=("key", "query", "collation", "hint"))
def _distinct(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = _coll_name(ctx, body, "distinct")
    key = body.get("key")
    if not isinstance(key, str):
        raise CommandError(40414, "BSON field 'distinct.key' is missing but a required field")
    query = _doc_field(body, "distinct", "query") or {}
    _check_collation(body.get("collation"))
    if name in views(ctx.db_store()):
        pipeline: list[dict[str, Any]] = [{"$match": query}] if query else []
        source, full = _resolve_view(ctx, name, pipeline)
        values = _distinct_values(_run_aggregate(ctx, source, full), key)
        return {"values": values, "ok": 1.0}
    query = _prepare_filter(ctx, name, query)
    try:
        docs = list(ctx.collection(name).find(query))
    except Exception as exc:
        raise _translate(exc, ctx, name) from exc
    return {"values": _distinct_values(docs, key), "ok": 1.0}


def _distinct_values(docs: list[dict[str, Any]], key: str) -> list[Any]:
    get_value_by_dot = helpers.get_value_by_dot
    values: list[Any] = []
    seen: list[Any] = []
    for doc in docs:
        try:
            value = get_value_by_dot(doc, key)
        except (KeyError, IndexError, TypeError):
            continue
        if value is _NOTHING:
            continue
        for item in value if isinstance(value, list) else [value]:
            marker = (type(item).__name__ if isinstance(item, (bool, dict, list)) else "", item)
            if marker not in seen:
                seen.append(marker)
                values.append(item)
    return values


# -- indexes -----------------------------------------------------------------------------------


def _list_index_specs(store: CollectionStore) -> list[dict[str, Any]]:
    return [{"v": 2, "key": {"_id": 1}, "name": "_id_"}, *collection_info(store).indexes]


@_command("listIndexes", fields=("cursor", "includeBuildUUIDs", "includeIndexBuildInfo"))
def _list_indexes(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = _coll_name(ctx, body, "listIndexes")
    if name in views(ctx.db_store()):
        raise CommandError(166, f"Namespace {ctx.ns(name)} is a view, not a collection")
    if not ctx.exists(name):
        raise CommandError(26, f"ns does not exist: {ctx.ns(name)}")
    cursor_opts = _doc_field(body, "listIndexes", "cursor") or {}
    batch = _int_field(cursor_opts, "listIndexes.cursor", "batchSize", None)
    specs = _list_index_specs(ctx.coll_store(name))
    cursor = backend.cursors.open(f"{ctx.db}.$cmd.listIndexes.{name}", specs, batch, lsid=ctx.lsid)
    return {"cursor": cursor, "ok": 1.0}


def _normalise_index(spec: Any) -> dict[str, Any]:
    """The spec as mongod stores it: v, key, name, then the options in the order given."""
    if not isinstance(spec, dict):
        raise CommandError(14, "The field 'indexes' must be an array of objects")
    key = spec.get("key")
    if not isinstance(key, dict) or not key:
        raise CommandError(67, "Index keys cannot be empty.")
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise CommandError(
            9,
            f"Error in specification {_mongod_repr(spec)} :: caused by :: "
            "The 'name' field is a required property of an index specification",
        )
    _check_collation(spec.get("collation"))
    for option in spec:
        if option not in ("key", "name", "v", "ns", *_INDEX_OPTIONS):
            raise CommandError(
                197,
                f"Error in specification {_mongod_repr(spec)} :: caused by :: "
                f"The field '{option}' is not valid for an index specification. "
                f"Specification: {_mongod_repr(spec)}",
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
                    67, f"Values in index key pattern must be numbers or strings: {k}"
                )
            if isinstance(v, (int, float)) and v == 0:
                raise CommandError(67, f"Values in the index key pattern can't be 0: {k}: 0")
        out["key"] = dict(key)
    out["name"] = name
    for option, value in spec.items():
        if option in ("key", "name", "v", "ns", "background") and option != "background":
            continue
        if option == "unique" and not value:
            continue
        if option == "sparse" and not value:
            continue
        out[option] = value
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


@_command(
    "createIndexes",
    fields=("indexes", "commitQuorum", "ignoreUnknownIndexOptions", "isTimeseriesNamespace"),
)
def _create_indexes(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = _coll_name(ctx, body, "createIndexes")
    specs = body.get("indexes")
    if not isinstance(specs, list) or not specs:
        raise CommandError(2, "Must specify at least one index to create")
    backend.will_write(ctx, name)
    created_automatically = not ctx.exists(name)
    store = ctx.coll_store(name)
    info = collection_info(store)
    before = 1 + len(info.indexes)
    wanted = [_normalise_index(spec) for spec in specs]
    new: list[dict[str, Any]] = []
    for spec in wanted:
        if spec["name"] == "_id_" or (
            list(spec["key"]) == ["_id"] and spec["key"]["_id"] in (1, 1.0)
        ):
            if spec["name"] != "_id_" or list(spec["key"]) != ["_id"]:
                raise CommandError(
                    86 if spec["name"] == "_id_" else 85,
                    "Index already exists with a different name: _id_"
                    if spec["name"] != "_id_"
                    else "An existing index has the same name as the requested index. "
                    "When index names are not specified, they are auto generated and can "
                    "cause conflicts. Please refer to our documentation. "
                    f"Requested index: {_mongod_repr(spec)}, existing index: "
                    '{ v: 2, key: { _id: 1 }, name: "_id_" }',
                )
            continue
        existing = [s for s in [*info.indexes, *new] if s["name"] == spec["name"]]
        if existing:
            if _same_index(existing[0], spec):
                continue
            if existing[0]["key"] != spec["key"]:
                raise CommandError(
                    86,
                    "An existing index has the same name as the requested index. When index "
                    "names are not specified, they are auto generated and can cause conflicts. "
                    "Please refer to our documentation. Requested index: "
                    f"{_mongod_repr(spec)}, existing index: {_mongod_repr(existing[0])}",
                )
            raise CommandError(
                86,
                "An equivalent index already exists with the same name but different options. "
                f"Requested index: {_mongod_repr(spec)}, existing index: "
                f"{_mongod_repr(existing[0])}",
            )
        same_key = [s for s in [*info.indexes, *new] if s["key"] == spec["key"]]
        if same_key:
            if _same_index(same_key[0], spec):
                raise CommandError(
                    85,
                    f"Index already exists with a different name: {same_key[0]['name']}",
                )
            if same_key[0].get("collation") == spec.get("collation") and same_key[0].get(
                "partialFilterExpression"
            ) == spec.get("partialFilterExpression"):
                raise CommandError(
                    85,
                    "An existing index has the same name as the requested index"
                    if same_key[0]["name"] == spec["name"]
                    else f"Index already exists with a different name: {same_key[0]['name']}",
                )
        if "_fts" in spec["key"] and any("_fts" in s["key"] for s in [*info.indexes, *new]):
            raise CommandError(
                85,
                "An equivalent index already exists with a different name and options. "
                f"Requested index: {_mongod_repr(spec)}",
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
            options = {
                k: spec[k]
                for k in ("unique", "sparse", "partialFilterExpression", "expireAfterSeconds")
                if k in spec
            }
            collection.create_index(keys, name=spec["name"], **options)
            created.append(spec["name"])
    except Exception as exc:
        for index_name in created:
            store.indexes.pop(index_name, None)
            store._ttl_indexes.pop(index_name, None)
        error = _translate(exc, ctx, name)
        if error.code == 11000:
            error = CommandError(
                11000,
                error.errmsg.replace(
                    "index: " + _index_name_for(store, error.extra.get("keyPattern", {})),
                    "index: " + spec["name"],
                ),
                keyPattern=error.extra.get("keyPattern"),
                keyValue=error.extra.get("keyValue"),
            )
        raise error from exc
    store._is_force_created = True
    info.indexes.extend(new)
    backend.wrote(ctx, name)
    return {
        "numIndexesBefore": before,
        "numIndexesAfter": before + len(new),
        "createdCollectionAutomatically": created_automatically,
        "ok": 1.0,
    }


@_command("dropIndexes", "deleteIndexes", fields=("index", "collectionUUID"))
def _drop_indexes(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    command = next(iter(body))
    name = _coll_name(ctx, body, command)
    if name in views(ctx.db_store()):
        raise CommandError(166, f"Namespace {ctx.ns(name)} is a view, not a collection")
    if not ctx.exists(name):
        raise CommandError(26, f"ns not found {ctx.ns(name)}")
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
            raise CommandError(72, "cannot drop _id index")
        matches = [spec["name"] for spec in info.indexes if spec["key"] == target]
        if not matches:
            raise CommandError(27, f"can't find index with key: {_mongod_repr(target)}")
        drop = matches[:1]
    else:
        raise CommandError(40414, "BSON field 'dropIndexes.index' is missing but a required field")
    names = {spec["name"] for spec in info.indexes}
    for index_name in drop:
        if index_name == "_id_":
            raise CommandError(72, "cannot drop _id index")
        if index_name not in names:
            raise CommandError(27, f"index not found with name [{index_name}]")
    for index_name in drop:
        store.indexes.pop(index_name, None)
        store._ttl_indexes.pop(index_name, None)
    info.indexes = [spec for spec in info.indexes if spec["name"] not in drop]
    backend.wrote(ctx, name)
    reply["ok"] = 1.0
    return reply
