"""docs/troubleshooting.md shows every message template the package defines."""

import importlib
import pkgutil
import re
import unittest
from pathlib import Path

import asynctestkit

ROOT = Path(__file__).resolve().parents[2]
CONSTANT = re.compile(r"_?[A-Z][A-Z0-9_]+")


def normalise(text):
    return " ".join(text.split())


def message_templates():
    """(dotted name, template) of every module-level message constant in the package."""
    for info in pkgutil.walk_packages(asynctestkit.__path__, "asynctestkit."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            # Messages are sentences; other string constants (paths, alphabets) are not.
            if CONSTANT.fullmatch(name) and isinstance(value, str) and value.count(" ") >= 4:
                yield f"{info.name}.{name}", value


class TroubleshootingPageTests(unittest.TestCase):
    def test_every_message_template_is_on_the_page(self):
        page = normalise((ROOT / "docs" / "troubleshooting.md").read_text())
        templates = dict(message_templates())
        self.assertGreater(len(templates), 30)
        missing = [name for name, text in templates.items() if normalise(text) not in page]
        self.assertEqual(missing, [])
