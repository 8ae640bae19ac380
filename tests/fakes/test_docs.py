"""docs/fakes.md shows the example files verbatim (tests/test_docs.py runs the blocks)."""

import re
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKED = re.compile(r"^<!-- example: (\S+) -->\n```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


class FakesPageTests(unittest.TestCase):
    def test_every_example_file_is_on_the_page_verbatim(self):
        page = (ROOT / "docs" / "fakes.md").read_text()
        shown = dict(MARKED.findall(page))
        files = sorted(
            str(path.relative_to(ROOT)) for path in (ROOT / "examples" / "fakes").glob("test_*.py")
        )
        self.assertEqual(sorted(shown), files)
        for path, source in shown.items():
            with self.subTest(path):
                self.assertEqual(source, (ROOT / path).read_text())
        self.assertEqual(page.count("```python"), len(files))
