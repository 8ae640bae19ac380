"""EmbeddedMongoServer: the wire protocol on its own thread and event loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import threading
from collections.abc import Iterator
from typing import Any

from asynctestkit._lazy import public_in
from asynctestkit._resource import StartStop
from asynctestkit.mongo.server import _wire
from asynctestkit.mongo.server._backend import Backend
from asynctestkit.mongo.server._errors import (
    BSON_OBJECT_TOO_LARGE,
    CODE_NAMES,
    UNSUPPORTED_OP_QUERY_COMMAND,
    CommandError,
)
from asynctestkit.mongo.server._info import arbiter_reply
from asynctestkit.mongo.server._streams import Pending

START_TIMEOUT = 10.0
_NOT_STARTED = (
    "EmbeddedMongoServer({address}) is not running: call start() or use it as a context "
    "manager (`with EmbeddedMongoServer() as server:`) before reading {what}."
)
_UNSUPPORTED_OP_QUERY = (
    "Unsupported OP_QUERY command: {name}. The client driver may require an upgrade. "
    "For more details see https://dochub.mongodb.org/core/legacy-opcode-removal"
)


class _Connection(asyncio.Protocol):
    """One client socket: frames messages and answers each one in order."""

    # The arbiter's connections answer only the handshake (see _info.arbiter_reply).
    arbiter = False

    def __init__(self, server: EmbeddedMongoServer, connection_id: int) -> None:
        self._server = server
        self._backend = server._backend
        self._id = connection_id
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._local = ""
        # An awaitData getMore waiting for change events: later messages wait behind it,
        # as mongod answers a connection's requests in order.
        self._waiting: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sockname = transport.get_extra_info("sockname")
        self._local = f"{sockname[0]}:{sockname[1]}" if sockname else self._server.address
        self._server._transports.add(transport)
        if not self.arbiter:
            self._backend.connections += 1
            self._backend.total_connections += 1

    def connection_lost(self, exc: Exception | None) -> None:
        if self._waiting is not None:
            self._waiting.cancel()
        if self._transport is not None:
            self._server._transports.discard(self._transport)
            self._transport = None
            if not self.arbiter:
                self._backend.connections -= 1

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._answer_buffered()

    def _answer_buffered(self) -> None:
        buffer = self._buffer
        while len(buffer) >= 16 and self._waiting is None:
            length = int.from_bytes(buffer[:4], "little", signed=True)
            if length < 16 or length > _wire.MAX_MESSAGE_SIZE:
                self._abort()
                return
            if len(buffer) < length:
                return
            message = bytes(buffer[:length])
            del buffer[:length]
            try:
                reply = self._answer(memoryview(message))
            except (_wire.ProtocolError, ValueError, IndexError, Exception):
                # Not a MongoDB message we can parse: mongod closes the connection too.
                self._abort()
                return
            if isinstance(reply, tuple):
                request, pending = reply
                self._waiting = asyncio.get_running_loop().create_task(
                    self._answer_later(request, pending)
                )
                self._server._tasks.add(self._waiting)
                self._waiting.add_done_callback(self._server._tasks.discard)
                return
            if reply is not None and self._transport is not None:
                self._transport.write(reply)

    async def _answer_later(self, request: _wire.Request, pending: Pending) -> None:
        body = await pending.reply()
        self._waiting = None
        if self._transport is None:
            return
        self._transport.write(_wire.encode_reply(request, body))
        self._answer_buffered()

    def _answer(self, message: memoryview) -> bytes | tuple[_wire.Request, Pending] | None:
        try:
            request = _wire.parse(message)
        except _wire.DocumentTooLarge as exc:
            # mongod refuses the command and keeps the connection.
            return _wire.encode_reply(
                exc.request, CommandError(BSON_OBJECT_TOO_LARGE, str(exc)).reply()
            )
        if request.op_code == _wire.OP_QUERY:
            name = next(iter(request.body), "")
            namespace = request.legacy_namespace or ""
            if name not in ("hello", "isMaster", "ismaster") or not namespace.endswith(".$cmd"):
                reply = {
                    "ok": 0.0,
                    "errmsg": _UNSUPPORTED_OP_QUERY.format(name=name or namespace),
                    "code": UNSUPPORTED_OP_QUERY_COMMAND,
                    "codeName": CODE_NAMES[UNSUPPORTED_OP_QUERY_COMMAND],
                }
                return _wire.encode_reply(request, reply)
            db = namespace[: -len(".$cmd")]
            body = self._command(request.body, db)
        else:
            body = self._command(request.body)
        if isinstance(body, Pending):
            return request, body
        if request.more_to_come:
            return None
        return _wire.encode_reply(request, body)

    def _command(self, body: dict[str, Any], db: str | None = None) -> dict[str, Any] | Pending:
        if self.arbiter:
            return arbiter_reply(self._backend, body, self._id, self._local)
        return self._backend.handle(body, self._id, self._local, db)

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()


class _ArbiterConnection(_Connection):
    arbiter = True


def _connect(
    protocol: type[_Connection], server: EmbeddedMongoServer, ids: Iterator[int]
) -> _Connection:
    return protocol(server, next(ids))


class EmbeddedMongoServer(StartStop["EmbeddedMongoServer"]):
    """An in-process MongoDB server that any driver reaches through :attr:`uri`.

    Example::

        with EmbeddedMongoServer() as server:
            client = pymongo.MongoClient(server.uri)
            client.db.items.insert_one({"name": "x"})

    It binds ``127.0.0.1`` on a free port by default, runs on its own thread and event
    loop (so it outlives test event loops and serves sync drivers too), prints nothing,
    and keeps all data in memory until it stops.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._backend = Backend()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        # The replica set's second member (an arbiter) listens on a port of its own.
        self._arbiter: asyncio.Server | None = None
        self._transports: set[asyncio.Transport] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._stopping = False

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<EmbeddedMongoServer {self.address} {state}>"

    # -- address --------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        """The bound port (the real one when constructed with port 0)."""
        if self._port is None:
            raise RuntimeError(_NOT_STARTED.format(address=self.address, what=".port"))
        return self._port

    @property
    def address(self) -> str:
        port = self._port if self._port is not None else self._requested_port
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{host}:{port}"

    @property
    def uri(self) -> str:
        """``mongodb://host:port/?directConnection=true`` for any MongoDB driver."""
        if self._port is None:
            raise RuntimeError(_NOT_STARTED.format(address=self.address, what=".uri"))
        return f"mongodb://{self.address}/?directConnection=true"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._port is not None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> EmbeddedMongoServer:
        """Bind and serve on a background thread; return once clients can connect."""
        if self._thread is not None:
            raise RuntimeError(
                f"EmbeddedMongoServer({self.address}) is already running; "
                "call stop() before starting it again."
            )
        self._ready.clear()
        self._start_error = None
        self._stopping = False
        thread = threading.Thread(
            target=self._run, name=f"asynctestkit-mongo-{self.address}", daemon=True
        )
        self._thread = thread
        thread.start()
        if not self._ready.wait(START_TIMEOUT):
            self._start_error = TimeoutError(
                f"EmbeddedMongoServer({self.address}) did not start within {START_TIMEOUT} s"
            )
        if self._start_error is not None:
            error = self._start_error
            self._shutdown_thread()
            raise error
        return self

    def stop(self) -> None:
        """Close every client connection, stop the loop and join the thread."""
        if self._thread is None:
            raise RuntimeError(
                f"EmbeddedMongoServer({self.address}) is not running: "
                "stop() was called without a matching start()."
            )
        self._shutdown_thread()

    def _shutdown_thread(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and not loop.is_closed():
            # The loop may close between the check and the call.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._close_on_loop)
        if thread is not None:
            thread.join()
        self._thread = None
        self._loop = None
        self._port = None

    def _close_on_loop(self) -> None:
        self._stopping = True
        for server in (self._server, self._arbiter):
            if server is not None:
                server.close()
        for transport in list(self._transports):
            transport.abort()
        assert self._loop is not None
        self._loop.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        # The server is silent and fast whatever PYTHONASYNCIODEBUG says; debug mode would
        # slow every request and log the server's own callbacks into the test output.
        loop.set_debug(False)
        self._loop = loop
        ids = itertools.count(1)
        servers: list[asyncio.Server] = []
        try:
            members: list[tuple[type[_Connection], int]] = [
                (_Connection, self._requested_port),
                (_ArbiterConnection, 0),
            ]
            for protocol, port in members:
                servers.append(
                    loop.run_until_complete(
                        loop.create_server(
                            functools.partial(_connect, protocol, self, ids),
                            self._host,
                            port,
                            reuse_address=True,
                        )
                    )
                )
        except BaseException as exc:
            for server in servers:
                server.close()
            self._start_error = exc
            self._ready.set()
            loop.close()
            return
        server, arbiter = servers
        self._server, self._arbiter = server, arbiter
        self._port = int(server.sockets[0].getsockname()[1])
        self._backend.primary_port = self._port
        self._backend.arbiter_port = int(arbiter.sockets[0].getsockname()[1])
        threading.current_thread().name = f"asynctestkit-mongo-{self.address}"
        self._backend.ttl.start(loop)
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._backend.ttl.stop()
            for each in servers:
                each.close()
            for transport in list(self._transports):
                transport.abort()
            # Let the aborted transports run their connection_lost callbacks (which cancel
            # waiting getMores), then let the cancelled waits finish.
            loop.run_until_complete(asyncio.sleep(0))
            if self._tasks:
                loop.run_until_complete(asyncio.wait(list(self._tasks)))
            for each in servers:
                loop.run_until_complete(each.wait_closed())
            loop.close()
            self._server = self._arbiter = None

    # -- introspection for tests and tools ------------------------------------------------

    @property
    def connection_count(self) -> int:
        """Client connections currently open."""
        return self._backend.connections

    def _backend_state(self) -> Any:
        return self._backend


public_in("asynctestkit.mongo", EmbeddedMongoServer)
