"""asynctestkit against the pytest + pytest-asyncio fixture pattern, on the same workload.

The workload (benchmarks/workload/): GROUPS x 6 tests touching MongoDB through Beanie and
S3 / SQS through aioboto3, written twice:

- asynctestkit, in two shapes: *few classes* (a MongoAwsTestCase per group of 6 tests) and
  *many small classes* (a MongoAwsTestCase per test); run with ``python -m unittest`` and
  ``unittest-parallel -j 2 --level class``;
- pytest: the fixtures users copy today (a client, drop + init_beanie + seed per test, a
  ThreadedMotoServer per xdist worker, an STS role per test, a new aioboto3 Session and
  client per fixture); run with ``pytest`` and ``pytest -n 2``.

MongoDB: each side as its users run it. The pytest side needs a server: the embedded
server is started here in a process of its own (``python -m asynctestkit mongo --port 0``),
standing in for a ``mongod``. The asynctestkit side uses its default, the embedded server
inside each test process. ``--shared-mongo`` puts both sides on the server process;
with ``MONGODB_URI`` set, both sides use that MongoDB.

Prints, for each shape and side, serially and with 2 workers: the wall-clock seconds of
the whole run (start-up included), the median per-test time, the median per-test overhead
(the test's wall time minus the time in its body) and the ratios; and the CPU seconds of
the command's processes, which a busy machine disturbs less (the pytest side's MongoDB
server process is not counted; the asynctestkit side's embedded server runs in its test
processes and is). The pytest side has no classes: its runs are the same for both shapes,
so each is run once and compared with both. With ``--repeat R`` every cell runs once per
round, R rounds; the table keeps each cell's fastest run, and the ratio of each round's
two runs (which ran minutes apart at most) is printed with its median, the figure a
machine whose speed drifts disturbs least.

Usage: python benchmarks/bench_vs_pytest.py [--groups N] [--quick] [--repeat R]
                                           [--shared-mongo]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

WORKLOAD = Path(__file__).resolve().parent / "workload"
TESTS_PER_GROUP = 6
TIMEOUT_S = 900


SHAPES = {"few": "few classes", "many": "many small classes"}


@dataclass
class Run:
    side: str
    mode: str
    seconds: float
    cpu: float
    per_test: float
    overhead: float


def _start_mongo(python: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [python, "-m", "asynctestkit", "mongo", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "mongodb://" not in line:
        process.kill()
        raise SystemExit(f"the embedded MongoDB server did not start: {line!r}")
    return process, line[line.index("mongodb://") :].strip()


def _commands(python: str) -> dict[tuple[str, str, str], list[str]]:
    """(side, mode, shape) -> command; shape "" for the pytest side (the same for both)."""
    unittest_parallel = shutil.which("unittest-parallel", path=str(Path(python).parent))
    if unittest_parallel is None:
        raise SystemExit("unittest-parallel is not installed: pip install unittest-parallel")
    suite = ["-s", "asynctestkit_suite", "-t", "asynctestkit_suite"]
    pytest = [python, "-m", "pytest", "-q", "-c", "pytest_suite/pytest.ini"]
    pytest += ["--rootdir", "pytest_suite", "pytest_suite"]
    ours = {
        "serial": [python, "-m", "unittest", "discover", *suite],
        "2 workers": [unittest_parallel, "-j", "2", "--level", "class", *suite],
    }
    commands = {}
    for mode in ("serial", "2 workers"):
        for shape in SHAPES:
            commands["asynctestkit", mode, shape] = ours[mode]
        commands["pytest fixtures", mode, ""] = pytest if mode == "serial" else [*pytest, "-n", "2"]
    return commands


def _run(
    side: str, mode: str, shape: str, command: list[str], env: dict[str, str], tests: int
) -> Run:
    if side == "asynctestkit" and env.get("BENCH_TOOLKIT_MONGO") == "embedded":
        env = {name: value for name, value in env.items() if name != "MONGODB_URI"}
    env = {**env, "BENCH_SHAPE": shape or "few"}
    with tempfile.TemporaryDirectory(prefix="bench-vs-pytest-") as tmp:
        timings = Path(tmp) / "timings.jsonl"
        env = {**env, "BENCH_TIMINGS": str(timings)}
        start, start_cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run(
            command, cwd=WORKLOAD, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
        )
        seconds, cpu = time.perf_counter() - start, _children_cpu() - start_cpu
        rows = [json.loads(line) for line in timings.read_text().splitlines()]
    if done.returncode != 0 or len(rows) != tests:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(
            f"{side} ({mode}) failed: exit code {done.returncode}, {len(rows)} of {tests} "
            f"tests timed: {' '.join(command)}"
        )
    return Run(
        side=side,
        mode=mode,
        seconds=seconds,
        cpu=cpu,
        per_test=statistics.median(row["total"] for row in rows),
        overhead=statistics.median(row["total"] - row["body"] for row in rows),
    )


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (and theirs: workers), user + system."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=20, help="groups of 6 tests (20)")
    parser.add_argument("--quick", action="store_true", help="2 groups, once: for CI")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of every cell; best per cell is kept"
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter to run under")
    parser.add_argument(
        "--shared-mongo",
        action="store_true",
        help="asynctestkit side on the pytest side's MongoDB server process too",
    )
    args = parser.parse_args()
    groups = 2 if args.quick else args.groups
    repeat = 1 if args.quick else max(1, args.repeat)
    tests = groups * TESTS_PER_GROUP

    env = dict(os.environ)
    env["BENCH_GROUPS"] = str(groups)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(WORKLOAD), env.get("PYTHONPATH")]))
    # The pytest pattern's own environment; the toolkit sets its own per class.
    for name in ("PYTEST_ADDOPTS", "PYTHONDEVMODE", "PYTHONASYNCIODEBUG", "PYTHONWARNINGS"):
        env.pop(name, None)
    server = None
    if env.get("MONGODB_URI"):
        mongo = "MONGODB_URI, both sides"
    else:
        server, env["MONGODB_URI"] = _start_mongo(args.python)
        mongo = "the embedded server in a process of its own, "
        if args.shared_mongo:
            mongo += "both sides"
        else:
            env["BENCH_TOOLKIT_MONGO"] = "embedded"
            mongo += "pytest side; in each test process, asynctestkit side"
    try:
        print(f"workload: {tests} tests ({groups} groups x {TESTS_PER_GROUP}); MongoDB: {mongo}")
        print(f"machine: {_machine()}")
        # Round-robin: each round runs every cell once, so a round's cells ran minutes apart
        # at most and a drift in the machine's speed moves both sides of its ratios.
        runs: dict[tuple[str, str, str], list[Run]] = {}
        commands = _commands(args.python)
        for round_number in range(1, repeat + 1):
            for (side, mode, shape), command in commands.items():
                run = _run(side, mode, shape, command, env, tests)
                runs.setdefault((side, mode, shape), []).append(run)
                label = SHAPES.get(shape, "")
                where = f"{side:<15} {mode:<9} {label:<18}"
                print(f"  round {round_number}: {where} {run.seconds:7.2f} s", flush=True)
        results = {
            cell: min(cell_runs, key=lambda run: run.seconds) for cell, cell_runs in runs.items()
        }
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
            assert server.stdout is not None
            server.stdout.close()

    for shape, label in SHAPES.items():
        classes = groups if shape == "few" else tests
        print(f"\nasynctestkit in {label} ({classes} classes); the same pytest runs")
        header = f"{'':<16}{'mode':<11}{'total s':>9}{'CPU s':>8}{'median/test ms':>16}"
        print(header + f"{'overhead/test ms':>18}")
        for mode in ("serial", "2 workers"):
            ours = results["asynctestkit", mode, shape]
            theirs = results["pytest fixtures", mode, ""]
            for run in (ours, theirs):
                print(
                    f"{run.side:<16}{mode:<11}{run.seconds:>9.2f}{run.cpu:>8.2f}"
                    f"{run.per_test * 1000:>16.1f}{run.overhead * 1000:>18.1f}"
                )
            print(
                f"{'ratio':<16}{mode:<11}{theirs.seconds / ours.seconds:>8.1f}x"
                f"{theirs.cpu / ours.cpu:>7.1f}x{theirs.per_test / ours.per_test:>15.1f}x"
                f"{theirs.overhead / ours.overhead:>17.1f}x"
            )
        if repeat > 1:
            print("ratio per round (total, wall), each from one round's two runs:")
            for mode in ("serial", "2 workers"):
                ours_runs = runs["asynctestkit", mode, shape]
                pairs = zip(ours_runs, runs["pytest fixtures", mode, ""], strict=True)
                ratios = [theirs.seconds / ours.seconds for ours, theirs in pairs]
                listed = ", ".join(f"{ratio:.1f}x" for ratio in ratios)
                print(f"  {mode:<11}{listed}; median {statistics.median(ratios):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
