"""The moto server: moto's WSGI app behind a lean, silent HTTP/1.1 keep-alive server.

Why not ``moto.server.ThreadedMotoServer``: it serves through werkzeug's development
server, which answers every request with ``Connection: close`` (so each AWS call opens a
TCP connection and starts a thread), logs every request to stderr, and polls for shutdown
every 0.5 s. Here one thread serves one kept-alive connection, responses go out in one
write with ``TCP_NODELAY``, nothing is logged, and ``stop()`` wakes the accept loop at
once. moto itself also lists its package directory on every request to route it; the
dispatcher below caches that routing per host.
"""

from __future__ import annotations

import contextlib
import html
import http.server
import io
import json
import os
import re
import selectors
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from asynctestkit._lazy import public_in
from asynctestkit._lease import Lease
from asynctestkit._resource import StartStop
from asynctestkit.aws import _moto_compat

_WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding"})
_NO_BODY_STATUS = frozenset({204, 304})
# An access key in a SigV4 Authorization header, a presigned URL's X-Amz-Credential or a
# SigV2 AWSAccessKeyId; only keys registered with the server route to an account.
_ACCESS_KEY = re.compile(r"(?<![A-Z0-9])([A-Z0-9]{16,128})(?:/|%2F|&|$|:)")
_STOP_TIMEOUT = 2.0
_ROUTE_CACHE_SIZE = 1024

RETIRED_KEY = (
    "asynctestkit: this request is signed with the access key of a test's AWS account, and "
    "that test has ended (aws_isolation = 'test' gives every test a fresh account). A session "
    "or client created before the current test (at import time, in setUpClass, or in an "
    "earlier test) is being reused: create it inside the test (sessions are cheap during "
    "tests), or set aws_isolation = 'class' to share one account across the class's tests."
)
NOT_STARTED = "MotoServer at {where} is not running: call start() (or use 'with MotoServer()')."


def _wsgi_str(text: str) -> str:
    """Encode a str the way PEP 3333 wants it in the environ (UTF-8 bytes as latin-1)."""
    return text.encode("utf-8").decode("latin-1")


class _Dispatcher:
    """moto's host dispatcher with its routing decisions cached, plus account routing."""

    def __init__(self) -> None:
        self.preserve_header_name, self.preserved_names_key = _moto_compat.header_preservation()
        self.accounts: dict[str, str] = {}
        # Keys of accounts whose test has ended: a request signed with one comes from a
        # session or client that outlived its test, and moto would silently answer it in
        # its default account.
        self.retired: set[str] = set()
        self.app: _WSGIApp = _moto_compat.dispatcher_app(_ROUTE_CACHE_SIZE)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self.accounts or self.retired:
            for key in self._access_keys(environ):
                account = self.accounts.get(key)
                if account is not None:
                    # moto's documented multi-account header: answers in O(1) where its
                    # access-key lookup scans every IAM backend of every account
                    environ["HTTP_X_MOTO_ACCOUNT_ID"] = account
                    break
                if key in self.retired:
                    return _refuse_retired(environ, start_response)
        return self.app(environ, start_response)

    @staticmethod
    def _access_keys(environ: dict[str, Any]) -> Iterator[str]:
        for text in (environ.get("HTTP_AUTHORIZATION"), environ.get("QUERY_STRING")):
            if text:
                for match in _ACCESS_KEY.finditer(text):
                    yield match.group(1)


def _refuse_retired(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Answer 403 InvalidClientTokenId, in the body format of the request's protocol."""
    content_type = environ.get("CONTENT_TYPE", "")
    if "json" in content_type:
        body = json.dumps({"__type": "InvalidClientTokenId", "message": RETIRED_KEY}).encode()
    else:
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
            f"<Message>{html.escape(RETIRED_KEY)}</Message></Error></ErrorResponse>"
        ).encode()
    start_response(
        "403 Forbidden",
        [
            (
                "Content-Type",
                "application/x-amz-json-1.0" if "json" in content_type else "text/xml",
            ),
            ("x-amzn-ErrorType", "InvalidClientTokenId"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]


class _Handler(http.server.BaseHTTPRequestHandler):
    """One kept-alive connection: parse a request, run the WSGI app, answer in one write."""

    protocol_version = "HTTP/1.1"
    server_version = "asynctestkit-moto"
    server: Any  # the MotoServer; BaseRequestHandler's annotation is socketserver's

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay silent: a request log on stderr drowns test output."""

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = self.headers.get("Content-Length")
        if length is None:
            return None
        return self.rfile.read(int(length))

    def _environ(self, body: bytes | None) -> dict[str, Any]:
        url = urlsplit(self.path)
        path = f"/{url.netloc}{url.path}" if url.netloc and not url.scheme else url.path
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body or b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
            "SERVER_SOFTWARE": self.server_version,
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": _wsgi_str(unquote(path)),
            "QUERY_STRING": _wsgi_str(url.query),
            "REQUEST_URI": _wsgi_str(self.path),
            "RAW_URI": _wsgi_str(self.path),
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_PORT": self.client_address[1],
            "SERVER_NAME": host,
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
        }
        if body is not None:
            environ["CONTENT_LENGTH"] = str(len(body))
        dispatcher: _Dispatcher = self.server._app
        dashed = {name.upper().replace("-", "_") for name in self.headers if "_" not in name}
        preserved: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                continue  # the body was read in full above
            if "_" in name:
                # WSGI cannot tell X_Foo from X-Foo; like werkzeug, drop underscored
                # names, except S3 user metadata, whose spelling moto keeps (as its own
                # request handler does), never letting one stand in for a dashed header.
                if not dispatcher.preserve_header_name(name) or key in dashed:
                    continue
                preserved.setdefault(f"HTTP_{key}", name)
            if key != "CONTENT_TYPE":
                key = f"HTTP_{key}"
            value = value.replace("\r\n", "")
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        environ[dispatcher.preserved_names_key] = preserved
        if url.scheme and url.netloc:
            environ["HTTP_HOST"] = url.netloc
        return environ

    def _run_wsgi(self) -> None:
        body = self._read_body()
        environ = self._environ(body)
        response: list[Any] = []
        written: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            if exc_info is not None and response:
                raise exc_info[1].with_traceback(exc_info[2])
            response[:] = [status, headers]
            return written.append

        try:
            result = self.server._app(environ, start_response)
            try:
                written.extend(chunk for chunk in result if chunk)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except Exception as exc:
            message = f"asynctestkit moto server: {type(exc).__name__}: {exc}".encode()
            response[:] = ["500 Internal Server Error", [("Content-Type", "text/plain")]]
            written[:] = [message]
            self.close_connection = True
        self._send(response[0], response[1], b"".join(written))

    def _send(self, status: str, headers: list[tuple[str, str]], payload: bytes) -> None:
        code = int(status.split(" ", 1)[0])
        send_body = self.command != "HEAD" and code not in _NO_BODY_STATUS and code >= 200
        lines = [f"HTTP/1.1 {status}"]
        has_length = False
        for name, value in headers:
            lower = name.lower()
            if lower in _HOP_BY_HOP:
                continue
            if lower == "content-length":
                if send_body:
                    continue  # set from the payload below
                has_length = True
            lines.append(f"{name}: {value}")
        if send_body:
            lines.append(f"Content-Length: {len(payload)}")
        elif not has_length and self.command == "HEAD":
            lines.append("Content-Length: 0")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + payload if send_body else head)

    def handle(self) -> None:
        # OSError, ValueError: the client went away, or stop() closed the socket under us.
        with contextlib.suppress(OSError, ValueError):
            super().handle()


for _method in _HTTP_METHODS:
    setattr(_Handler, f"do_{_method}", _Handler._run_wsgi)


class MotoServer(StartStop["MotoServer"]):
    """moto on ``127.0.0.1`` (port 0 by default), fast and silent; stops in milliseconds.

    Example::

        with MotoServer() as server:
            client = boto3.client("s3", endpoint_url=server.endpoint_url)

    Tests normally share one process-wide server through ``AwsTestCase``.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._address = (host, port)
        self.server_address: tuple[str, int] = (host, port)
        self._app: _Dispatcher | None = None
        self._listener: socket.socket | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._accept_thread: threading.Thread | None = None
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """True between start() and stop()."""
        return self._accept_thread is not None

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``: pass it as a client's ``endpoint_url``."""
        if not self.running:
            raise RuntimeError(NOT_STARTED.format(where=self._address))
        host, port = self.server_address
        return f"http://{host}:{port}"

    def register_access_key(self, access_key_id: str, account_id: str) -> None:
        """Route requests signed with ``access_key_id`` to moto account ``account_id``."""
        self._dispatcher().accounts[access_key_id] = account_id

    def forget_access_key(self, access_key_id: str) -> None:
        """Stop routing ``access_key_id``; requests signed with it are refused from now on."""
        dispatcher = self._dispatcher()
        if dispatcher.accounts.pop(access_key_id, None) is not None:
            dispatcher.retired.add(access_key_id)

    def _dispatcher(self) -> _Dispatcher:
        if self._app is None:
            self._app = _shared_dispatcher()
        return self._app

    def start(self) -> MotoServer:
        """Bind, start the accept thread and return once the server answers."""
        if self.running:
            return self
        self._dispatcher()
        listener = socket.create_server(self._address)
        self.server_address = listener.getsockname()[:2]
        self._listener = listener
        self._wake = socket.socketpair()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"asynctestkit-moto-{self.server_address[1]}"
        )
        self._accept_thread.daemon = True
        self._accept_thread.start()
        return self

    def _accept_loop(self) -> None:
        assert self._listener is not None and self._wake is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake[0], selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self._wake[0]:
                        return
                    try:
                        connection, address = self._listener.accept()
                    except OSError:
                        continue
                    thread = threading.Thread(
                        target=self._serve_connection,
                        args=(connection, address),
                        name="asynctestkit-moto-connection",
                    )
                    thread.daemon = True
                    with self._lock:
                        self._connections[connection] = thread
                    thread.start()

    def _serve_connection(self, connection: socket.socket, address: Any) -> None:
        try:
            _Handler(connection, address, self)  # type: ignore[arg-type]  # duck-typed server
        except (OSError, ValueError):
            pass
        finally:
            with self._lock:
                self._connections.pop(connection, None)
            connection.close()

    def stop(self) -> None:
        """Stop accepting, close every connection and join the threads."""
        thread, self._accept_thread = self._accept_thread, None
        if thread is None:
            raise RuntimeError(NOT_STARTED.format(where=self.server_address))
        assert self._wake is not None and self._listener is not None
        self._wake[1].send(b"x")
        thread.join(_STOP_TIMEOUT)
        with self._lock:
            connections = list(self._connections.items())
        for connection, _ in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for _, worker in connections:
            worker.join(_STOP_TIMEOUT)
        self._listener.close()
        for end in self._wake:
            end.close()
        self._listener = self._wake = None

    def _abandon(self) -> None:
        """In a forked child: close this process's copies of the sockets, signal nothing.

        The accept and connection threads live in the parent, which still serves on these
        sockets; shutdown() or the wake byte would stop the parent's server.
        """
        # No lock: the child has no other thread, and a thread of the parent may have held
        # it at the fork.
        connections = list(self._connections)
        self._connections.clear()
        self._lock = threading.Lock()
        for sock in (*connections, self._listener, *(self._wake or ())):
            if sock is not None:
                sock.close()
        self._listener = self._wake = None
        self._accept_thread = None


public_in("asynctestkit.aws", MotoServer)

_dispatcher_lock = threading.Lock()
_dispatcher: _Dispatcher | None = None


def _new_dispatcher_lock() -> None:
    global _dispatcher_lock
    _dispatcher_lock = threading.Lock()  # a parent thread may have held it at the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_dispatcher_lock)


def _shared_dispatcher() -> _Dispatcher:
    # One dispatcher per process: moto's state is process-global anyway, and its Flask
    # app per service is built once instead of per server.
    global _dispatcher
    with _dispatcher_lock:
        if _dispatcher is None:
            _dispatcher = _Dispatcher()
        return _dispatcher


def _start_shared() -> MotoServer:
    return MotoServer().start()


def _stop_shared(server: MotoServer) -> None:
    if server.running:
        server.stop()


_shared: Lease[MotoServer] = Lease(
    "The shared moto server",
    _start_shared,
    _stop_shared,
    keep=True,
    survives_fork=False,
    abandon=MotoServer._abandon,
    calls=("acquire_shared_server()", "release_shared_server()"),
)


def acquire_shared_server() -> MotoServer:
    """Lease the process-wide moto server, starting it on first use (in a forked child:
    the child's own server)."""
    return _shared.acquire()


def release_shared_server() -> None:
    """Return a lease taken with acquire_shared_server()."""
    _shared.release()


def shared_server_leases() -> int:
    """How many leases on the process-wide server are held now."""
    return _shared.count
