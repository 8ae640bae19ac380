"""Every ```python block in README.md and docs/*.md runs here, so the docs cannot rot.

Each block is executed as a module of its own; the TestCase classes it defines are then
run as a suite and must pass. A block that is not meant to run is not a python block
(use ```text or ```bash).
"""

import importlib.abc
import importlib.util
import re
import sys
import unittest
from pathlib import Path

from tests._sdks import HAS_AIOBOTO3
from tests._support import problems

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(path):
    text = path.read_text()
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 2
        yield line, match.group(1)


class BlockLoader(importlib.abc.InspectLoader):
    """Serves a block's source, so tracebacks and linecache show the doc's lines.

    A module needs a ``__spec__`` with a loader: 3.15's linecache warns about module
    globals without one, on every traceback asyncio debug mode records.
    """

    def __init__(self, source):
        self.source = source

    def get_source(self, fullname):
        return self.source


def run_block(name, source, filename):
    spec = importlib.util.spec_from_loader(name, BlockLoader(source), origin=filename)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = filename
    sys.modules[name] = module
    try:
        exec(compile(source, filename, "exec"), module.__dict__)
        suite = unittest.defaultTestLoader.loadTestsFromModule(module)
        result = unittest.TestResult()
        suite.run(result)
        return suite.countTestCases(), result
    finally:
        del sys.modules[name]


class DocsExamplesTests(unittest.TestCase):
    def test_every_python_block_runs_and_its_tests_pass(self):
        blocks = 0
        for page in PAGES:
            for line, source in python_blocks(page):
                blocks += 1
                where = f"{page.relative_to(ROOT)}:{line}"
                with self.subTest(block=where):
                    name = f"docs_example_{page.stem.replace('-', '_')}_{line}"
                    try:
                        count, result = run_block(name, source, where)
                    except ModuleNotFoundError as error:
                        # aioboto3 is an extra of its own: its blocks run in the envs that
                        # install it (tox aws-aioboto3, py3xx with 'all'), nowhere else.
                        if error.name != "aioboto3" or HAS_AIOBOTO3:
                            raise
                        self.skipTest(f"{where} needs aioboto3, which is not installed")
                    self.assertEqual(problems(result), [])
                    self.assertEqual(result.testsRun, count)
        self.assertGreater(blocks, 0)
