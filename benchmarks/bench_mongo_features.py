"""Embedded MongoDB server features: collation cost, change-stream latency.

    python benchmarks/bench_mongo_features.py            # 200 queries per case over 1000 docs
    python benchmarks/bench_mongo_features.py --quick    # a few, for CI

Each section prints medians (ms) side by side with the ratio, all measured in this run
through pymongo.AsyncMongoClient against one embedded server.

collation: the same queries with no collation (binary "simple" comparison) and with
{locale: "en", strength: 2} (case-insensitive) over a collection of --docs user documents:
an equality find on the email, a sorted page of names, a count, and an insert into a
collection with a unique case-insensitive email index next to one with a plain unique index.
The collated reads compare every document's strings under the collation (ICU-style sort
keys, cached per distinct string), so they cost more than the binary ones. ASCII strings
need no table; the first collated query that meets another string loads the Unicode
collation table (both first queries are reported apart).

change streams: the latency from a write to its event delivered to watch(). A task waits in
stream.next() (its getMore held by the server, maxAwaitTimeMS 10 s); another client writes;
the time from the write's start to the event in hand is set beside the write's own round
trip, so the difference is what the server adds: waking the held getMore and sending the
event. Also: the event read after the write (a getMore that finds it at once), and an
update's event with fullDocument: "updateLookup".
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pymongo
from pymongo.collation import Collation

from asynctestkit.mongo import EmbeddedMongoServer

_CASE_INSENSITIVE = Collation("en", strength=2)


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


async def _time(runs: int, call: Callable[[int], Awaitable[Any]]) -> list[float]:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        await call(i)
        times.append(time.perf_counter() - start)
    return times


def _users(count: int) -> list[dict[str, Any]]:
    first = ["Ann", "bob", "Cécile", "dan", "Émile", "Zoë", "ada", "Björn"]
    return [
        {
            "_id": i,
            "email": f"{first[i % len(first)]}.User{i}@Example.com",
            "name": f"{first[i % len(first)]} {i}",
            "plan": "Pro" if i % 3 else "free",
        }
        for i in range(count)
    ]


async def _collation_section(uri: str, runs: int, docs: int) -> None:
    client: pymongo.AsyncMongoClient[dict[str, Any]] = pymongo.AsyncMongoClient(uri)
    try:
        db = client.bench_features
        codes = db.codes
        await codes.insert_many([{"code": f"SKU-{i}"} for i in range(docs)])
        start = time.perf_counter()
        await codes.find_one({"code": "sku-1"}, collation=_CASE_INSENSITIVE)
        first_ascii = time.perf_counter() - start
        users = db.users
        await users.insert_many(_users(docs))
        start = time.perf_counter()
        await users.find_one({"email": "x"}, collation=_CASE_INSENSITIVE)
        first = time.perf_counter() - start

        def find(collation: Collation | None) -> Callable[[int], Awaitable[Any]]:
            async def call(i: int) -> Any:
                email = f"ann.user{(i * 8) % docs}@example.com"
                if collation is None:
                    email = f"Ann.User{(i * 8) % docs}@Example.com"
                    return await users.find_one({"email": email})
                return await users.find_one({"email": email}, collation=collation)

            return call

        def page(collation: Collation | None) -> Callable[[int], Awaitable[Any]]:
            async def call(i: int) -> Any:
                options: dict[str, Any] = {} if collation is None else {"collation": collation}
                cursor = users.find({}, sort=[("name", 1)], skip=i % 50, limit=20, **options)
                return await cursor.to_list(None)

            return call

        def count(collation: Collation | None) -> Callable[[int], Awaitable[Any]]:
            async def call(i: int) -> Any:
                options: dict[str, Any] = {} if collation is None else {"collation": collation}
                return await users.count_documents({"plan": "PRO"}, **options)

            return call

        plain_unique, collated_unique = db.plain_unique, db.collated_unique
        await plain_unique.create_index("email", unique=True)
        await collated_unique.create_index("email", unique=True, collation=_CASE_INSENSITIVE)
        for target in (plain_unique, collated_unique):
            await target.insert_many(_users(docs))

        def insert(target: Any) -> Callable[[int], Awaitable[Any]]:
            async def call(i: int) -> Any:
                return await target.insert_one({"email": f"new{i}@example.com"})

            return call

        print(f"collation: {runs} queries per case over {docs} documents")
        print(f"  first collated query, ASCII strings only            {first_ascii * 1000:9.3f} ms")
        print(f"  first with non-ASCII strings (loads the table)      {first * 1000:9.3f} ms")
        print(f"  {'query':<34} {'simple':>10} {'en, strength 2':>15} {'ratio':>8}")
        cases = [
            ("find_one by email", find(None), find(_CASE_INSENSITIVE)),
            ("find sorted by name, 20 docs", page(None), page(_CASE_INSENSITIVE)),
            ("count_documents", count(None), count(_CASE_INSENSITIVE)),
            ("insert_one, unique email index", insert(plain_unique), insert(collated_unique)),
        ]
        for label, simple_call, collated_call in cases:
            simple = _ms(await _time(runs, simple_call))
            collated = _ms(await _time(runs, collated_call))
            print(f"  {label:<34} {simple:8.3f} ms {collated:12.3f} ms {collated / simple:7.1f}x")
        await client.drop_database("bench_features")
    finally:
        await client.close()


async def _change_stream_section(uri: str, runs: int) -> None:
    writer: pymongo.AsyncMongoClient[dict[str, Any]] = pymongo.AsyncMongoClient(uri)
    watcher: pymongo.AsyncMongoClient[dict[str, Any]] = pymongo.AsyncMongoClient(uri)
    try:
        target = writer.bench_streams.events
        await target.insert_one({"_id": "warm-up"})
        stream = await watcher.bench_streams.events.watch(
            max_await_time_ms=10_000, full_document="updateLookup"
        )
        writes: list[float] = []
        delivered: list[float] = []
        lookups: list[float] = []
        for i in range(runs):
            for operation, into in (("insert", delivered), ("update", lookups)):
                waiting = asyncio.create_task(stream.next())
                await asyncio.sleep(0.002)  # let its getMore reach the server and wait
                start = time.perf_counter()
                if operation == "insert":
                    await target.insert_one({"_id": i, "n": 0})
                    writes.append(time.perf_counter() - start)
                else:
                    await target.update_one({"_id": i}, {"$inc": {"n": 1}})
                event = await waiting
                into.append(time.perf_counter() - start)
                assert event["operationType"] == operation, event
        polled: list[float] = []
        for i in range(runs):
            start = time.perf_counter()
            await target.delete_one({"_id": i})
            event = await stream.next()
            polled.append(time.perf_counter() - start)
            assert event["operationType"] == "delete", event
        await stream.close()
        write = _ms(writes)
        print(f"change streams: {runs} events per case, AsyncMongoClient")
        print(f"  {'case':<52} {'median':>10} {'vs write':>9}")
        rows = [
            ("insert_one round trip (no event read)", write),
            ("insert_one -> event at a waiting watch().next()", _ms(delivered)),
            ("update_one -> event with updateLookup, waiting", _ms(lookups)),
            ("delete_one, then next() (event already there)", _ms(polled)),
        ]
        for label, median in rows:
            print(f"  {label:<52} {median:7.3f} ms {median / write:8.1f}x")
        await writer.drop_database("bench_streams")
    finally:
        await writer.close()
        await watcher.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few runs, for CI")
    parser.add_argument("--runs", type=int, default=200, help="queries per case (default 200)")
    parser.add_argument("--docs", type=int, default=1000, help="documents (default 1000)")
    parser.add_argument("--section", choices=("all", "collation", "change-streams"), default="all")
    args = parser.parse_args()
    runs = 10 if args.quick else args.runs
    docs = 100 if args.quick else args.docs
    with EmbeddedMongoServer() as server:
        if args.section in ("all", "collation"):
            asyncio.run(_collation_section(server.uri, runs, docs))
        if args.section in ("all", "change-streams"):
            asyncio.run(_change_stream_section(server.uri, runs))


if __name__ == "__main__":
    main()
