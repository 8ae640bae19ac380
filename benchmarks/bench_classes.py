"""Per-class overhead: many small test classes on each base class, side by side in one run.

For each base class, N classes of one trivial async test each (``assertTrue(True)``):

- ``unittest.IsolatedAsyncioTestCase`` (the floor every ratio is measured against);
- ``AsyncTestCase``;
- ``AwsTestCase`` (a moto server account per class and per test);
- ``MongoTestCase`` with 5 Beanie models (``init_beanie`` per class);
- ``MongoAwsTestCase`` with the same 5 models.

Every base is warmed up first (imports, the embedded server and the moto server start,
botocore's models load), then the rounds run one after another, each base once per round,
all in this process. Prints the median over the rounds of the time per class (set-up, the
test, tear-down and class cleanups) and its ratio to ``IsolatedAsyncioTestCase`` in the
same run: wall-clock time, and the process's CPU time (the embedded server's and the moto
server's threads included), which a machine shared with other jobs disturbs far less.
Run as users run tests (no ``PYTHONDEVMODE``, no asyncio debug mode), or set
``ASYNCTESTKIT_ASYNCIO_DEBUG=1`` to measure that mode. Automatic garbage collection is off
while a base's classes run: a full collection walks the whole heap (tens of ms with
botocore, moto and Beanie loaded), and one landing at random in the floor's 30 ms would
swing every ratio by a factor of two. What each class collects itself (the toolkit's
class-end leak check) is counted.

Usage: python benchmarks/bench_classes.py [--classes N] [--rounds R] [--quick] [--json FILE]
(``benchmarks/chart_classes.py`` draws two such files side by side.)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
import unittest
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_mongo_case import MODELS  # the same 5 Beanie models, with their indexes

from asynctestkit import AsyncTestCase, AwsTestCase, MongoAwsTestCase, MongoTestCase

# name shown, base class, class attributes
BASES: list[tuple[str, type, dict[str, Any]]] = [
    ("IsolatedAsyncioTestCase", unittest.IsolatedAsyncioTestCase, {}),
    ("AsyncTestCase", AsyncTestCase, {}),
    ("AwsTestCase", AwsTestCase, {}),
    ("MongoTestCase, 5 models", MongoTestCase, {"document_models": MODELS}),
    ("MongoAwsTestCase, 5 models", MongoAwsTestCase, {"document_models": MODELS}),
]


async def _trivial(self: unittest.TestCase) -> None:
    self.assertTrue(True)


def _suite(base: type, attributes: dict[str, Any], classes: int) -> unittest.TestSuite:
    suite = unittest.TestSuite()
    for index in range(classes):
        name = f"Bench{base.__name__}{index:03d}Tests"
        cls = type(name, (base,), {**attributes, "test_trivial": _trivial})
        suite.addTest(cls("test_trivial"))
    return suite


def _run(base: type, attributes: dict[str, Any], classes: int) -> tuple[float, float]:
    """Wall and CPU seconds (this process, servers' threads included) per class."""
    suite = _suite(base, attributes, classes)
    result = unittest.TestResult()
    gc.collect()  # start each measurement from the same heap, outside the clock
    gc.disable()  # and let no automatic full collection land in one base's run (see above)
    try:
        start, start_cpu = time.perf_counter(), time.process_time()
        suite.run(result)
        seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    finally:
        gc.enable()
    if not result.wasSuccessful() or result.testsRun != classes:
        for _, trace in result.errors + result.failures:
            print(trace, file=sys.stderr)
        raise SystemExit(f"{base.__name__}: the benchmark classes failed")
    return seconds / classes, cpu / classes


def _mode() -> str:
    debug = os.environ.get("ASYNCTESTKIT_ASYNCIO_DEBUG") or os.environ.get("PYTHONASYNCIODEBUG")
    return (
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"PYTHONDEVMODE={os.environ.get('PYTHONDEVMODE', '')!r}, "
        f"asyncio debug from the environment: {debug!r}"
    )


def measure(
    classes: int, rounds: int, log: Callable[[str], None] = print
) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds per class for each base, over ``rounds`` rounds."""
    for name, base, attributes in BASES:  # warm-up: imports, servers, model caches
        start = time.perf_counter()
        _run(base, attributes, 2)
        log(f"  first 2 classes: {name:<28} {(time.perf_counter() - start) * 1000:8.1f} ms")
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in BASES}
    for _ in range(rounds):
        for name, base, attributes in BASES:
            samples[name].append(_run(base, attributes, classes))
    return {
        name: (
            statistics.median(wall for wall, _ in values),
            statistics.median(cpu for _, cpu in values),
        )
        for name, values in samples.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=30, help="classes per base (30)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is kept (3)")
    parser.add_argument("--quick", action="store_true", help="5 classes, 1 round: for CI")
    parser.add_argument("--json", help="also write {base: [wall ms, CPU ms]} to this file")
    args = parser.parse_args()
    classes, rounds = (5, 1) if args.quick else (args.classes, args.rounds)
    print(f"{classes} classes of one trivial test per base, median of {rounds} round(s)")
    print(_mode())
    medians = measure(classes, rounds)
    wall_floor, cpu_floor = medians[BASES[0][0]]
    print()
    print(f"{'':<30}{'wall':>26}{'CPU (all threads)':>28}")
    print(
        f"{'base class':<30}{'per class ms':>14}{'x floor':>12}{'per class ms':>16}{'x floor':>12}"
    )
    for name, _, _ in BASES:
        wall, cpu = medians[name]
        print(
            f"{name:<30}{wall * 1000:>14.2f}{wall / wall_floor:>11.1f}x"
            f"{cpu * 1000:>16.2f}{cpu / cpu_floor:>11.1f}x"
        )
    print("floor: IsolatedAsyncioTestCase in the same run")
    if args.json:
        rows = {name: [wall * 1000, cpu * 1000] for name, (wall, cpu) in medians.items()}
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
