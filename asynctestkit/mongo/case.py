"""MongoTestCase: a database per class, isolation per test, Beanie and motor.

The isolation ladder:

- per process: the embedded server (when ``MONGODB_URI`` is unset);
- per class: the client, the database (created and dropped by us), ``init_beanie``,
  and the data of ``asyncSetUpTestData``;
- per test (``mongo_isolation = "test"``): every collection is emptied and the class data
  put back before the test; indexes stay.
"""

from __future__ import annotations

import importlib
import itertools
import os
import re
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from asynctestkit._extras import require
from asynctestkit._hints import did_you_mean
from asynctestkit._lazy import deprecated_aliases
from asynctestkit._redact import redact_uri
from asynctestkit.case import AsyncTestCase
from asynctestkit.mongo import _beanie

__all__ = ["MongoMixin", "MongoTestCase"]

_DRIVERS = ("pymongo", "motor")
_ISOLATION_LEVELS = ("test", "class")
_SERVER_SELECTION_TIMEOUT_S = 3.0
_KEEP_ENV = "ASYNCTESTKIT_KEEP_DATABASES"
_URI_ENV = "MONGODB_URI"

_BAD_CHOICE = (
    "{cls}.{name} = {value!r} is not valid; valid values: {choices}.{hint} Fix the class attribute."
)
_BAD_URI = (
    "{cls}.mongo_uri = {value!r} is not valid: it must be a 'mongodb://' or 'mongodb+srv://' "
    "URI string, or None for MONGODB_URI or the embedded server. Fix the class attribute."
)
_BAD_PREFIX = (
    "{cls}.mongo_database_prefix = {value!r} is not valid: it must be a non-empty string of "
    "letters, digits, '_' or '-' (at most 20 characters), so that the databases the toolkit "
    "creates and drops can never be yours. Use the default 'test' or e.g. 'myapp_test'."
)
_BAD_MODEL = (
    "{cls}.document_models[{index}] = {value!r} is not a Beanie document model: each entry "
    "must be a subclass of beanie.Document (or View / UnionDoc), or the dotted path of one, "
    "e.g. 'myapp.models.Order'."
)
_UNREACHABLE = (
    "{cls}: no MongoDB answered at {uri} (from {source}) within {timeout:g} s: {reason}. "
    "Start that server or fix {source}; or unset {source} to use the embedded server "
    "(nothing to install)."
)
_AUTH_FAILED = (
    "{cls}: MongoDB at {uri} (from {source}) refused the credentials: {reason}. "
    "Fix the user name or password in {source}."
)
_MOTOR_WITH_BEANIE = (
    "{cls} sets mongo_driver = 'motor' and document_models, but Beanie {version} needs "
    "PyMongo's async client (Beanie >= 2.1 fails with motor). Remove mongo_driver (the "
    "default is 'pymongo') or pin beanie<2.1."
)
_NOT_OURS = (
    "Refusing to drop or empty database {name!r}: asynctestkit only ever drops databases it "
    "created in this process."
)
_KEPT = "asynctestkit: kept database {name!r} on {uri} ({env}=1)"
_NO_TEST_DATA_COPY = (
    "{cls}.restoreTestData() needs mongo_isolation = 'test' (the default), which keeps a "
    "copy of the class data; {cls} sets mongo_isolation = 'class'. Remove that setting, or "
    "undo the test's changes by hand."
)
_TTL_NEEDS_EMBEDDED = (
    "{cls}.runTTLMonitor() needs the embedded MongoDB server: {uri} (from {source}) runs its "
    "own TTL monitor, every 60 s, which a test can neither run nor move in time. Unset "
    "{source} to test expiry on the embedded server, or wait for it with "
    "assertEventually(...)."
)
_CLIENT_OPTIONS_TYPE = (
    "{cls}.mongo_client_options is a {type.__name__}, not valid: it must be a mapping of "
    "client keyword arguments with string keys, e.g. {{'uuidRepresentation': 'standard', "
    "'tz_aware': True}}. Fix the class attribute."
)
_CLIENT_OPTIONS_REFUSED = (
    "{cls}.mongo_client_options (keys: {keys}) was refused by {client}: {reason}. Fix the "
    "class attribute: its entries are {client}'s keyword arguments (option names as in "
    "the MongoDB URI, e.g. uuidRepresentation, tz_aware, readPreference)."
)

# The old public names still import, with a DeprecationWarning (hidden from type checkers,
# which then flag the old names).
if not TYPE_CHECKING:
    __getattr__ = deprecated_aliases(
        globals(),
        templates=(
            "BAD_CHOICE",
            "BAD_URI",
            "BAD_PREFIX",
            "BAD_MODEL",
            "UNREACHABLE",
            "AUTH_FAILED",
            "MOTOR_WITH_BEANIE",
            "NOT_OURS",
            "KEPT",
        ),
        others={
            "DRIVERS": None,
            "ISOLATION_LEVELS": None,
            "SERVER_SELECTION_TIMEOUT_S": None,
            "KEEP_ENV": None,
            "URI_ENV": None,
            "database_name": "a class's database is cls.db (its name: cls.db.name)",
        },
    )

# A per-process token in every database name: classes, processes, xdist/unittest-parallel
# workers and CI machines sharing one cluster never collide.
_PROCESS_TOKEN = uuid.uuid4().hex[:8]
_counter = itertools.count(1)
_created: set[str] = set()
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_PREFIX_OK = re.compile(r"[A-Za-z0-9_-]{1,20}")
_MAX_DB_NAME = 63
# A URI without options: a client built on it fails only for its keyword options.
_PROBE_URI = "mongodb://127.0.0.1"


def _database_name(prefix: str, cls: type) -> str:
    """``<prefix>_<Class>_<process token>_<n>``, within MongoDB's limits."""
    suffix = f"_{_PROCESS_TOKEN}_{next(_counter)}"
    room = _MAX_DB_NAME - len(prefix) - len(suffix) - 1
    return f"{prefix}_{_NAME_UNSAFE.sub('_', cls.__name__)[:room]}{suffix}"


def _check_choice(cls: type, name: str, choices: Sequence[str]) -> str:
    value = getattr(cls, name)
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        hint = did_you_mean(value, choices)
        raise ValueError(
            _BAD_CHOICE.format(
                cls=cls.__qualname__, name=name, value=value, choices=listed, hint=hint
            )
        )
    return str(value)


def _resolve_models(cls: type) -> list[type]:
    models = cls.document_models  # type: ignore[attr-defined]
    if isinstance(models, (str, type)) or not isinstance(models, Sequence):
        raise TypeError(
            f"{cls.__qualname__}.document_models = {models!r} is not valid: it must be a list "
            f"of Beanie document classes or dotted paths, e.g. [Order, 'myapp.models.User']."
        )
    if not models:
        return []
    beanie = require("beanie", "beanie", f"{cls.__qualname__}.document_models")
    bases = tuple(getattr(beanie, name) for name in ("Document", "View", "UnionDoc"))
    resolved = []
    for index, entry in enumerate(models):
        model = entry
        if isinstance(entry, str):
            module_name, _, attr = entry.rpartition(".")
            try:
                model = getattr(importlib.import_module(module_name), attr)
            except (ImportError, AttributeError, ValueError) as exc:
                raise ValueError(
                    _BAD_MODEL.format(cls=cls.__qualname__, index=index, value=entry) + f" ({exc})"
                ) from exc
        if not (isinstance(model, type) and issubclass(model, bases)):
            raise TypeError(_BAD_MODEL.format(cls=cls.__qualname__, index=index, value=entry))
        resolved.append(model)
    return resolved


def _client_options(cls: type) -> dict[str, Any]:
    """The class's ``mongo_client_options`` over the toolkit's defaults (which it may set)."""
    options = cls.mongo_client_options  # type: ignore[attr-defined]
    if not isinstance(options, Mapping) or not all(isinstance(key, str) for key in options):
        raise TypeError(_CLIENT_OPTIONS_TYPE.format(cls=cls.__qualname__, type=type(options)))
    # The driver reads option names case-insensitively; the user's spelling wins.
    given = {key.lower() for key in options}
    defaults = {"serverSelectionTimeoutMS": int(_SERVER_SELECTION_TIMEOUT_S * 1000)}
    return {**{k: v for k, v in defaults.items() if k.lower() not in given}, **options}


def _client_class(driver: str, feature: str) -> Any:
    if driver == "motor":
        return require("motor.motor_asyncio", "motor", feature).AsyncIOMotorClient
    return require("pymongo", "mongo", feature).AsyncMongoClient


async def _make_client(cls: type, driver: str, uri: str) -> Any:
    """The class's client; a bad ``mongo_client_options`` fails with the driver's reason."""
    feature = f"{cls.__qualname__} (mongo_driver={driver!r})"
    client_class = _client_class(driver, feature)
    options = _client_options(cls)
    refused = (
        TypeError,
        ValueError,
        require("pymongo.errors", "mongo", feature).ConfigurationError,
    )
    try:
        return client_class(uri, **options)
    except refused:
        if not cls.mongo_client_options:  # type: ignore[attr-defined]
            raise
        try:  # blame the options only when they fail without the URI too
            probe = client_class(_PROBE_URI, **options)
        except refused as exc:
            message = _CLIENT_OPTIONS_REFUSED.format(
                cls=cls.__qualname__,
                keys=", ".join(sorted(cls.mongo_client_options)),  # type: ignore[attr-defined]
                client=client_class.__name__,
                reason=exc,
            )
            raise type(exc)(message) from exc
        await _close_client(probe)
        raise


async def _close_client(client: Any) -> None:
    result = client.close()
    if result is not None:  # PyMongo's async client: a coroutine; motor: None
        await result


def _require_ours(name: str) -> None:
    if name not in _created:
        raise RuntimeError(_NOT_OURS.format(name=name))


async def _drop_database(client: Any, name: str, uri: str) -> None:
    _require_ours(name)
    if os.environ.get(_KEEP_ENV, "") not in ("", "0"):
        print(_KEPT.format(name=name, uri=redact_uri(uri), env=_KEEP_ENV), file=sys.stderr)
        return
    await client.drop_database(name)
    _created.discard(name)


class MongoMixin:
    """A database per class on ``MONGODB_URI`` or the embedded server; see MongoTestCase."""

    #: MongoDB to use when ``MONGODB_URI`` is unset (the variable wins); None: embedded.
    mongo_uri: ClassVar[str | None] = None
    #: ``"pymongo"`` (``AsyncMongoClient``) or ``"motor"`` (``AsyncIOMotorClient``).
    mongo_driver: ClassVar[str] = "pymongo"
    #: First part of the name of each database the toolkit creates.
    mongo_database_prefix: ClassVar[str] = "test"
    #: ``"test"``: every test starts from the class data; ``"class"``: data lives on.
    mongo_isolation: ClassVar[str] = "test"
    #: Beanie document classes (or dotted paths) for ``init_beanie``, once per class.
    document_models: ClassVar[Sequence[type | str]] = ()
    #: Keyword arguments for the class's client (``uuidRepresentation``, ``tz_aware``, ...).
    mongo_client_options: ClassVar[Mapping[str, Any]] = MappingProxyType({})

    #: The class's client and database, set when the class starts.
    mongo_client: ClassVar[Any]
    db: ClassVar[Any]

    _asynctestkitMongoSnapshot: ClassVar[dict[str, list[Any]] | None]
    # True from the snapshot until the first test begins: the database is the snapshot.
    _asynctestkitMongoAsSnapshot: ClassVar[bool]
    _asynctestkitMongoIsolation: ClassVar[str]
    # Checked when a class is defined: a classmethod and a coroutine function.
    _asynctestkitAsyncClassHooks: ClassVar[tuple[str, ...]] = ("asyncSetUpTestData",)

    @classmethod
    async def asyncSetUpTestData(cls) -> None:
        """Create class-level data once; each test starts from it (``mongo_isolation="test"``)."""

    @classmethod
    async def _asynctestkitSetUpClass(cls) -> None:
        await super()._asynctestkitSetUpClass()  # type: ignore[misc]
        name = cls.__qualname__
        driver = _check_choice(cls, "mongo_driver", _DRIVERS)
        isolation = _check_choice(cls, "mongo_isolation", _ISOLATION_LEVELS)
        prefix = cls.mongo_database_prefix
        if not isinstance(prefix, str) or not _PREFIX_OK.fullmatch(prefix):
            raise ValueError(_BAD_PREFIX.format(cls=name, value=prefix))
        models = _resolve_models(cls)
        if models and driver == "motor":
            beanie = sys.modules["beanie"]
            raise TypeError(_MOTOR_WITH_BEANIE.format(cls=name, version=beanie.__version__))

        uri, source = cls._asynctestkitMongoLocation()
        client = await _make_client(cls, driver, uri)
        cls.addAsyncClassCleanup(_close_client, client)  # type: ignore[attr-defined]
        await cls._asynctestkitMongoPing(client, uri, source)
        cls.mongo_client = client
        cls.addClassCleanup(cls._asynctestkitMongoForget)  # type: ignore[attr-defined]

        db_name = _database_name(prefix, cls)
        _created.add(db_name)
        cls.addAsyncClassCleanup(_drop_database, client, db_name, uri)  # type: ignore[attr-defined]
        cls.db = client[db_name]
        cls._asynctestkitMongoSnapshot = None
        _beanie.enter_class(cls)
        if models:
            register = cls.addClassCleanup  # type: ignore[attr-defined]
            await _init_models(cls.db, models, uri, register)
        cls._asynctestkitMongoIsolation = isolation

    @classmethod
    def _asynctestkitMongoForget(cls) -> None:
        # A finished class must not keep its closed client alive: the test results keep
        # the class, and the client keeps its pool, monitor tasks and their sockets.
        for name in (
            "mongo_client",
            "db",
            "_asynctestkitMongoSnapshot",
            "_asynctestkitMongoAsSnapshot",
        ):
            if name in vars(cls):
                delattr(cls, name)

    @classmethod
    def _asynctestkitMongoLocation(cls) -> tuple[str, str]:
        """The URI to use and where it came from; starts the embedded server if needed."""
        env_uri = os.environ.get(_URI_ENV, "").strip()
        if env_uri:
            return env_uri, _URI_ENV
        uri = cls.mongo_uri
        if uri is not None and (not isinstance(uri, str) or not uri.startswith("mongodb")):
            raise TypeError(_BAD_URI.format(cls=cls.__qualname__, value=redact_uri(str(uri))))
        if uri:
            return uri, f"{cls.__qualname__}.mongo_uri"
        from asynctestkit.mongo import acquire_shared_server, release_shared_server

        server = acquire_shared_server()
        cls.addClassCleanup(release_shared_server)  # type: ignore[attr-defined]
        return server.uri, "the embedded server"

    @classmethod
    async def _asynctestkitMongoPing(cls, client: Any, uri: str, source: str) -> None:
        errors = require("pymongo.errors", "mongo", cls.__qualname__)
        try:
            await client.admin.command("ping")
        except errors.OperationFailure as exc:
            if exc.code not in (18, 13):  # AuthenticationFailed, Unauthorized
                raise
            # The server's own words; exc.details is the whole reply document.
            details = exc.details if isinstance(exc.details, dict) else {}
            reason = (details.get("errmsg") or str(exc).split(", full error:")[0]).rstrip(".")
            message = _AUTH_FAILED.format(
                cls=cls.__qualname__, uri=redact_uri(uri), source=source, reason=reason
            )
            raise ConnectionError(redact_uri(message)) from None
        except errors.PyMongoError as exc:
            message = _UNREACHABLE.format(
                cls=cls.__qualname__,
                uri=redact_uri(uri),
                source=source,
                timeout=client.options.server_selection_timeout,
                reason=str(exc).split(", Timeout:")[0],
            )
            raise ConnectionError(redact_uri(message)) from None

    @classmethod
    async def _asynctestkitAfterSetUpClass(cls) -> None:
        await super()._asynctestkitAfterSetUpClass()  # type: ignore[misc]
        await cls.asyncSetUpTestData()
        if cls._asynctestkitMongoIsolation == "test":
            cls._asynctestkitMongoSnapshot = await _snapshot(cls.db)
            # Nothing has run since: the class's first test starts from the data as it is.
            cls._asynctestkitMongoAsSnapshot = True

    async def _asynctestkitSetUp(self) -> None:
        await super()._asynctestkitSetUp()  # type: ignore[misc]
        cls = type(self)
        snapshot = cls._asynctestkitMongoSnapshot
        if snapshot is None:
            return
        if vars(cls).get("_asynctestkitMongoAsSnapshot"):
            # No restore, but the same refusal a restore would give a swapped cls.db.
            _require_ours(self.db.name)
            cls._asynctestkitMongoAsSnapshot = False
            return
        await _restore(self.db, snapshot)

    # -- helpers --------------------------------------------------------------------

    async def restoreTestData(self) -> None:
        """Put the class data back now, as before each test (e.g. between sub-tests)."""
        snapshot = vars(type(self)).get("_asynctestkitMongoSnapshot")
        if snapshot is None:
            raise RuntimeError(_NO_TEST_DATA_COPY.format(cls=type(self).__qualname__))
        await _restore(self.db, snapshot)

    async def runTTLMonitor(self) -> int:
        """Run one pass of the embedded server's TTL monitor over the class's database now.

        Deletes what mongod's next pass would: documents whose TTL index date is at least
        ``expireAfterSeconds`` old. Returns how many documents it deleted.
        """
        return await self._asynctestkitTTLPass(0, required=True)

    async def advance(self, seconds: float) -> None:
        """Move the virtual clock forward, then the class database's TTL clock, and run a
        TTL pass: ``await self.advance(3600)`` expires what an hour expires.

        Only the class's database moves; a restore (each test's, restoreTestData) puts it
        back. On a MongoDB other than the embedded server only the loop's clock moves.
        """
        await super().advance(seconds)  # type: ignore[misc]
        await self._asynctestkitTTLPass(seconds, required=False)

    async def _asynctestkitTTLPass(self, seconds: float, *, required: bool) -> int:
        errors = require("pymongo.errors", "mongo", "runTTLMonitor()")
        command: dict[str, Any] = {"asynctestkitTTLMonitor": 1}
        if seconds:
            command["advance"] = seconds
        try:
            reply = await self.db.command(command)
        except errors.OperationFailure as exc:
            if exc.code != _COMMAND_NOT_FOUND:
                raise
            if not required:
                return 0
            uri, source = type(self)._asynctestkitMongoLocation()
            message = _TTL_NEEDS_EMBEDDED.format(
                cls=type(self).__qualname__, uri=redact_uri(uri), source=source
            )
            raise RuntimeError(message) from None
        return int(reply["deleted"])

    def _asynctestkitCollection(self, collection_or_model: Any) -> Any:
        if isinstance(collection_or_model, str):
            return self.db[collection_or_model]
        getter = getattr(collection_or_model, "get_pymongo_collection", None) or getattr(
            collection_or_model, "get_motor_collection", None
        )
        return getter() if getter is not None else collection_or_model

    async def assertDocumentCount(
        self, collection_or_model: Any, count: int, filter: Mapping[str, Any] | None = None
    ) -> None:
        """Assert how many documents match ``filter`` in a collection, name or Beanie model."""
        collection = self._asynctestkitCollection(collection_or_model)
        actual = await collection.count_documents(dict(filter or {}))
        if actual != count:
            raise self.failureException(  # type: ignore[attr-defined]
                f"{collection.name} has {actual} document(s) matching {dict(filter or {})!r}, "
                f"expected {count}"
            )

    async def assertDocumentExists(
        self, collection_or_model: Any, filter: Mapping[str, Any] | None = None
    ) -> Any:
        """Assert a document matches ``filter``; return it."""
        collection = self._asynctestkitCollection(collection_or_model)
        document = await collection.find_one(dict(filter or {}))
        if document is None:
            raise self.failureException(  # type: ignore[attr-defined]
                f"no document in {collection.name} matches {dict(filter or {})!r}"
            )
        return document


# The embedded server snapshots and restores a database in one round trip each; any
# other MongoDB answers CommandNotFound and gets deleteMany + insertMany per collection.
_SERVER_SIDE: dict[str, list[Any]] = {}
_COMMAND_NOT_FOUND = 59
_NAMESPACE_NOT_FOUND = 26


# On the embedded server a class database starts as a copy of a template (one round trip):
# the collections and indexes of its document_models, made by the first class's init_beanie
# and kept on the server per set of models; the models are then bound to the copy from what
# that first init_beanie set (or, where a copy can't reproduce it, by init_beanie without
# creating indexes). Any other MongoDB answers CommandNotFound once, and every class runs
# init_beanie.
_templates: dict[tuple[int, str, tuple[type, ...]], tuple[str, _beanie.Binding | None]] = {}
_no_templates: set[tuple[int, str]] = set()


async def _init_models(
    db: Any, models: Sequence[type], uri: str, register: Callable[..., None]
) -> None:
    beanie = sys.modules["beanie"]
    errors = require("pymongo.errors", "mongo", "document_models")
    server = (os.getpid(), uri)  # a forked worker has a server of its own
    key = (*server, tuple(models))
    template = _templates.get(key)
    if template is not None:
        name, binding = template
        try:
            await db.command({"asynctestkitCloneTemplate": name})
        except errors.OperationFailure as exc:
            # A server restarted at the same address has no templates: make them again.
            if exc.code not in (_COMMAND_NOT_FOUND, _NAMESPACE_NOT_FOUND):
                raise
            del _templates[key]
        else:
            if binding is None:
                await _beanie.init_models(beanie, db, models, register, skip_indexes=True)
            else:
                await _beanie.rebind(beanie, db, models, binding, register)
            return
    binding = await _beanie.init_models(beanie, db, models, register)
    if server in _no_templates:
        return
    name = f"{_PROCESS_TOKEN}_{next(_counter)}"
    try:
        await db.command({"asynctestkitSaveTemplate": name})
    except errors.OperationFailure as exc:
        if exc.code != _COMMAND_NOT_FOUND:
            raise
        _no_templates.add(server)
        return
    _templates[key] = (name, binding)


async def _snapshot(db: Any) -> dict[str, list[Any]]:
    errors = require("pymongo.errors", "mongo", "mongo_isolation = 'test'")
    try:
        await db.command({"asynctestkitSnapshot": 1})
        return _SERVER_SIDE
    except errors.OperationFailure as exc:
        if exc.code != _COMMAND_NOT_FOUND:
            raise
    bson = require("bson.raw_bson", "mongo", "mongo_isolation = 'test'")
    snapshot: dict[str, list[Any]] = {}
    for name in await db.list_collection_names(filter={"type": "collection"}):
        raw = db.get_collection(name).with_options(
            codec_options=db.codec_options.with_options(document_class=bson.RawBSONDocument)
        )
        snapshot[name] = [doc async for doc in raw.find({})]
    return snapshot


async def _restore(db: Any, snapshot: dict[str, list[Any]]) -> None:
    _require_ours(db.name)
    if snapshot is _SERVER_SIDE:
        await db.command({"asynctestkitRestore": 1})
        return
    names = set(await db.list_collection_names(filter={"type": "collection"}))
    for name in sorted(names | set(snapshot)):
        if name.startswith("system."):
            continue
        collection = db.get_collection(name)
        if name in names:
            await collection.delete_many({})
        documents = snapshot.get(name)
        if documents:
            await collection.insert_many(documents)


class MongoTestCase(MongoMixin, AsyncTestCase):
    """An AsyncTestCase with a MongoDB database of its own.

    Example::

        class OrderTests(MongoTestCase):
            document_models = [Order]

            @classmethod
            async def asyncSetUpTestData(cls):
                await Order(number="o1", status="new").insert()

            async def test_pay(self):
                order = await Order.find_one(Order.number == "o1")
                await order.set({Order.status: "paid"})
                await self.assertDocumentCount(Order, 1, {"status": "paid"})
    """
