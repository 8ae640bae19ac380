"""Every runner users have: a small sample project run as a subprocess by each."""

import os
import re
import tempfile
import textwrap
import unittest
from pathlib import Path

from tests._support import run_python

SAMPLE = textwrap.dedent(
    """
    import asyncio
    import contextvars
    import os
    import unittest

    from asynctestkit import AsyncTestCase

    VAR = contextvars.ContextVar("VAR", default="unset")


    class AFailingTests(AsyncTestCase):
        async def test_fails_on_request(self):
            self.assertFalse(os.environ.get("SAMPLE_FAIL"), "failing on request")


    class SharedLoopTests(AsyncTestCase):
        @classmethod
        async def asyncSetUpClass(cls):
            cls.loop = asyncio.get_running_loop()
            cls.lock = asyncio.Lock()
            VAR.set("class")

        async def check(self):
            self.assertIs(asyncio.get_running_loop(), self.loop)
            self.assertEqual(VAR.get(), "class")
            VAR.set(self.id())
            async with self.lock:
                await asyncio.sleep(0)

        async def test_one(self):
            await self.check()

        async def test_two(self):
            await self.check()


    class OtherClassTests(AsyncTestCase):
        async def test_three(self):
            self.assertEqual(VAR.get(), "unset")
    """
)

PYTEST_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


def ran(output):
    """The number of tests a unittest-style runner reports."""
    found = re.findall(r"Ran (\d+) tests?", output)
    return int(found[-1]) if found else None


class RunnerTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.addClassCleanup(cls.tmp.cleanup)
        root = Path(cls.tmp.name)
        (root / "test_sample.py").write_text(SAMPLE)
        (root / "pytest.ini").write_text(PYTEST_INI)

    def run_tool(self, *args, fail=False):
        env = dict(os.environ, PYTHONWARNINGS="error", PYTHONDEVMODE="1")
        env.pop("SAMPLE_FAIL", None)
        if fail:
            env["SAMPLE_FAIL"] = "1"
        proc = run_python(*args, cwd=self.tmp.name, env=env, timeout=300)
        return proc.returncode, proc.stdout + proc.stderr

    def assertPasses(self, args, tests):
        code, output = self.run_tool(*args)
        self.assertEqual(code, 0, output)
        return output

    def test_unittest_discover(self):
        output = self.assertPasses(["-m", "unittest", "discover", "-v"], 4)
        self.assertEqual(ran(output), 4, output)

    def test_unittest_single_test_id(self):
        output = self.assertPasses(["-m", "unittest", "test_sample.SharedLoopTests.test_two"], 1)
        self.assertEqual(ran(output), 1, output)

    def test_unittest_k(self):
        output = self.assertPasses(["-m", "unittest", "-k", "test_t", "test_sample"], 2)
        self.assertEqual(ran(output), 2, output)

    def test_unittest_failfast_stops_at_first_failure(self):
        code, output = self.run_tool("-m", "unittest", "-f", "test_sample", fail=True)
        self.assertEqual(code, 1, output)
        self.assertIn("failing on request", output)
        self.assertEqual(ran(output), 1, output)

    def test_pytest(self):
        output = self.assertPasses(["-m", "pytest", "-q", "-p", "no:cacheprovider"], 4)
        self.assertIn("4 passed", output)

    def test_pytest_with_pytest_asyncio_auto_mode(self):
        output = self.assertPasses(
            ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "asyncio_mode=auto"], 4
        )
        self.assertIn("4 passed", output)
        self.assertNotIn("warning", output.lower())

    def test_pytest_xdist(self):
        output = self.assertPasses(
            ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadscope"], 4
        )
        self.assertIn("4 passed", output)

    def test_unittest_parallel_module_level(self):
        output = self.assertPasses(["-m", "unittest_parallel", "-j", "2", "--level", "module"], 4)
        self.assertEqual(ran(output), 4, output)
        self.assertIn("OK", output)

    def test_unittest_parallel_class_level(self):
        output = self.assertPasses(["-m", "unittest_parallel", "-j", "2", "--level", "class"], 4)
        self.assertEqual(ran(output), 4, output)

    def test_failures_are_reported_by_each_runner(self):
        for args in (
            ["-m", "unittest", "test_sample"],
            ["-m", "pytest", "-q", "-p", "no:cacheprovider"],
            ["-m", "unittest_parallel", "-j", "2", "--level", "class"],
        ):
            with self.subTest(runner=args[1]):
                code, output = self.run_tool(*args, fail=True)
                self.assertNotEqual(code, 0, output)
                self.assertIn("failing on request", output)

    def test_unittest_parallel_test_level_sets_each_class_up(self):
        # Each test is sent alone; it runs with its class set-up (asyncSetUpClass) around it.
        output = self.assertPasses(["-m", "unittest_parallel", "-j", "2", "--level", "test"], 4)
        self.assertEqual(ran(output), 4, output)
        self.assertNotIn("without its class set-up", output)
