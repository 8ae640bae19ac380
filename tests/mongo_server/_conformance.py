"""One operation table, several drivers: each test runs through every client adapter.

A conformance module defines a plain class of ``async def test_*`` methods that use
``self.db`` / ``self.coll`` (adapters with pymongo's method names, always awaited, cursors
returned as lists) and calls :func:`for_each_client` to get one TestCase per driver.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import unittest
from typing import Any

import pymongo

from asynctestkit.mongo import acquire_shared_server, release_shared_server

_names = itertools.count()


async def _resolve(value: Any) -> Any:
    if inspect.isawaitable(value):
        value = await value
    if type(value).__name__.endswith("Cursor"):
        value = value.to_list(None)
        if inspect.isawaitable(value):
            value = await value
    return value


class _Proxy:
    """Wraps a driver object: attributes are proxied, calls are awaited and cursors listed."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if _is_driver_object(value):
            return _Proxy(value)
        if callable(value) and not isinstance(value, type):

            async def call(*args: Any, **kwargs: Any) -> Any:
                return await _resolve(value(*args, **kwargs))

            return call
        return value

    def __getitem__(self, name: str) -> _Proxy:
        return _Proxy(self._target[name])

    @property
    def raw(self) -> Any:
        return self._target


def _is_driver_object(value: Any) -> bool:
    """A database or collection object (not a method) of any of the drivers."""
    if inspect.ismethod(value) or inspect.isfunction(value) or inspect.isbuiltin(value):
        return False
    return type(value).__name__ in (
        "Database",
        "AsyncDatabase",
        "MotorDatabase",
        "AsyncIOMotorDatabase",
        "Collection",
        "AsyncCollection",
        "AsyncIOMotorCollection",
    )


class _Client:
    kind = ""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    async def close(self) -> None:
        raise NotImplementedError


class _SyncClient(_Client):
    kind = "pymongo"

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        self.client = pymongo.MongoClient(uri)

    async def close(self) -> None:
        self.client.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> Any:
        with self.client.start_session() as session, session.start_transaction():
            yield session

    @contextlib.asynccontextmanager
    async def session(self) -> Any:
        with self.client.start_session() as session:
            yield session


class _AsyncClient(_Client):
    kind = "pymongo-async"

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        self.client = pymongo.AsyncMongoClient(uri)

    async def close(self) -> None:
        await self.client.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> Any:
        async with self.client.start_session() as session:
            async with await session.start_transaction():
                yield session

    @contextlib.asynccontextmanager
    async def session(self) -> Any:
        async with self.client.start_session() as session:
            yield session


class _MotorClient(_Client):
    kind = "motor"

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        from motor.motor_asyncio import AsyncIOMotorClient

        self.client = AsyncIOMotorClient(uri)

    async def close(self) -> None:
        self.client.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> Any:
        async with await self.client.start_session() as session:
            async with session.start_transaction():
                yield session

    @contextlib.asynccontextmanager
    async def session(self) -> Any:
        async with await self.client.start_session() as session:
            yield session


CLIENTS: dict[str, type[_Client]] = {
    "PyMongo": _SyncClient,
    "AsyncPyMongo": _AsyncClient,
    "Motor": _MotorClient,
}


class ConformanceCase(unittest.IsolatedAsyncioTestCase):
    """Base of the generated classes: a fresh database per test on the shared server."""

    client_class: type[_Client]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.server = acquire_shared_server()
        cls.addClassCleanup(release_shared_server)

    async def asyncSetUp(self) -> None:
        self.driver = self.client_class(self.server.uri)
        self.addAsyncCleanup(self.driver.close)
        self.db_name = f"conf_{next(_names)}"
        self.client = _Proxy(self.driver.client)
        self.db = self.client[self.db_name]
        self.coll = self.db["items"]
        self.addAsyncCleanup(self.client.drop_database, self.db_name)

    @property
    def kind(self) -> str:
        return self.client_class.kind

    def transaction(self) -> Any:
        return self.driver.transaction()

    def session(self) -> Any:
        return self.driver.session()


def for_each_client(tests: type) -> dict[str, type]:
    """One TestCase class per driver, named <Tests><Driver>, for the module's globals()."""
    classes = {}
    for label, client_class in CLIENTS.items():
        name = f"{tests.__name__}{label}"
        classes[name] = type(
            name,
            (tests, ConformanceCase),
            {"client_class": client_class, "__module__": tests.__module__},
        )
    return classes
