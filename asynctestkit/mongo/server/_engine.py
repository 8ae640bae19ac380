"""The engine adapter: the one module that touches mongomock-ng's internals.

The storage engine is mongomock-ng (7.11). The commands never reach into it: they call the
functions below, which use its private store classes (``mongomock_ng/store.py``:
``ServerStore._databases``, ``DatabaseStore._collections``, ``CollectionStore._documents``,
``indexes``, ``_ttl_indexes``, ``_is_force_created``), its collection's private write methods
(``mongomock_ng/collection.py``: ``_insert``, ``_update``, ``_delete``,
``_copy_only_fields``), ``MongoClient._database_accesses`` and ``filtering``/``helpers``.
:data:`PRIVATE_NAMES` and :data:`PRIVATE_INSTANCE_NAMES` name each of them;
``tests/test_compat.py`` fails by name the day a release moves one. This module also keeps
what mongod has and the engine lacks: the catalog (:class:`CollectionInfo`, views) and
snapshot transactions.

It is longer than the package's ~600-line rule on purpose: every use of the engine's
internals (collations and TTL included) stays in this one room, so an engine upgrade is
one module to read.
"""

from __future__ import annotations

import copy
import importlib
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import bson
import bson.code
import bson.max_key
import bson.min_key
import bson.regex
import bson.timestamp
from bson.binary import Binary, UuidRepresentation

from asynctestkit.mongo.server._collation import Collation, parse, unwrap
from asynctestkit.mongo.server._errors import (
    BAD_VALUE,
    DOCUMENT_VALIDATION_FAILURE,
    DUPLICATE_KEY,
    INVALID_PIPELINE_OPERATOR,
    WRITE_CONFLICT,
    CommandError,
    mongod_repr,
    not_implemented,
)

# mongomock-ng ships py.typed but leaves its functions unannotated: use it through Any.
mongomock: Any = importlib.import_module("mongomock_ng")
filtering: Any = importlib.import_module("mongomock_ng.filtering")
helpers: Any = importlib.import_module("mongomock_ng.helpers")
_store: Any = importlib.import_module("mongomock_ng.store")
_aggregate: Any = importlib.import_module("mongomock_ng.aggregate")
_collection: Any = importlib.import_module("mongomock_ng.collection")
_process_pipeline = _aggregate.process_pipeline


def _process_pipeline_on_a_list(collection: Any, *args: Any, **kwargs: Any) -> Any:
    # mongomock-ng 7.11 runs a $lookup's own pipeline on a generator of the matched
    # documents; its stages expect a list: a nested $lookup returns the exhausted generator
    # (so [] where mongod finds documents) and $limit fails on it. Give every pipeline a list.
    if not isinstance(collection, list):
        collection = list(collection)
    return _process_pipeline(collection, *args, **kwargs)


_aggregate.process_pipeline = _process_pipeline_on_a_list


def _no_output_for_no_input(handler: Any) -> Any:
    # mongod's $group (and $count, a $group underneath) outputs nothing for no input
    # documents; mongomock-ng outputs one group ({_id: null, total: 0}).
    def stage(in_collection: Any, *args: Any) -> Any:
        in_collection = list(in_collection)
        return handler(in_collection, *args) if in_collection else []

    return stage


for _name in ("$group", "$count"):
    _aggregate._PIPELINE_HANDLERS[_name] = _no_output_for_no_input(
        _aggregate._PIPELINE_HANDLERS[_name]
    )

# $type names mongomock-ng leaves unimplemented, and mongod's numeric aliases
# (https://www.mongodb.com/docs/manual/reference/operator/query/type/#available-types).
filtering.TYPE_MAP.update(
    {
        "null": lambda v: v is None,
        "regex": lambda v: isinstance(v, (re.Pattern, bson.regex.Regex)),
        "javascript": lambda v: isinstance(v, bson.code.Code) and v.scope is None,
        "javascriptWithScope": lambda v: isinstance(v, bson.code.Code) and v.scope is not None,
        "timestamp": lambda v: isinstance(v, bson.timestamp.Timestamp),
        "minKey": lambda v: isinstance(v, bson.min_key.MinKey),
        "maxKey": lambda v: isinstance(v, bson.max_key.MaxKey),
    }
)
_TYPE_NUMBERS = {
    1: "double",
    2: "string",
    3: "object",
    4: "array",
    5: "binData",
    6: "undefined",
    7: "objectId",
    8: "bool",
    9: "date",
    10: "null",
    11: "regex",
    12: "dbPointer",
    13: "javascript",
    14: "symbol",
    15: "javascriptWithScope",
    16: "int",
    17: "timestamp",
    18: "long",
    19: "decimal",
    -1: "minKey",
    127: "maxKey",
}
filtering.TYPE_MAP.update({n: filtering.TYPE_MAP[name] for n, name in _TYPE_NUMBERS.items()})
# Change events need each updated document as it was before the update. mongomock-ng's
# Collection._update_documents (collection.py) updates the stored document in place, right
# after taking a copy with _clone_document to roll back with: :func:`update` keeps those
# copies, per thread (every server has a thread of its own).
_clone_document = _collection._clone_document
_captured = threading.local()


def _clone_and_keep(document: Any) -> Any:
    clone = _clone_document(document)
    into = getattr(_captured, "into", None)
    if into is not None and isinstance(document, dict) and "_id" in document:
        into.setdefault(_key(document["_id"]), clone)
    return clone


_collection._clone_document = _clone_and_keep
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


def index_specs(store: CollectionStore) -> list[dict[str, Any]]:
    """The collection's indexes as listIndexes reports them, ``_id_`` first."""
    info = collection_info(store)
    id_index: dict[str, Any] = {"v": 2, "key": {"_id": 1}, "name": "_id_"}
    if "collation" in info.options:
        # The _id index has the collection's default collation, as every index built
        # without one does.
        id_index["collation"] = info.options["collation"]
    return [id_index, *info.indexes]


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


def copy_structure(src: DatabaseStore) -> DatabaseStore:
    """A database's collections (options, indexes, catalog entries) and views, no documents.

    Each copied collection gets a UUID of its own, as a collection mongod creates does.
    """
    dst = _store.DatabaseStore()
    for name, col in src._collections.items():
        if col.is_created:
            documents = col._documents
            col._documents = type(documents)()
            try:
                copied = dst._collections[name] = _copy_collection(col)
            finally:
                col._documents = documents
            info = getattr(copied, "_asynctestkit_info", None)
            if info is not None:
                info.uuid = CollectionInfo().uuid
    dst._asynctestkit_views = copy.deepcopy(views(src))  # type: ignore[attr-defined]
    return dst


def install_database(engine: Engine, name: str, db_store: DatabaseStore) -> None:
    """Make ``db_store`` the database ``name`` (which must not exist yet)."""
    engine.store._databases[name] = db_store
    # mongomock caches a Database per name, bound to the store it saw first.
    engine.client._database_accesses.pop(name, None)


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
        # The change events of the transaction's writes, appended to the log at commit.
        self.changes: list[dict[str, Any]] = []

    def check_conflict(self, db: str, coll: str) -> None:
        """Fail like mongod when someone else wrote ``db.coll`` after our snapshot."""
        self.store[db]
        if self.engine.versions.get((db, coll), 0) > self.store.snapshot_seq[db]:
            raise CommandError(
                WRITE_CONFLICT, _WRITE_CONFLICT, labels=("TransientTransactionError",)
            )

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


# -- everything else the commands need from the engine ------------------------------------

# mongomock-ng's private names this module relies on (written for 7.11): tests/test_compat.py
# checks each one by name, tests/mongo_server/test_engine_adapter.py that no other module of
# the package uses them. (module, attribute path):
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("mongomock_ng", "Collection._store"),
    ("mongomock_ng", "Collection._insert"),
    ("mongomock_ng", "Collection._update"),
    ("mongomock_ng", "Collection._update_documents"),
    ("mongomock_ng", "Collection._delete"),
    ("mongomock_ng", "Collection._copy_only_fields"),
    ("mongomock_ng", "Collection._ensure_uniques"),
    ("mongomock_ng", "Collection._compute_index_entries"),
    ("mongomock_ng", "Collection._entries_overlap"),
    ("mongomock_ng.collection", "_clone_document"),
    ("mongomock_ng.store", "CollectionStore._remove_expired_documents"),
    ("mongomock_ng.store", "DatabaseStore.rename"),
    ("mongomock_ng.store", "DatabaseStore.list_created_collection_names"),
    ("mongomock_ng.store", "ServerStore.list_created_database_names"),
    ("mongomock_ng.filtering", "filter_applies"),
    ("mongomock_ng.filtering", "resolve_sort_key"),
    ("mongomock_ng.filtering", "BsonComparable"),
    ("mongomock_ng.filtering", "TYPE_MAP"),
    ("mongomock_ng.helpers", "get_value_by_dot"),
    ("mongomock_ng.helpers", "NOTHING"),
    ("mongomock_ng.helpers", "hashdict"),
    ("mongomock_ng.aggregate", "process_pipeline"),
    ("mongomock_ng.aggregate", "_PIPELINE_HANDLERS"),
)
# Set in __init__: (module, class, attribute).
PRIVATE_INSTANCE_NAMES: tuple[tuple[str, str, str], ...] = (
    ("mongomock_ng.store", "ServerStore", "_databases"),
    ("mongomock_ng.store", "DatabaseStore", "_collections"),
    ("mongomock_ng.store", "CollectionStore", "_documents"),
    ("mongomock_ng.store", "CollectionStore", "indexes"),
    ("mongomock_ng.store", "CollectionStore", "_ttl_indexes"),
    ("mongomock_ng.store", "CollectionStore", "_is_force_created"),
    ("mongomock_ng.store", "CollectionStore", "options"),
    ("mongomock_ng", "MongoClient", "_database_accesses"),
)

# The engine's "no value here" marker (a missing field on a path).
NOTHING: Any = helpers.NOTHING
filter_applies = filtering.filter_applies
# Orders values as mongod compares BSON values of any types (sorted(key=bson_order)).
bson_order = filtering.BsonComparable
value_by_dot = helpers.get_value_by_dot


def is_created(db_store: DatabaseStore, name: str) -> bool:
    """Whether ``name`` exists in the database (the engine keeps phantom entries too)."""
    store = db_store._collections.get(name, None)
    return store is not None and bool(store.is_created)


def created_collection_names(db_store: DatabaseStore) -> list[str]:
    return list(db_store.list_created_collection_names())


def created_database_names(server: ServerStore) -> set[str]:
    """Databases with a collection, or with views only."""
    names = set(server.list_created_database_names())
    names.update(name for name, db in server._databases.items() if views(db))
    return names


def collection_stores(db_store: DatabaseStore) -> list[tuple[str, CollectionStore]]:
    """(name, store) of every collection entry, created or not."""
    return list(db_store._collections.items())


def entry_names(db_store: DatabaseStore) -> list[str]:
    """Every collection entry's name, including the engine's not-yet-created ones."""
    return list(db_store._collections)


def remove_entry(db_store: DatabaseStore, name: str) -> None:
    db_store._collections.pop(name, None)


def documents(store: CollectionStore) -> Any:
    """The collection's documents by ``_id``, live (not a copy)."""
    return store._documents


def set_documents(store: CollectionStore, docs: Any | None) -> None:
    """Replace the documents (a copy of ``docs``; None empties the collection)."""
    store._documents = copy.deepcopy(docs) if docs else type(store._documents)()


def document_by_id(store: CollectionStore, value: Any) -> dict[str, Any] | None:
    """A copy of the document with this ``_id``, after the engine's TTL expiry."""
    store._remove_expired_documents()
    doc = store._documents.get(value)
    return None if doc is None else copy.deepcopy(doc)


def data_size(db_store: DatabaseStore) -> int:
    """The BSON size of every document in the database."""
    total = 0
    for col in db_store._collections.values():
        for doc in col._documents.values():
            total += len(bson.encode(doc))
    return total


def document_count(store: CollectionStore) -> int:
    return len(store._documents)


def create_collection(store: CollectionStore, **options: Any) -> None:
    store.create(**options)


def drop_collection(db_store: DatabaseStore, name: str) -> None:
    """Empty the collection, forget its catalog entry and remove it from the database."""
    store = db_store[name]
    store.drop()
    reset_collection_info(store)
    db_store._collections.pop(name, None)


def rename_collection(db_store: DatabaseStore, source: str, target: str) -> None:
    db_store.rename(source, target)


def mark_created(store: CollectionStore) -> None:
    """The collection exists even with no documents (mongod: createIndexes creates it)."""
    store._is_force_created = True


def validation_options(store: CollectionStore) -> dict[str, Any]:
    """The engine's live validation options (validator, validationLevel, validationAction)."""
    options: dict[str, Any] = store.options
    return options


def drop_engine_index(store: CollectionStore, index: str) -> None:
    store.indexes.pop(index, None)
    store._ttl_indexes.pop(index, None)


def engine_index_names(store: CollectionStore) -> list[tuple[str, list[str]]]:
    """(name, key fields) of the engine's own indexes."""
    return [(name, [k for k, _ in spec["key"]]) for name, spec in store.indexes.items()]


def text_index_fields(store: CollectionStore) -> list[str] | None:
    """The fields of the collection's text index, or None."""
    for spec in store.indexes.values():
        fields = [field for field, kind in spec["key"] if kind == "text"]
        if fields:
            return fields
    return None


def all_documents(store: CollectionStore) -> Any:
    """Iterate the documents after the engine's TTL expiry."""
    return store.documents


def _key(value: Any) -> Any:
    """The engine's key for an ``_id`` (documents as _id values are hashed)."""
    return helpers.hashdict(value) if isinstance(value, dict) else value


def stored(store: CollectionStore, _id: Any) -> dict[str, Any] | None:
    """The stored document (live, not a copy) with this ``_id``."""
    found: dict[str, Any] | None = store._documents.get(_key(_id))
    return found


def insert(collection: Any, doc: dict[str, Any], *, validate: bool) -> dict[str, Any]:
    """Insert; return the document as stored (live)."""
    _id = collection._insert(doc, validate=validate)
    found = stored(collection._store, _id)
    assert found is not None
    return found


def update(
    collection: Any, query: dict[str, Any], update: Any, **options: Any
) -> tuple[Any, list[tuple[dict[str, Any], dict[str, Any]]]]:
    """The engine's update: its raw result (n, nModified, upserted), and (before, after)
    of each document it matched, in order (after: live; equal to before if unchanged)."""
    before: dict[Any, dict[str, Any]] = {}
    _captured.into = before
    try:
        result = collection._update(query, update, **options)
    finally:
        _captured.into = None
    pairs = []
    for key, old in before.items():
        new = collection._store._documents.get(key)
        if new is not None:
            pairs.append((old, new))
    return result, pairs


def delete(collection: Any, query: dict[str, Any], *, multi: bool = False) -> list[dict[str, Any]]:
    """Delete the first matching document (every one with ``multi``); return copies."""
    # What mongomock-ng's Collection._delete does, keeping the deleted documents.
    found = list(collection.find(query) if multi else collection.find(query, limit=1))
    documents = collection._store._documents
    for doc in found:
        del documents[_key(doc["_id"])]
    return found


def transform(
    docs: list[dict[str, Any]], database: Any, pipeline: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Run aggregation stages over documents of no collection (change events)."""
    return list(_aggregate.process_pipeline(docs, database, pipeline, None))


def find_by_key(engine: Engine, db: str, coll: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """A copy of the document ``db.coll`` has under ``key`` ({_id: ...}) now, or None."""
    db_store = engine.store._databases.get(db)
    if db_store is None or not is_created(db_store, coll):
        return None
    found = stored(db_store[coll], key["_id"])
    return None if found is None else copy.deepcopy(found)


def project(collection: Any, doc: dict[str, Any], projection: dict[str, Any] | None) -> Any:
    if not projection:
        return doc
    return collection._copy_only_fields(doc, projection, dict)


def forget_database(engine: Engine, db: str) -> None:
    """Drop the database's store and the client's cached Database bound to it."""
    engine.store._databases.pop(db, None)
    # mongomock caches a Database per name, and its Collections, bound to that store.
    engine.client._database_accesses.pop(db, None)


# -- collations -----------------------------------------------------------------------------
# The engine compares strings in binary order. Under a collation, the documents and the
# filter are given collated strings (compared and hashed by their sort keys) and the
# engine's own matching, sorting and grouping run on those; results are unwrapped.


def collated_matches(
    store: CollectionStore,
    collation: Collation,
    query: dict[str, Any],
    sort: list[tuple[str, Any]] | None = None,
    enough: int = 0,
) -> list[dict[str, Any]]:
    """The documents matching ``query`` under ``collation``, sorted, still collated.

    Without a sort, the scan stops at ``enough`` matches (0: all), as the engine's does.
    """
    wrapped_query = collation.wrap_query(query)
    matches = []
    for doc in store.documents:
        wrapped = collation.wrap(doc)
        if filter_applies(wrapped_query, wrapped):
            matches.append(wrapped)
            if enough and not sort and len(matches) >= enough:
                break
    # As the engine sorts: one stable sort per key, the last key first.
    for key, direction in reversed(sort or []):
        if key == "$natural":
            if direction < 0:
                matches.reverse()
            continue
        matches.sort(key=_sort_key(key), reverse=direction < 0)
    return matches


def _sort_key(key: str) -> Callable[[dict[str, Any]], Any]:
    def sort_key(doc: dict[str, Any]) -> Any:
        return filtering.resolve_sort_key(key, doc)

    return sort_key


def collated_find(
    collection: Any,
    store: CollectionStore,
    collation: Collation,
    query: dict[str, Any],
    projection: dict[str, Any] | None = None,
    skip: int = 0,
    limit: int = 0,
    sort: list[tuple[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """``find`` under a collation: plain documents, projected as the engine's find does."""
    enough = skip + limit if limit else 0
    matches = collated_matches(store, collation, query, sort, enough)[skip:]
    if limit:
        matches = matches[:limit]
    docs = [unwrap(doc) for doc in matches]
    if not projection:
        return docs
    return [collection._copy_only_fields(doc, projection, dict, filter=query) for doc in docs]


def collated_aggregate(
    collection: Any, store: CollectionStore | None, collation: Collation, pipeline: list[Any]
) -> list[Any]:
    """The engine's aggregate over collated documents, filters and comparisons."""
    docs = [] if store is None else [collation.wrap(doc) for doc in store.documents]
    database = _CollatedDatabase(collection.database, collation)
    out = _aggregate.process_pipeline(docs, database, collation.wrap_pipeline(pipeline), None)
    return [unwrap(doc) for doc in out]


class _CollatedDatabase:
    """The database a collated pipeline sees: $lookup, $graphLookup and $unionWith read the
    other collections' documents collated too (mongod compares them under the collation)."""

    def __init__(self, database: Any, collation: Collation) -> None:
        self._database = database
        self._collation = collation

    def get_collection(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return _CollatedCollection(
            self._database.get_collection(name, *args, **kwargs), self._collation
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)


class _CollatedCollection:
    def __init__(self, collection: Any, collation: Collation) -> None:
        self._collection = collection
        self._collation = collation

    def find(self, filter: Any = None, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return self._collection.find(filter, *args, **kwargs)
        return iter(collated_matches(self._collection._store, self._collation, filter or {}))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)


def unwrap_documents(store: CollectionStore) -> None:
    """Plain strings again in a collection a collated pipeline wrote ($out, $merge)."""
    store._documents = type(store._documents)(
        (unwrap(key), unwrap(doc)) for key, doc in store._documents.items()
    )


def _index_collation(spec: dict[str, Any]) -> Collation | None:
    return parse(spec["collation"]) if "collation" in spec else None


def _collated_entries(
    doc: dict[str, Any], spec: dict[str, Any], collation: Collation
) -> list[tuple[Any, ...]] | None:
    entries = mongomock.Collection._compute_index_entries(
        doc, list(spec["key"].items()), spec.get("sparse")
    )
    if entries is None:
        return None
    # A string becomes its sort key, marked so no other value can equal it.
    return [
        tuple(
            (_STRING_KEY, collation.key(value)) if isinstance(value, str) else value
            for value in entry
        )
        for entry in entries
    ]


_STRING_KEY = object()


def _duplicate(spec: dict[str, Any], doc: dict[str, Any]) -> Exception:
    key = spec["key"]
    error: Exception = mongomock.DuplicateKeyError(
        "E11000 Duplicate Key Error",
        11000,
        {"keyPattern": dict(key), "keyValue": {k: helpers.get_value_by_dot(doc, k) for k in key}},
    )
    return error


def check_unique_under_collation(store: CollectionStore, spec: dict[str, Any]) -> None:
    """Building a unique index with a collation: fail on keys equal under it (mongod 11000)."""
    collation = _index_collation(spec)
    if collation is None or not spec.get("unique"):
        return
    partial = spec.get("partialFilterExpression")
    seen: set[tuple[Any, ...]] = set()
    for doc in store.documents:
        if partial is not None and not filter_applies(partial, doc):
            continue
        entries = _collated_entries(doc, spec, collation)
        if entries is None:
            continue
        if seen.intersection(entries):
            raise _duplicate(spec, doc)
        seen.update(entries)


_ensure_uniques = mongomock.Collection._ensure_uniques


def _ensure_uniques_under_collations(self: Any, new_data: dict[str, Any]) -> None:
    # mongomock-ng 7.11 (collection.py, Collection._ensure_uniques) compares index keys in
    # binary order; a unique index with a collation also rejects keys equal under it.
    _ensure_uniques(self, new_data)
    info = collection_info(self._store)
    specs = [spec for spec in info.indexes if spec.get("unique") and "collation" in spec]
    if "collation" in info.options and isinstance(new_data.get("_id"), str):
        # The _id index has the collection's default collation.
        specs.append({"key": {"_id": 1}, "collation": info.options["collation"]})
    for spec in specs:
        collation = _index_collation(spec)
        new_entries = None if collation is None else _collated_entries(new_data, spec, collation)
        if collation is None or new_entries is None:
            continue
        partial = spec.get("partialFilterExpression")
        for doc in self._store.documents:
            if doc["_id"] == new_data.get("_id"):
                continue
            if partial is not None and not filter_applies(partial, doc):
                continue
            entries = _collated_entries(doc, spec, collation)
            if entries is not None and mongomock.Collection._entries_overlap(new_entries, entries):
                raise _duplicate(spec, new_data)


mongomock.Collection._ensure_uniques = _ensure_uniques_under_collations


# -- engine errors as mongod's ---------------------------------------------------------------


def index_name_for(store: CollectionStore, key_pattern: dict[str, Any]) -> str:
    """The name of the index on ``key_pattern``, as mongod names it in errors."""
    if list(key_pattern) == ["_id"]:
        return "_id_"
    for spec in collection_info(store).indexes:
        if list(spec["key"]) == list(key_pattern):
            return str(spec["name"])
    for name, keys in engine_index_names(store):
        if keys == list(key_pattern):
            return name
    return "_".join(f"{k}_{v}" for k, v in key_pattern.items())


def translate(exc: Exception, ns: str, store: Callable[[], CollectionStore]) -> CommandError:
    """Map an engine exception to the error mongod gives for the same operation."""
    if isinstance(exc, CommandError):
        return exc
    if isinstance(exc, mongomock.DuplicateKeyError):
        details = exc.details or {}
        pattern = dict(details.get("keyPattern") or {"_id": 1})
        value = dict(details.get("keyValue") or {})
        value = {k: (None if v is NOTHING else v) for k, v in value.items()}
        index = index_name_for(store(), pattern)
        message = (
            f"E11000 duplicate key error collection: {ns} index: {index} "
            f"dup key: {mongod_repr(value)}"
        )
        return CommandError(DUPLICATE_KEY, message, keyPattern=pattern, keyValue=value)
    if isinstance(exc, NotImplementedError):
        return not_implemented(str(exc).split(".")[0] or "This operation")
    if isinstance(exc, mongomock.OperationFailure):
        code = exc.code if isinstance(exc.code, int) and exc.code else _guess_code(str(exc))
        message = str(exc)
        if code == DOCUMENT_VALIDATION_FAILURE:
            return CommandError(
                DOCUMENT_VALIDATION_FAILURE, "Document failed validation", errInfo=exc.details or {}
            )
        return CommandError(code, message)
    if isinstance(exc, (ValueError, TypeError, KeyError)):
        return CommandError(BAD_VALUE, str(exc))
    raise exc


def _guess_code(message: str) -> int:
    lowered = message.lower()
    if "validation" in lowered:
        return DOCUMENT_VALIDATION_FAILURE
    if "unrecognized expression" in lowered:
        return INVALID_PIPELINE_OPERATOR
    return BAD_VALUE
