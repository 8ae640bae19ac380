"""CPython's own tests for IsolatedAsyncioTestCase, run against AsyncTestCase.

The module is taken from the running interpreter's ``test`` package and loaded with a
``unittest`` whose ``IsolatedAsyncioTestCase`` is ours, so every test class it defines
inside its tests subclasses AsyncTestCase. That proves the drop-in claim with the
upstream tests of each Python version, not with our reading of them.
"""

import importlib.util
import sys
import types
import unittest

from asynctestkit import AsyncTestCase

_CANDIDATES = ("test.test_unittest.test_async_case", "unittest.test.test_async_case")


def _load_cpython_tests():
    for name in _CANDIDATES:
        try:
            spec = importlib.util.find_spec(name)
        except ImportError:
            spec = None
        if spec is not None:
            break
    else:
        return None
    patched = types.ModuleType("unittest")
    patched.__dict__.update(vars(unittest))
    patched.IsolatedAsyncioTestCase = AsyncTestCase
    module = importlib.util.module_from_spec(spec)
    module.__dict__["unittest"] = patched
    spec.loader.exec_module(module)
    # exec_module rebinds the module's "import unittest"; point it at ours again.
    module.unittest = patched
    return module


_cpython = _load_cpython_tests()


@unittest.skipIf(_cpython is None, f"CPython's test package is not installed for {sys.version}")
class CPythonAsyncCaseTests(unittest.TestCase):
    def test_cpython_suite_passes_against_async_test_case(self):
        suite = unittest.defaultTestLoader.loadTestsFromModule(_cpython)
        self.assertGreaterEqual(suite.countTestCases(), 9)
        result = unittest.TestResult()
        suite.run(result)
        problems = [f"{test.id()}:\n{trace}" for test, trace in result.errors + result.failures]
        self.assertEqual(problems, [])
        self.assertEqual(result.skipped, [])
