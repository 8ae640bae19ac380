"""The process-wide embedded server, shared by every test class through a lease count."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from asynctestkit._lazy import public_in
from asynctestkit._lease import Lease
from asynctestkit.mongo.server._server import EmbeddedMongoServer


def _start() -> EmbeddedMongoServer:
    server = EmbeddedMongoServer()
    server.start()
    return server


def _stop(server: EmbeddedMongoServer) -> None:
    if server.running:
        server.stop()


# Kept running at zero leases: every test class of a run shares one port and one URI.
_lease: Lease[EmbeddedMongoServer] = Lease(
    "The shared embedded MongoDB server",
    _start,
    _stop,
    keep=True,
    survives_fork=False,
    calls=("acquire_shared_server()", "release_shared_server()"),
)


def acquire_shared_server() -> EmbeddedMongoServer:
    """Take a lease on the process-wide server, starting it on first use.

    The server keeps running until the interpreter exits (so every test class of a run
    shares one port and one URI); the lease count makes a stray release an error. A
    forked child starts its own server on its first lease.
    """
    return _lease.acquire()


def release_shared_server() -> None:
    """Give back a lease taken with :func:`acquire_shared_server`."""
    _lease.release()


def shared_server_leases() -> int:
    """How many leases are held in this process (for tests and diagnostics)."""
    return _lease.count


@contextmanager
def shared_server() -> Iterator[EmbeddedMongoServer]:
    """``with shared_server() as server:`` holds a lease for the block."""
    server = acquire_shared_server()
    try:
        yield server
    finally:
        release_shared_server()


def shared_server_uri() -> str:
    """The URI of the process-wide server, started lazily; no lease is taken."""
    server = _lease.resource
    if server is not None:
        return server.uri
    server = acquire_shared_server()
    release_shared_server()
    return server.uri


public_in(
    "asynctestkit.mongo",
    acquire_shared_server,
    release_shared_server,
    shared_server,
    shared_server_uri,
)
