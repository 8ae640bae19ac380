"""The process-wide embedded server, shared by every test class through a lease count."""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from asynctestkit._lazy import public_in
from asynctestkit.mongo.server._server import EmbeddedMongoServer

_RELEASE_WITHOUT_ACQUIRE = (
    "release_shared_server() was called more times than acquire_shared_server(); "
    "call it exactly once per acquire, e.g. register it with addClassCleanup right after "
    "acquiring."
)

_lock = threading.Lock()
_server: EmbeddedMongoServer | None = None
_pid: int | None = None
_leases = 0


def acquire_shared_server() -> EmbeddedMongoServer:
    """Take a lease on the process-wide server, starting it on first use.

    The server keeps running until the interpreter exits (so every test class of a run
    shares one port and one URI); the lease count makes a stray release an error.
    """
    global _server, _pid, _leases
    with _lock:
        if _server is not None and _pid != os.getpid():
            # A forked worker (unittest-parallel) inherits the object but not the thread.
            _server, _leases = None, 0
        if _server is None:
            server = EmbeddedMongoServer()
            server.start()
            _server, _pid = server, os.getpid()
        _leases += 1
        return _server


def release_shared_server() -> None:
    """Give back a lease taken with :func:`acquire_shared_server`."""
    global _leases
    with _lock:
        if _leases <= 0 or _pid != os.getpid():
            raise RuntimeError(_RELEASE_WITHOUT_ACQUIRE)
        _leases -= 1


def shared_server_leases() -> int:
    """How many leases are held in this process (for tests and diagnostics)."""
    return _leases if _pid == os.getpid() else 0


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
    with _lock:
        running = _server is not None and _pid == os.getpid()
    if running:
        assert _server is not None
        return _server.uri
    server = acquire_shared_server()
    release_shared_server()
    return server.uri


@atexit.register
def _stop_at_exit() -> None:
    global _server
    with _lock:
        server, _server = _server, None
    if server is not None and _pid == os.getpid() and server.running:
        server.stop()


public_in(
    "asynctestkit.mongo",
    acquire_shared_server,
    release_shared_server,
    shared_server,
    shared_server_uri,
)
