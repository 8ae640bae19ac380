"""Soak: the stress suite run again and again in one process, sampling memory and fds.

Flat RSS, open fds and threads after the first round mean nothing leaks per class or per
test. Run from the repository root:

    python benchmarks/soak.py --minutes 10        # the stress suite (200 tests) for 10 min
    python benchmarks/soak.py --quick             # CI: a few small rounds
    python benchmarks/soak.py --classes 10 --tests 5 --rounds 5 --tracemalloc 10
                                                  # what grew from round 2 to the last
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import threading
import time
import tracemalloc
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def one_round(loader: unittest.TestLoader, module: object) -> unittest.TestResult:
    suite = loader.loadTestsFromModule(module)  # type: ignore[arg-type]
    return unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="how long to soak")
    parser.add_argument("--classes", type=int, default=20)
    parser.add_argument("--tests", type=int, default=10, help="tests per class")
    parser.add_argument("--rounds", type=int, default=0, help="stop after this many rounds")
    parser.add_argument(
        "--tracemalloc",
        type=int,
        default=0,
        metavar="N",
        help="trace allocations (slow, and RSS includes the tracing) and print the N tracebacks "
        "that grew most from round 2 to the last",
    )
    parser.add_argument("--quick", action="store_true", help="4 rounds of 4x5 tests (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.classes, args.tests, rounds_cap, seconds = 4, 5, 4, float("inf")
    else:
        rounds_cap, seconds = args.rounds or sys.maxsize, args.minutes * 60
        if args.rounds:
            seconds = float("inf")
    os.environ.update(STRESS_CLASSES=str(args.classes), STRESS_TESTS=str(args.tests))
    sys.path.insert(0, str(ROOT))
    from tests.stress import stress_suite

    loader = unittest.TestLoader()
    version = sys.version.split()[0]
    print(f"soak: {args.classes} classes x {args.tests} tests per round, Python {version}")
    header = ("round", "elapsed s", "tests", "failed", "RSS MB", "fds", "threads")
    print("{:>5} {:>9} {:>6} {:>6} {:>7} {:>4} {:>7}".format(*header))
    samples = []
    started = time.monotonic()
    failed_total = 0
    rounds = 0
    snapshots: list[tracemalloc.Snapshot] = []
    while rounds < rounds_cap and (rounds == 0 or time.monotonic() - started < seconds):
        result = one_round(loader, stress_suite)
        rounds += 1
        if args.tracemalloc:
            # Traced from the end of round 1 (imports, servers); compared from round 2.
            if rounds == 1:
                tracemalloc.start(16)
            else:
                snapshots[1:] = [tracemalloc.take_snapshot()]
        failed = len(result.errors) + len(result.failures)
        failed_total += failed
        sample = (rss_mb(), open_fds(), threading.active_count())
        samples.append(sample)
        elapsed = time.monotonic() - started
        print(
            f"{rounds:>5} {elapsed:>9.1f} {result.testsRun:>6} {failed:>6} "
            f"{sample[0]:>7.1f} {sample[1]:>4} {sample[2]:>7}",
            flush=True,
        )
        if failed:
            for _, trace in (result.errors + result.failures)[:3]:
                print(trace, file=sys.stderr)
    # The first round loads modules and starts the shared servers: compare from round 2.
    steady = samples[1:] or samples
    rss = [s[0] for s in steady]
    print(
        f"soak: {rounds} rounds, {rounds * args.classes * args.tests} tests, "
        f"{failed_total} failed, {time.monotonic() - started:.0f} s; "
        f"after round 1: RSS median {statistics.median(rss):.1f} MB, "
        f"last/first {rss[-1] / rss[0]:.3f}, fds {steady[0][1]} -> {steady[-1][1]}, "
        f"threads {steady[0][2]} -> {steady[-1][2]}"
    )
    if len(snapshots) == 2:
        print_growth(snapshots[0], snapshots[1], (rounds - 2) * args.classes * args.tests, args)
    return 1 if failed_total else 0


def print_growth(
    first: tracemalloc.Snapshot, last: tracemalloc.Snapshot, tests: int, args: argparse.Namespace
) -> None:
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    diff = last.filter_traces(ignore).compare_to(first.filter_traces(ignore), "traceback")
    total = sum(stat.size_diff for stat in diff)
    print(
        f"tracemalloc: {total / 1024:+.1f} KiB from round 2 to {tests} tests later, "
        f"{total / tests:+.0f} B per test; grew most:"
    )
    for stat in diff[: args.tracemalloc]:
        print(f"\n{stat.size_diff / 1024:+.1f} KiB, {stat.count_diff:+d} blocks")
        print("\n".join(stat.traceback.format(limit=10, most_recent_first=True)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
