"""A dependency's deprecation reaches MongoTestCase users as a warning they control.

On Python 3.14+ pip installs Beanie 2.0.0 (2.0.1+ declare Requires-Python <3.14), which
emits pydantic's PydanticDeprecatedSince211 on model access. The toolkit neither hides it
nor turns it into a failure: with unittest's default filters the test passes and the
warning is shown; with warnings as errors (the user's choice) the test fails on it.
Elsewhere the same stack emits no DeprecationWarning at all.
"""

import unittest
import warnings
from importlib.metadata import version

from beanie import Document

from asynctestkit import MongoTestCase


class Note(Document):
    text: str


def beanie_warns():
    """Beanie 2.0.0 with pydantic 2.11+: the pair that emits PydanticDeprecatedSince211."""
    pydantic = tuple(int(part) for part in version("pydantic").split(".")[:2])
    return version("beanie") == "2.0.0" and pydantic >= (2, 11)


def run_with_filter(action):
    class Test(MongoTestCase):
        document_models = [Note]

        async def test_round_trip(self):
            await Note(text="kept").insert()
            found = await Note.find_one(Note.text == "kept")
            self.assertEqual(found.text, "kept")

    result = unittest.TestResult()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(action)
        unittest.TestSuite([Test("test_round_trip")]).run(result)
    deprecations = sorted(
        {type(w.message).__name__ for w in caught if issubclass(w.category, DeprecationWarning)}
    )
    return result, deprecations


class ThirdPartyDeprecationTests(unittest.TestCase):
    def test_default_filters_show_the_warning_and_the_test_passes(self):
        result, deprecations = run_with_filter("default")
        problems = [trace for _, trace in result.errors + result.failures]
        self.assertEqual(problems, [])
        self.assertEqual(result.testsRun, 1)
        expected = ["PydanticDeprecatedSince211"] if beanie_warns() else []
        self.assertEqual(deprecations, expected)

    def test_warnings_as_errors_fail_only_where_a_dependency_warns(self):
        result, _ = run_with_filter("error")
        problems = [trace for _, trace in result.errors + result.failures]
        if beanie_warns():
            self.assertEqual(len(problems), 1)
            self.assertIn("PydanticDeprecatedSince211", problems[0])
        else:
            self.assertEqual(problems, [])
