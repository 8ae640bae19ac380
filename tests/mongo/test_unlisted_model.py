"""A Beanie model a class uses without listing it: one clear error, in every order."""

import importlib
import unittest

import beanie
from beanie import Document
from beanie.exceptions import CollectionWasNotInitialized

from asynctestkit import MongoTestCase
from asynctestkit.mongo import _beanie
from tests._support import run_suite


class Ticket(Document):
    title: str


def make_classes():
    """Fresh classes each time (not collected on their own: they run in chosen orders)."""

    class Lister(MongoTestCase):
        document_models = [Ticket]

        async def test_x(self):
            await self.db.Ticket.insert_one({"title": "listed"})
            [ticket] = await Ticket.find_all().to_list()
            self.assertEqual(ticket.title, "listed")

    class Forgetter(MongoTestCase):
        async def test_x(self):
            await Ticket(title="forgotten").insert()

    class ForgetterInTestData(MongoTestCase):
        @classmethod
        async def asyncSetUpTestData(cls):
            await Ticket.find_all().to_list()

        async def test_x(self):
            pass

    return Lister, Forgetter, ForgetterInTestData


def run_in_order(*classes):
    return run_suite(*(cls("test_x") for cls in classes))


def trace_of(result, cls):
    # A test's error, or the class's own ("setUpClass (module.Class)").
    [trace] = [
        trace
        for test, trace in result.errors
        if test.__class__ is cls or str(test).endswith(f".{cls.__name__})")
    ]
    return trace


class UnlistedModelTests(unittest.TestCase):
    def setUp(self):
        self.lister, self.forgetter, self.in_test_data = make_classes()

    def assertNamesTheFix(self, result, cls):
        trace = trace_of(result, cls)
        name = cls.__qualname__
        self.assertIn(
            f"beanie.exceptions.CollectionWasNotInitialized: Ticket is used by {name}, but it "
            f"is not in {name}.document_models, so Beanie has not initialised it on {name}'s "
            f"database (each class initialises only the models it lists). Add it: "
            f"document_models = [..., Ticket].",
            trace,
        )
        self.assertNotIn("different event loop", trace)

    def test_run_alone(self):
        result = run_in_order(self.forgetter)
        self.assertNamesTheFix(result, self.forgetter)

    def test_after_a_class_that_listed_it(self):
        result = run_in_order(self.lister, self.forgetter)
        self.assertEqual(result.testsRun, 2)
        self.assertEqual(len(result.errors), 1, result.errors)
        self.assertNamesTheFix(result, self.forgetter)

    def test_before_a_class_that_lists_it(self):
        result = run_in_order(self.forgetter, self.lister)
        self.assertEqual(result.testsRun, 2)
        self.assertEqual(len(result.errors), 1, result.errors)
        self.assertNamesTheFix(result, self.forgetter)

    def test_in_async_set_up_test_data_after_a_class_that_listed_it(self):
        result = run_in_order(self.lister, self.in_test_data)
        self.assertNamesTheFix(result, self.in_test_data)

    def test_a_model_is_unbound_when_its_class_ends(self):
        self.assertEqual(run_in_order(self.lister).errors, [])
        with self.assertRaises(CollectionWasNotInitialized) as caught:
            Ticket.get_settings()
        self.assertEqual(str(caught.exception), "")  # outside any class: Beanie's own error


class BeanieInternalsTests(unittest.TestCase):
    """Fails by name the day Beanie moves what asynctestkit/mongo/_beanie.py relies on."""

    def test_document_settings_attribute_and_get_settings_classmethod(self):
        self.assertIn("_document_settings", vars(beanie.Document))
        self.assertIsNone(vars(beanie.Document)["_document_settings"])
        self.assertIsInstance(vars(beanie.Document)["get_settings"], classmethod)

    def test_wrapper_is_installed_once(self):
        _beanie._install(beanie)
        first = vars(beanie.Document)["get_settings"]
        _beanie._install(beanie)
        self.assertIs(vars(beanie.Document)["get_settings"], first)

    def test_what_rebind_copies_and_calls(self):
        init = importlib.import_module("beanie.odm.utils.init")
        self.assertIsInstance(vars(init.Initializer)["init_cache"], staticmethod)
        settings = importlib.import_module("beanie.odm.settings.document").DocumentSettings
        for name in ("pymongo_db", "pymongo_collection", "name", "is_root", "union_doc"):
            self.assertIn(name, settings.model_fields)
        self.assertIn("timeseries", settings.model_fields)
        self.assertTrue(callable(settings.model_copy))
