"""The command registry: what a command runs against, and how a handler is registered.

A handler is ``fn(backend, ctx, body) -> reply``; ``@command("name", fields=(...))`` adds it
to :data:`_COMMANDS` under each name, with the command's own fields (any other field, beyond
mongod's generic arguments, is refused as mongod's IDL parser refuses it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._engine import (
    CollectionStore,
    DatabaseStore,
    ServerStore,
    Transaction,
)

if TYPE_CHECKING:
    from asynctestkit.mongo.server._backend import Backend

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
        return _engine.is_created(self.store[self.db], name)

    def ns(self, name: str) -> str:
        return f"{self.db}.{name}"


_Handler = Callable[["Backend", Context, dict[str, Any]], dict[str, Any]]
_COMMANDS: dict[str, tuple[_Handler, frozenset[str] | None]] = {}


def command(*names: str, fields: Iterable[str] | None = None) -> Callable[[_Handler], _Handler]:
    """Register a handler; ``fields`` are the command's own fields (None: accept any)."""

    def register(fn: _Handler) -> _Handler:
        allowed = None if fields is None else frozenset(fields) | _GENERIC
        for name in names:
            _COMMANDS[name] = (fn, None if allowed is None else allowed | {name})
        return fn

    return register
