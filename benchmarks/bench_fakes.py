"""What a fake costs: creating one, and one validated call, against the alternatives.

    python benchmarks/bench_fakes.py            # full run
    python benchmarks/bench_fakes.py --quick    # small N, for CI

Prints medians (microseconds) and ratios. Service models load once per process; the
first fake of a service pays for that, every later one does not.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any
from unittest.mock import AsyncMock

from asynctestkit.fakes import fake_client


def median_us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def timed(func: Callable[[], Any], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


async def timed_async(func: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await func()
        samples.append(time.perf_counter() - start)
    return samples


async def main(repeat: int, real_repeat: int) -> None:
    from aiobotocore.session import get_session
    from aiobotocore.stub import AioStubber

    print(f"{'measure':58} {'median us':>12}")
    for service in ("s3", "dynamodb", "ec2"):
        start = time.perf_counter()
        fake_client(service)
        print(
            f"{'first fake_client(' + repr(service) + '), loads the model':58} "
            f"{(time.perf_counter() - start) * 1e6:12.0f}"
        )

    per_fake = {}
    for service in ("s3", "ec2"):
        per_fake[service] = median_us(timed(lambda s=service: fake_client(s), repeat))
        print(f"{'fake_client(' + repr(service) + '), model cached':58} {per_fake[service]:12.1f}")

    session = get_session()

    async def real_client() -> None:
        async with session.create_client(
            "s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        ) as client:
            AioStubber(client).activate()

    real = median_us(await timed_async(real_client, real_repeat))
    print(f"{'aiobotocore create_client(s3) + AioStubber':58} {real:12.1f}")

    s3 = fake_client("s3")

    async def fake_call() -> None:
        s3.add_response("get_object", {"Body": b"x"}, {"Bucket": "b", "Key": "k"})
        await s3.get_object(Bucket="b", Key="k")

    bare = AsyncMock(return_value={"Body": b"x"})

    async def bare_call() -> None:
        await bare(Bucket="b", Key="k")

    fake = median_us(await timed_async(fake_call, repeat))
    plain = median_us(await timed_async(bare_call, repeat))
    print(f"{'add_response + validated get_object on the fake':58} {fake:12.1f}")
    print(f"{'bare AsyncMock call (no checks)':58} {plain:12.1f}")
    print()
    print(f"ratio real client / fake creation (s3): {real / per_fake['s3']:.0f}x")
    print(f"ratio validated fake call / bare AsyncMock call: {fake / plain:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N, for CI")
    args = parser.parse_args()
    asyncio.run(main(repeat=50 if args.quick else 2000, real_repeat=5 if args.quick else 50))
