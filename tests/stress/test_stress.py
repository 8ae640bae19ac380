"""The stress suite under parallel runners and a shuffled order: no test sees another's data.

Each run is a subprocess; the figures (tests run, cross-talk, seconds) are printed (pytest
``-s`` shows them) and kept in ``FIGURES`` for benchmarks/soak.py. Replay a run's random
data and order with ``STRESS_SEED=<seed>``.
"""

import json
import os
import random
import re
import tempfile
import time
import unittest
from pathlib import Path

import pymongo

from asynctestkit.aws import MotoServer
from asynctestkit.mongo import EmbeddedMongoServer
from tests._support import run_python

ROOT = Path(__file__).resolve().parents[2]
SUITE = "tests/stress/stress_suite.py"
CLASSES, TESTS_PER_CLASS = 20, 10
EXPECTED = CLASSES * TESTS_PER_CLASS
# Bounds a wedged run; a normal one takes well under a minute.
TIMEOUT_S = 240
SEED = int(os.environ.get("STRESS_SEED") or random.SystemRandom().randrange(2**32))

FIGURES = []


def run_stress(label, args, **env_extra):
    """Run the suite with ``args``; return (returncode, output, figures)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp, "report.jsonl")
        env = dict(
            os.environ,
            STRESS_REPORT=str(report),
            STRESS_SEED=str(SEED),
            STRESS_CLASSES=str(CLASSES),
            STRESS_TESTS=str(TESTS_PER_CLASS),
            **env_extra,
        )
        started = time.monotonic()
        proc = run_python(*args, cwd=ROOT, env=env, timeout=TIMEOUT_S)
        seconds = time.monotonic() - started
        lines = report.read_text().splitlines() if report.exists() else []
    records = [json.loads(line) for line in lines]
    figures = {
        "run": label,
        "tests run": len(records),
        "distinct tests": len({r["test"] for r in records}),
        "processes": len({r["pid"] for r in records}),
        "cross-talk": sum(r["foreign"] for r in records),
        "seconds": round(seconds, 1),
        "seed": SEED,
    }
    FIGURES.append(figures)
    print(
        f"stress [{label}]: tests run {figures['tests run']}, cross-talk "
        f"{figures['cross-talk']}, {figures['processes']} process(es), {seconds:.1f} s, "
        f"seed {SEED}"
    )
    return proc.returncode, proc.stdout + proc.stderr, figures


class StressTests(unittest.TestCase):
    def assertClean(self, code, output, figures, processes):
        self.assertEqual(code, 0, output[-5000:])
        self.assertEqual(figures["tests run"], EXPECTED, output[-5000:])
        self.assertEqual(figures["distinct tests"], EXPECTED)
        self.assertEqual(figures["cross-talk"], 0, output[-5000:])
        self.assertGreaterEqual(figures["processes"], processes, figures)

    def test_unittest_parallel_on_one_shared_mongodb_and_moto_server(self):
        # One MongoDB and one moto server for all four workers, as a CI cluster would be:
        # only the toolkit's names and accounts keep the workers apart.
        with EmbeddedMongoServer() as mongo, MotoServer() as moto:
            code, output, figures = run_stress(
                "unittest-parallel -j 4, shared servers",
                ["-m", "unittest_parallel", "-j", "4", "--level", "class"]
                + ["-s", "tests/stress", "-t", ".", "-p", "stress_suite.py"],
                MONGODB_URI=mongo.uri,
                ASYNCTESTKIT_AWS_ENDPOINT=moto.endpoint_url,
            )
            with pymongo.MongoClient(mongo.uri) as client:
                left = [name for name in client.list_database_names() if name.startswith("test_")]
        self.assertClean(code, output, figures, processes=2)
        self.assertEqual(re.findall(r"Ran (\d+) tests", output), [str(EXPECTED)], output[-3000:])
        self.assertEqual(left, [], "databases left on the shared server")

    def test_pytest_xdist_with_a_server_per_worker(self):
        code, output, figures = run_stress(
            "pytest -n 4, embedded servers", ["-m", "pytest", "-q", "-n", "4", SUITE]
        )
        self.assertClean(code, output, figures, processes=2)
        self.assertIn(f"{EXPECTED} passed", output)

    def test_shuffled_order_with_a_printed_seed(self):
        code, output, figures = run_stress(
            "shuffled order", ["-m", "tests.stress._shuffle", str(SEED)]
        )
        self.assertClean(code, output, figures, processes=1)
        self.assertIn(
            f"stress: shuffled order, seed {SEED} (replay: python -m tests.stress._shuffle {SEED})",
            output,
        )
        self.assertIn(f"Ran {EXPECTED} tests", output)
