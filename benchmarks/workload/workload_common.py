"""What both benchmark suites share: the Beanie models, the seed data and the timings.

Both suites run the same test bodies against the same MongoDB (``MONGODB_URI``) and the
same kind of moto server; only the harness differs. Each test body is wrapped in
``timed``; each harness appends one JSON line per test to ``$BENCH_TIMINGS``:
``{"test": id, "total": seconds set-up to tear-down, "body": seconds in the body}``.
"""

from __future__ import annotations

import functools
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from beanie import Document, Indexed

#: Test classes (unittest) / parametrizations (pytest); each has TESTS_PER_GROUP tests.
GROUPS = int(os.environ.get("BENCH_GROUPS", "20"))
#: "few": GROUPS classes of 6 tests; "many": a class per test (the pytest side is the same).
SHAPE = os.environ.get("BENCH_SHAPE", "few")
TESTS_PER_GROUP = 6
REGION = "us-east-1"


class Product(Document):
    sku: Indexed(str, unique=True)  # type: ignore[valid-type]
    price_cents: int


class Order(Document):
    number: Indexed(str, unique=True)  # type: ignore[valid-type]
    sku: str
    quantity: int
    status: str = "new"
    invoice_key: str | None = None


MODELS = [Product, Order]


async def insert_seed_data() -> None:
    await Product.insert_many([Product(sku=f"sku-{n}", price_cents=100 * n) for n in range(5)])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


_body_seconds: list[float] = []


def timed(test: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Record how long the test body itself runs."""

    @functools.wraps(test)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return await test(*args, **kwargs)
        finally:
            _body_seconds.append(time.perf_counter() - start)

    return wrapper


def record_test(test_id: str, total: float) -> None:
    """Append the test's timings to $BENCH_TIMINGS (one line, one write: safe across workers)."""
    path = os.environ.get("BENCH_TIMINGS")
    body = _body_seconds.pop() if _body_seconds else 0.0
    _body_seconds.clear()
    if path:
        line = json.dumps({"test": test_id, "total": total, "body": body}) + "\n"
        with open(path, "a") as file:
            file.write(line)
