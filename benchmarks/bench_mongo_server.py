"""Embedded MongoDB server: round-trip cost over the wire vs the engine called in-process.

    python benchmarks/bench_mongo_server.py            # 1000 round trips, 30 start/stops
    python benchmarks/bench_mongo_server.py --quick    # a few, for CI

Prints medians (ms) of one insert_one + find_one through pymongo.AsyncMongoClient against
the embedded server, of the same two calls on the mongomock-ng engine directly, their ratio,
what the driver and socket cost alone (two pings), what the server itself spends (the same
two commands handled in-process, no socket), and start and stop times (imports excluded).
Both sides grow the collection to --runs documents; the engine's find_one scans it, the
server answers {_id: value} by key lookup.
Targets: ratio <= 2x, round trip < 0.6 ms, start < 100 ms, stop < 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import mongomock_ng
import pymongo

from asynctestkit.mongo import EmbeddedMongoServer


def _engine_round_trips(runs: int) -> list[float]:
    collection = mongomock_ng.MongoClient().bench.items
    times = []
    for i in range(runs):
        start = time.perf_counter()
        collection.insert_one({"_id": i, "name": "x", "n": i})
        collection.find_one({"_id": i})
        times.append(time.perf_counter() - start)
    return times


async def _server_round_trips(uri: str, runs: int) -> list[float]:
    client: pymongo.AsyncMongoClient[dict[str, object]] = pymongo.AsyncMongoClient(uri)
    collection = client.bench.items
    try:
        await collection.insert_one({"_id": "warm-up"})
        times = []
        for i in range(runs):
            start = time.perf_counter()
            await collection.insert_one({"_id": i, "name": "x", "n": i})
            await collection.find_one({"_id": i})
            times.append(time.perf_counter() - start)
        return times
    finally:
        await client.close()


async def _ping_round_trips(uri: str, runs: int) -> list[float]:
    """Two pings per run: the driver's and the socket's own cost, with no engine work."""
    client: pymongo.AsyncMongoClient[dict[str, object]] = pymongo.AsyncMongoClient(uri)
    try:
        await client.admin.command("ping")
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            await client.admin.command("ping")
            await client.admin.command("ping")
            times.append(time.perf_counter() - start)
        return times
    finally:
        await client.close()


def _handler_round_trips(runs: int) -> list[float]:
    """The server's own work (wire decode, command, engine, encode) without any driver."""
    from asynctestkit.mongo.server import _wire
    from asynctestkit.mongo.server._backend import Backend

    backend = Backend()
    times = []
    for i in range(runs):
        insert = _encode({"insert": "items", "documents": [{"_id": i, "name": "x", "n": i}]})
        find = _encode({"find": "items", "filter": {"_id": i}, "limit": 1, "singleBatch": True})
        start = time.perf_counter()
        for message in (insert, find):
            request = _wire.parse(memoryview(message))
            _wire.encode_reply(request, backend.handle(request.body, 1, "127.0.0.1:0"))
        times.append(time.perf_counter() - start)
    return times


def _encode(body: dict[str, object]) -> bytes:
    import struct

    import bson

    payload = b"\x00\x00\x00\x00\x00" + bson.encode({**body, "$db": "bench"})
    return struct.pack("<iiii", 16 + len(payload), 1, 0, 2013) + payload


def _start_stop(cycles: int) -> tuple[list[float], list[float]]:
    starts, stops = [], []
    for _ in range(cycles):
        server = EmbeddedMongoServer()
        start = time.perf_counter()
        server.start()
        starts.append(time.perf_counter() - start)
        # Stop with a client connection open: the server must close it itself.
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(server.uri)
        client.admin.command("ping")
        start = time.perf_counter()
        server.stop()
        stops.append(time.perf_counter() - start)
        client.close()
    return starts, stops


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few runs, for CI")
    parser.add_argument("--runs", type=int, default=1000, help="round trips (default 1000)")
    args = parser.parse_args()
    runs = 50 if args.quick else max(args.runs, 500)
    cycles = 3 if args.quick else 30

    engine = _engine_round_trips(runs)
    handler = _handler_round_trips(runs)
    with EmbeddedMongoServer() as server:
        wire = asyncio.run(_server_round_trips(server.uri, runs))
        pings = asyncio.run(_ping_round_trips(server.uri, runs))
    starts, stops = _start_stop(cycles)

    print(f"runs: {runs} round trips (insert_one + find_one), {cycles} start/stop cycles")
    print(f"engine in-process        median {_ms(engine):7.3f} ms")
    print(f"AsyncMongoClient->server median {_ms(wire):7.3f} ms")
    print(f"ratio server / engine    {_ms(wire) / _ms(engine):7.2f}x   (target <= 2x)")
    print(f"  of which driver+socket {_ms(pings):7.3f} ms  (2 x ping through AsyncMongoClient)")
    print(f"  server-side handling   {_ms(handler):7.3f} ms  (decode, command, engine, encode)")
    print(f"ratio handling / engine  {_ms(handler) / _ms(engine):7.2f}x")
    print(f"server start             median {_ms(starts):7.3f} ms  (target < 100 ms)")
    print(f"server stop              median {_ms(stops):7.3f} ms  (target < 50 ms)")


if __name__ == "__main__":
    main()
