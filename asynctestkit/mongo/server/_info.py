"""Handshake and server information: hello, buildInfo, serverStatus, sessions, ..."""

from __future__ import annotations

import datetime
import os
import time
from typing import TYPE_CHECKING, Any

import bson
from bson.objectid import ObjectId

from asynctestkit.mongo.server._errors import (
    INVALID_OPTIONS,
    NOT_PRIMARY_OR_SECONDARY,
    TXN_NUMBER_REQUIRED,
    UNAUTHORIZED,
    CommandError,
)
from asynctestkit.mongo.server._registry import Context, command

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend

SERVER_VERSION = "8.0.4"
MAX_WIRE_VERSION = 25  # MongoDB 8.0
MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024
MAX_MESSAGE_SIZE_BYTES = 48_000_000
MAX_WRITE_BATCH_SIZE = 100_000
SET_NAME = "asynctestkit"
_ELECTION_ID = ObjectId("7fffffff0000000000000001")


def _with_port(address: str, port: int) -> str:
    return f"{address.rpartition(':')[0]}:{port}"


def _hello_reply(
    backend: Backend, body: dict[str, Any], me: str, connection_id: int, *, arbiter: bool
) -> dict[str, Any]:
    """hello as a member of a two-member replica set: the primary and an arbiter.

    Drivers decide they talk to a replica set from setName, hosts and the member's state;
    the arbiter is the second member a one-member set lacks (Beanie, for one, runs its
    transaction tests only when it sees more than one node). It holds no data, so drivers
    never send it reads or writes.
    """
    name = next(iter(body))
    primary = _with_port(me, backend.primary_port) if arbiter else me
    arbiters = [] if backend.arbiter_port is None else [_with_port(me, backend.arbiter_port)]
    reply: dict[str, Any] = {}
    if body.get("helloOk"):
        reply["helloOk"] = True
    reply["isWritablePrimary" if name == "hello" else "ismaster"] = not arbiter
    reply.update(
        {
            "hosts": [primary],
            "setName": SET_NAME,
            "setVersion": 1,
            "secondary": False,
        }
    )
    if arbiters:
        reply["arbiters"] = arbiters
    if arbiter:
        reply["arbiterOnly"] = True
    else:
        reply["electionId"] = _ELECTION_ID
    reply.update(
        {
            "primary": primary,
            "me": me,
            "maxBsonObjectSize": MAX_BSON_OBJECT_SIZE,
            "maxMessageSizeBytes": MAX_MESSAGE_SIZE_BYTES,
            "maxWriteBatchSize": MAX_WRITE_BATCH_SIZE,
            "localTime": datetime.datetime.now(datetime.timezone.utc),
            "logicalSessionTimeoutMinutes": 30,
            "connectionId": connection_id,
            "minWireVersion": 0,
            "maxWireVersion": MAX_WIRE_VERSION,
            "readOnly": False,
            "ok": 1.0,
        }
    )
    return reply


@command("hello", "isMaster", "ismaster")
def _hello(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return _hello_reply(backend, body, ctx.local_address, ctx.connection_id, arbiter=False)


def arbiter_reply(
    backend: Backend, body: dict[str, Any], connection_id: int, local_address: str
) -> dict[str, Any]:
    """The arbiter's answer: the handshake and ping; it holds no data for anything else."""
    name = next(iter(body), "")
    if name in ("hello", "isMaster", "ismaster"):
        return _hello_reply(backend, body, local_address, connection_id, arbiter=True)
    if name == "ping":
        return {"ok": 1.0}
    return CommandError(
        NOT_PRIMARY_OR_SECONDARY, "node is not in primary or recovering state"
    ).reply()


@command("ping")
def _ping(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {"ok": 1.0}


@command("buildInfo", "buildinfo")
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


@command("getParameter")
def _get_parameter(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    if ctx.db != "admin":
        raise CommandError(UNAUTHORIZED, "getParameter may only be run against the admin database.")
    if body["getParameter"] == "*":
        return {**_PARAMETERS, "ok": 1.0}
    reply: dict[str, Any] = {}
    for key in body:
        if key in _PARAMETERS:
            reply[key] = _PARAMETERS[key]
    if not reply:
        raise CommandError(INVALID_OPTIONS, "no option found to get")
    reply["ok"] = 1.0
    return reply


@command("serverStatus")
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


@command("connectionStatus")
def _connection_status(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "authInfo": {"authenticatedUsers": [], "authenticatedUserRoles": []},
        "ok": 1.0,
    }


@command("hostInfo")
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


@command("getCmdLineOpts")
def _cmd_line_opts(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {"argv": ["mongod"], "parsed": {}, "ok": 1.0}


@command("whatsmyuri")
def _whatsmyuri(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {"you": ctx.local_address, "ok": 1.0}


@command("endSessions", "killSessions", fields=())
def _end_sessions(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    name = next(iter(body))
    for lsid in body[name] or []:
        if isinstance(lsid, dict) and "id" in lsid:
            key = bytes(lsid["id"])
            backend.sessions.pop(key, None)
            backend.cursors.kill_session(key)
            backend.streams.kill_session(key)
    return {"ok": 1.0}


@command("refreshSessions", "startSession", fields=())
def _refresh_sessions(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    return {"ok": 1.0}


@command("commitTransaction", "abortTransaction", fields=("recoveryToken",))
def _transaction_end(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    # Reached only when autocommit is missing; _dispatch handles real transactions.
    raise CommandError(
        TXN_NUMBER_REQUIRED, "txnNumber must be provided for multi-document transaction"
    )


# -- databases and collections ----------------------------------------------------------------
