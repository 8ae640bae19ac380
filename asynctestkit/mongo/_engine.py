"""The in-memory storage engine (mongomock-ng) plus the catalog and transactions mongod has."""

from __future__ import annotations

import copy
import importlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from bson.binary import Binary, UuidRepresentation

from asynctestkit.mongo._errors import CommandError

# mongomock-ng ships py.typed but leaves its functions unannotated: use it through Any.
mongomock: Any = importlib.import_module("mongomock_ng")
filtering: Any = importlib.import_module("mongomock_ng.filtering")
helpers: Any = importlib.import_module("mongomock_ng.helpers")
_store: Any = importlib.import_module("mongomock_ng.store")
_aggregate: Any = importlib.import_module("mongomock_ng.aggregate")
_process_pipeline = _aggregate.process_pipeline


def _process_pipeline_on_a_list(collection: Any, *args: Any, **kwargs: Any) -> Any:
    # mongomock-ng 7.11 runs a $lookup's own pipeline on a generator of the matched
    # documents; its stages expect a list: a nested $lookup returns the exhausted generator
    # (so [] where mongod finds documents) and $limit fails on it. Give every pipeline a list.
    if not isinstance(collection, list):
        collection = list(collection)
    return _process_pipeline(collection, *args, **kwargs)


_aggregate.process_pipeline = _process_pipeline_on_a_list
CollectionStore = Any
DatabaseStore = Any
ServerStore = Any

_WRITE_CONFLICT = (
    "Caused by :: Write conflict during plan execution and yielding is disabled. :: "
    "Please retry your operation or multi-document transaction."
)


@dataclass
class CollectionInfo:
    """What mongod keeps in its catalog for a collection and mongomock does not."""

    uuid: Binary = field(
        default_factory=lambda: Binary.from_uuid(uuid.uuid4(), UuidRepresentation.STANDARD)
    )
    options: dict[str, Any] = field(default_factory=dict)
    # Index specs exactly as listIndexes reports them, the _id index excluded.
    indexes: list[dict[str, Any]] = field(default_factory=list)


def collection_info(store: CollectionStore) -> CollectionInfo:
    """The catalog entry of a collection store, created on first use."""
    info: CollectionInfo | None = getattr(store, "_asynctestkit_info", None)
    if info is None:
        info = CollectionInfo()
        store._asynctestkit_info = info  # type: ignore[attr-defined]
    return info


def reset_collection_info(store: CollectionStore) -> None:
    store._asynctestkit_info = None  # type: ignore[attr-defined]


def views(db_store: DatabaseStore) -> dict[str, dict[str, Any]]:
    """The views of a database: name -> {viewOn, pipeline[, collation]}."""
    found: dict[str, dict[str, Any]] | None = getattr(db_store, "_asynctestkit_views", None)
    if found is None:
        found = {}
        db_store._asynctestkit_views = found  # type: ignore[attr-defined]
    return found


def _copy_collection(src: CollectionStore) -> CollectionStore:
    dst = _store.CollectionStore(src.name)
    dst._documents = copy.deepcopy(src._documents)
    dst.indexes = copy.deepcopy(src.indexes)
    dst._ttl_indexes = copy.deepcopy(src._ttl_indexes)
    dst.options = copy.deepcopy(src.options)
    dst._is_force_created = src._is_force_created
    dst._asynctestkit_info = copy.deepcopy(  # type: ignore[attr-defined]
        getattr(src, "_asynctestkit_info", None)
    )
    return dst


def _copy_database(src: DatabaseStore) -> DatabaseStore:
    dst = _store.DatabaseStore()
    for name, col in src._collections.items():
        if col.is_created:
            dst._collections[name] = _copy_collection(col)
    dst._asynctestkit_views = copy.deepcopy(views(src))  # type: ignore[attr-defined]
    return dst


class _SnapshotStore(_store.ServerStore):  # type: ignore[misc]
    """A transaction's view: each database is copied from the engine on first touch."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine
        self.snapshot_seq: dict[str, int] = {}

    def __getitem__(self, db_name: str) -> DatabaseStore:
        databases: dict[str, DatabaseStore] = self._databases
        try:
            return databases[db_name]
        except KeyError:
            db = databases[db_name] = _copy_database(self._engine.store[db_name])
            self.snapshot_seq[db_name] = self._engine.seq
            return db


class Transaction:
    """Snapshot isolation: reads and writes go to copies, committed all at once."""

    def __init__(self, engine: Engine, txn_number: int) -> None:
        self.engine = engine
        self.txn_number = txn_number
        self.store = _SnapshotStore(engine)
        self.client: Any = mongomock.MongoClient(_store=self.store)
        self.written: set[tuple[str, str]] = set()

    def check_conflict(self, db: str, coll: str) -> None:
        """Fail like mongod when someone else wrote ``db.coll`` after our snapshot."""
        self.store[db]
        if self.engine.versions.get((db, coll), 0) > self.store.snapshot_seq[db]:
            raise CommandError(112, _WRITE_CONFLICT, labels=("TransientTransactionError",))

    def commit(self) -> None:
        for db, coll in sorted(self.written):
            self.check_conflict(db, coll)
        for db, coll in self.written:
            txn_db = self.store[db]
            base_db = self.engine.store[db]
            base_db._collections[coll] = txn_db._collections[coll]
            views(base_db).update(views(txn_db))
            self.engine.bump(db, coll)


class Engine:
    """The whole server's data, with per-collection write versions for conflict checks."""

    def __init__(self) -> None:
        self.store: ServerStore = _store.ServerStore()
        self.client: Any = mongomock.MongoClient(_store=self.store)
        self.seq = 0
        self.versions: dict[tuple[str, str], int] = {}

    def bump(self, db: str, coll: str) -> None:
        self.seq += 1
        self.versions[(db, coll)] = self.seq
