"""The server's state and dispatch: one command body in, one reply out.

Dispatch checks the command's fields, then runs it in its session's transaction, as a
retryable write, or plainly. The commands live in the modules imported below, by
concern; each registers itself with ``@command`` (see ``_registry``).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._args import check_db_name
from asynctestkit.mongo.server._changes import ChangeLog
from asynctestkit.mongo.server._cursors import CursorManager
from asynctestkit.mongo.server._engine import Engine, Transaction, views
from asynctestkit.mongo.server._errors import (
    COMMAND_NOT_FOUND,
    COMMAND_NOT_SUPPORTED_ON_VIEW,
    INTERNAL_ERROR,
    NO_DB_ARGUMENT,
    NO_SUCH_TRANSACTION,
    OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
    TXN_NUMBER_REQUIRED,
    CommandError,
    unknown_field,
)
from asynctestkit.mongo.server._registry import _COMMANDS, Context
from asynctestkit.mongo.server._sessions import Session
from asynctestkit.mongo.server._streams import Pending, Streams
from asynctestkit.mongo.server._ttl import TTLMonitor

# Importing the command modules registers their commands.
from asynctestkit.mongo.server import (  # noqa: F401  isort: skip
    _aggregation,
    _bulk,
    _catalog,
    _indexes,
    _info,
    _reads,
    _snapshots,
    _ttl,
    _writes,
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
        "bulkWrite",
    }
)
_RETRYABLE = frozenset({"insert", "update", "delete", "findAndModify", "bulkWrite"})


class Backend:
    """One server's state: the engine, cursors and sessions; answers command bodies."""

    def __init__(self) -> None:
        self.engine = Engine()
        self.cursors = CursorManager()
        self.changes = ChangeLog()
        self.streams = Streams(self)
        self.ttl = TTLMonitor(self)
        self.sessions: dict[bytes, Session] = {}
        # asynctestkitSnapshot: database -> collection -> documents (MongoTestCase restores).
        self.snapshots: dict[str, dict[str, Any]] = {}
        # asynctestkitSaveTemplate: name -> a database's structure (MongoTestCase's models).
        self.templates: dict[str, Any] = {}
        self.started = time.monotonic()
        self.connections = 0
        # The replica set: the primary's port and the arbiter's (see _info._hello_reply).
        self.primary_port = 0
        self.arbiter_port: int | None = None
        self.total_connections = 0

    # -- dispatch -----------------------------------------------------------------------

    def handle(
        self, body: dict[str, Any], connection_id: int, local_address: str, db: str | None = None
    ) -> dict[str, Any] | Pending:
        """Run one command; errors become mongod's error replies, never exceptions.

        A getMore waiting for change events answers later: a :class:`Pending` reply.
        """
        try:
            with warnings.catch_warnings():
                # The engine warns about no-op options; under -W error that would fail
                # a command mongod accepts.
                warnings.simplefilter("ignore")
                return self._dispatch(body, connection_id, local_address, db)
        except CommandError as exc:
            return exc.reply()
        except Exception as exc:  # an engine bug must not kill the connection
            return CommandError(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}").reply()

    def _dispatch(
        self, body: dict[str, Any], connection_id: int, local_address: str, db: str | None
    ) -> dict[str, Any] | Pending:
        if not body:
            raise CommandError(COMMAND_NOT_FOUND, "no such command: ''")
        name = next(iter(body))
        entry = _COMMANDS.get(name)
        if entry is None:
            raise CommandError(COMMAND_NOT_FOUND, f"no such command: '{name}'")
        handler, allowed = entry
        if allowed is not None:
            for key in body:
                if key not in allowed:
                    raise unknown_field(name, key)
        db = body.get("$db", db)
        if not isinstance(db, str):
            raise CommandError(NO_DB_ARGUMENT, "OP_MSG requests require a $db argument")
        check_db_name(db)
        lsid_doc = body.get("lsid")
        lsid = bytes(lsid_doc["id"]) if isinstance(lsid_doc, dict) and "id" in lsid_doc else None
        session = None if lsid is None else self.sessions.setdefault(lsid, Session())
        txn: Transaction | None = None
        txn_number = body.get("txnNumber")
        canonical = "findAndModify" if name == "findandmodify" else name
        if session is not None and body.get("autocommit") is False:
            if txn_number is None:
                raise CommandError(
                    TXN_NUMBER_REQUIRED, "txnNumber must be provided for multi-document transaction"
                )
            if canonical not in _IN_TRANSACTION:
                raise CommandError(
                    OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
                    f"Cannot run '{name}' in a multi-document transaction.",
                )
            if body.get("startTransaction"):
                txn = session.begin(self.engine, txn_number)
            else:
                txn = session.current(txn_number, canonical)
                if txn is None:  # commitTransaction retried after success
                    return {"ok": 1.0}
            if canonical in ("commitTransaction", "abortTransaction"):
                if canonical == "commitTransaction":
                    session.commit()
                    self.changes.commit(txn)
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
                TXN_NUMBER_REQUIRED if canonical == "commitTransaction" else NO_SUCH_TRANSACTION,
                "Transaction isn't in progress" if txn_number is None else "No such transaction",
            )
        if session is not None and txn_number is not None and canonical in _RETRYABLE:
            saved = session.start_retryable(txn_number)
            if saved is not None:
                return saved
            ctx = self.context(db, lsid, connection_id, local_address, body)
            reply = handler(self, ctx, body)
            session.retry_reply = reply
            return reply
        return handler(self, self.context(db, lsid, connection_id, local_address, body), body)

    def context(
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
        _engine.forget_database(engine, db)
        self.snapshots.pop(db, None)
        self.ttl.reset(db)
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
            raise CommandError(
                COMMAND_NOT_SUPPORTED_ON_VIEW,
                f"Namespace {ctx.ns(coll)} is a view, not a collection",
            )
        if ctx.txn is not None:
            ctx.txn.check_conflict(ctx.db, coll)
