"""Command line: the toolkit's servers, standalone.

``python -m asynctestkit mongo [--host HOST] [--port PORT]``: the embedded MongoDB server;
``python -m asynctestkit aws [--host HOST] [--port PORT]``: the moto server, for
``ASYNCTESTKIT_AWS_ENDPOINT``; ``python -m asynctestkit serve``: both.
"""

from __future__ import annotations

import argparse
import functools
import ipaddress
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

_LOOPBACK = "127.0.0.1"
_EXPOSED = (
    "asynctestkit {command}: WARNING: binding {host}, which other machines may reach, "
    "and these test servers have no authentication: anyone who can connect can read and "
    "change their data. Bind {loopback} (the default) unless every machine that can reach "
    "{host} is yours, e.g. a CI job's private network; never publish the port beyond it."
)
_CANNOT_LISTEN = (
    "asynctestkit {command}: cannot listen on {host}:{port}: {reason}. Choose another port "
    "with {option} (0 picks a free one), or an address of this machine with --host."
)
_MISSING = "asynctestkit {command}: {reason}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name may resolve to any address


def _start_mongo(host: str, port: int) -> tuple[Any, str]:
    from asynctestkit.mongo import EmbeddedMongoServer

    server = EmbeddedMongoServer(host=host, port=port).start()
    return server, server.uri


def _start_aws(host: str, port: int) -> tuple[Any, str]:
    from asynctestkit.aws import MotoServer

    server = MotoServer(host=host, port=port).start()
    return server, server.endpoint_url


# name: (what it is, the variable the tests read, how to start it)
_SERVERS: dict[str, tuple[str, str, Callable[[str, int], tuple[Any, str]]]] = {
    "mongo": ("embedded MongoDB server", "MONGODB_URI", _start_mongo),
    "aws": ("moto server", "ASYNCTESTKIT_AWS_ENDPOINT", _start_aws),
}


def _serve(command: str, host: str, ports: Sequence[tuple[str, int, str]]) -> int:
    """Start each (server, port, port option) on ``host`` and serve until interrupted."""
    if not _is_loopback(host):
        print(_EXPOSED.format(command=command, host=host, loopback=_LOOPBACK), file=sys.stderr)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    started: list[Any] = []
    try:
        urls = []
        for name, port, option in ports:
            what, variable, start = _SERVERS[name]
            try:
                server, url = start(host, port)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                print(
                    _CANNOT_LISTEN.format(
                        command=command, host=host, port=port, reason=reason, option=option
                    ),
                    file=sys.stderr,
                )
                return 1
            except ImportError as exc:
                print(_MISSING.format(command=command, reason=exc), file=sys.stderr)
                return 1
            started.append(server)
            urls.append((variable, url))
            print(f"asynctestkit {what} listening on {url}", flush=True)
        for variable, url in urls:
            print(f"  {variable}={url}", flush=True)
        print("Data is kept in memory only. Press Ctrl+C to stop.", flush=True)
        stop.wait()
    finally:
        for server in reversed(started):
            server.stop()
    return 0


def _one(name: str, args: argparse.Namespace) -> int:
    return _serve(name, args.host, [(name, args.port, "--port")])


def _both(args: argparse.Namespace) -> int:
    ports = [("mongo", args.mongo_port, "--mongo-port"), ("aws", args.aws_port, "--aws-port")]
    return _serve("serve", args.host, ports)


# name: (help, description, default port)
_COMMANDS = {
    "mongo": (
        "run the embedded MongoDB wire-protocol server",
        "Run the in-memory MongoDB server until interrupted.",
        27017,
    ),
    "aws": (
        "run the moto server (for ASYNCTESTKIT_AWS_ENDPOINT)",
        "Run the toolkit's moto server until interrupted; point ASYNCTESTKIT_AWS_ENDPOINT "
        "at it. Every test still gets an AWS account of its own.",
        5000,
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m asynctestkit", description="asynctestkit command line tools"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    host_help = f"address to bind (default {_LOOPBACK}; the servers have no authentication)"
    for name, (help_, description, port) in _COMMANDS.items():
        command = commands.add_parser(name, help=help_, description=description)
        command.add_argument("--host", default=_LOOPBACK, help=host_help)
        command.add_argument("--port", type=int, default=port, help=f"default {port}")
        command.set_defaults(run=functools.partial(_one, name))
    serve = commands.add_parser(
        "serve",
        help="run both servers",
        description="Run the embedded MongoDB server and the moto server until interrupted.",
    )
    serve.add_argument("--host", default=_LOOPBACK, help=host_help)
    serve.add_argument("--mongo-port", type=int, default=27017, help="default 27017")
    serve.add_argument("--aws-port", type=int, default=5000, help="default 5000")
    serve.set_defaults(run=_both)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m asynctestkit`` and the ``asynctestkit`` script."""
    args = _parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
