"""The toolkit's own commands: MongoTestCase's per-test restore, and its class databases
made from a template, each in one round trip.

- ``asynctestkitSnapshot`` / ``asynctestkitRestore``: the database's documents, kept and put
  back (indexes and options stay).
- ``asynctestkitSaveTemplate: name``: keep the database's structure (collections, options,
  indexes, views; no documents) under ``name``; ``asynctestkitCloneTemplate: name`` makes
  the (new) database of the command a copy of it. MongoTestCase saves one per set of
  ``document_models`` after the first ``init_beanie`` and starts every later class from it.

mongod has no such commands (it answers CommandNotFound, and the test case falls back to
deleteMany + insertMany, and to ``init_beanie`` for every class).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._args import type_name
from asynctestkit.mongo.server._errors import (
    NAMESPACE_EXISTS,
    NAMESPACE_NOT_FOUND,
    OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
    TYPE_MISMATCH,
    CommandError,
)
from asynctestkit.mongo.server._registry import Context, command

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend


def _outside_transaction(ctx: Context, name: str) -> None:
    if ctx.txn is not None:
        raise CommandError(
            OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
            f"Cannot run '{name}' in a multi-document transaction.",
        )


def _template_name(body: dict[str, Any], name: str) -> str:
    value = body[name]
    if not isinstance(value, str) or not value:
        raise CommandError(
            TYPE_MISMATCH, f"{name} needs a template name string, not {type_name(value)}"
        )
    return value


@command("asynctestkitSnapshot", fields=())
def _snapshot(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    _outside_transaction(ctx, "asynctestkitSnapshot")
    db_store = ctx.db_store()
    backend.snapshots[ctx.db] = {
        name: copy.deepcopy(_engine.documents(db_store[name]))
        for name in _engine.created_collection_names(db_store)
    }
    return {"collections": len(backend.snapshots[ctx.db]), "ok": 1.0}


@command("asynctestkitRestore", fields=())
def _restore(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    snapshot = backend.snapshots.get(ctx.db)
    if snapshot is None:
        raise CommandError(
            NAMESPACE_NOT_FOUND, f"no asynctestkitSnapshot of database {ctx.db!r} to restore"
        )
    db_store = ctx.db_store()
    for name in _engine.created_collection_names(db_store):
        store = db_store[name]
        documents = snapshot.get(name)
        if not _engine.documents(store) and not documents:
            continue
        # Documents only: indexes, options and the catalog entry stay as they are.
        _engine.set_documents(store, documents)
        backend.wrote(ctx, name)
    for name, documents in snapshot.items():
        if not _engine.is_created(db_store, name):
            _engine.set_documents(db_store[name], documents)
            _engine.mark_created(db_store[name])
            backend.wrote(ctx, name)
    # The TTL clock goes back with the data (advance() moved it for one test).
    backend.ttl.reset(ctx.db)
    return {"ok": 1.0}


@command("asynctestkitSaveTemplate", fields=())
def _save_template(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    _outside_transaction(ctx, "asynctestkitSaveTemplate")
    name = _template_name(body, "asynctestkitSaveTemplate")
    # A database with nothing in it yet (models without indexes) is a template too.
    template = backend.templates[name] = _engine.copy_structure(ctx.db_store())
    return {"collections": len(_engine.created_collection_names(template)), "ok": 1.0}


@command("asynctestkitCloneTemplate", fields=())
def _clone_template(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    _outside_transaction(ctx, "asynctestkitCloneTemplate")
    name = _template_name(body, "asynctestkitCloneTemplate")
    template = backend.templates.get(name)
    if template is None:
        raise CommandError(NAMESPACE_NOT_FOUND, f"no asynctestkitSaveTemplate named {name!r}")
    if ctx.db in _engine.created_database_names(ctx.store):
        raise CommandError(
            NAMESPACE_EXISTS, f"database {ctx.db!r} already exists: a template makes a new one"
        )
    _engine.install_database(backend.engine, ctx.db, _engine.copy_structure(template))
    names = _engine.created_collection_names(ctx.db_store())
    for collection in names:
        backend.wrote(ctx, collection)
    return {"collections": len(names), "ok": 1.0}
