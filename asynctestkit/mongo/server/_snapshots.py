"""The toolkit's own commands: MongoTestCase's per-test restore in one round trip.

mongod has no such commands (it answers CommandNotFound, and the test case falls back to
deleteMany + insertMany).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._errors import (
    NAMESPACE_NOT_FOUND,
    OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
    CommandError,
)
from asynctestkit.mongo.server._registry import Context, command

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend


@command("asynctestkitSnapshot", fields=())
def _snapshot(backend: Backend, ctx: Context, body: dict[str, Any]) -> dict[str, Any]:
    if ctx.txn is not None:
        raise CommandError(
            OPERATION_NOT_SUPPORTED_IN_TRANSACTION,
            "Cannot run 'asynctestkitSnapshot' in a multi-document transaction.",
        )
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
            backend.wrote(ctx, name)
    return {"ok": 1.0}
