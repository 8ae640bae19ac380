"""MongoDB support: the Mongo test cases and the embedded wire-protocol server (server/).

Importing this package is cheap: pymongo and the storage engine load on first use of a
name below, and a missing optional dependency names the extra to install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asynctestkit._extras import require
from asynctestkit._lazy import lazy_attributes

if TYPE_CHECKING:
    from asynctestkit.mongo._shared import (
        acquire_shared_server,
        release_shared_server,
        shared_server,
        shared_server_uri,
    )
    from asynctestkit.mongo.case import MongoMixin, MongoTestCase
    from asynctestkit.mongo.server._server import EmbeddedMongoServer

__all__ = [
    "EmbeddedMongoServer",
    "MongoMixin",
    "MongoTestCase",
    "acquire_shared_server",
    "release_shared_server",
    "shared_server",
    "shared_server_uri",
]

# Public name -> module that defines it, imported on first access.
_LAZY = {
    # The embedded server.
    "EmbeddedMongoServer": "asynctestkit.mongo.server._server",
    "acquire_shared_server": "asynctestkit.mongo._shared",
    "release_shared_server": "asynctestkit.mongo._shared",
    "shared_server": "asynctestkit.mongo._shared",
    "shared_server_uri": "asynctestkit.mongo._shared",
    # The test cases.
    "MongoMixin": "asynctestkit.mongo.case",
    "MongoTestCase": "asynctestkit.mongo.case",
}

# Modules the embedded server needs, with the extra that installs them.
_SERVER_REQUIRES = (("pymongo", "mongo"), ("mongomock_ng", "mongo"))


def _require_server_dependencies(module: str) -> None:
    if module.startswith(("asynctestkit.mongo._", "asynctestkit.mongo.server")):
        for dependency, extra in _SERVER_REQUIRES:
            require(dependency, extra, "The embedded MongoDB server")


__getattr__, __dir__ = lazy_attributes(globals(), _LAZY, _require_server_dependencies)
