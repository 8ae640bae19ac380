"""Command line: ``python -m asynctestkit mongo [--host HOST] [--port PORT]``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence


def _mongo(args: argparse.Namespace) -> int:
    from asynctestkit.mongo import EmbeddedMongoServer

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        server = EmbeddedMongoServer(host=args.host, port=args.port).start()
    except OSError as exc:
        print(
            f"asynctestkit mongo: cannot listen on {args.host}:{args.port}: {exc.strerror}. "
            "Choose another port with --port (0 picks a free one).",
            file=sys.stderr,
        )
        return 1
    try:
        print(f"asynctestkit embedded MongoDB server listening on {server.uri}", flush=True)
        print("Data is kept in memory only. Press Ctrl+C to stop.", flush=True)
        stop.wait()
    finally:
        server.stop()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m asynctestkit", description="asynctestkit command line tools"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    mongo = commands.add_parser(
        "mongo",
        help="run the embedded MongoDB wire-protocol server",
        description="Run the in-memory MongoDB server until interrupted.",
    )
    mongo.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    mongo.add_argument("--port", type=int, default=27017, help="port to bind (default 27017)")
    mongo.set_defaults(run=_mongo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m asynctestkit`` and the ``asynctestkit`` script."""
    args = _parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
