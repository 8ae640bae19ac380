"""Class databases made from a template on the embedded server; init_beanie on any other.

The first class with a set of document_models runs init_beanie and saves the result as a
template on the server; every later class gets a copy of it in one round trip and binds
Beanie without creating indexes. These tests prove each class still gets the indexes
(a unique index refuses a duplicate), and watch the commands the class's client sends.
"""

import os
import unittest
from unittest import mock

from beanie import Document, Indexed
from pymongo import IndexModel, monitoring
from pymongo.errors import DuplicateKeyError

from asynctestkit import MongoTestCase
from asynctestkit.mongo import case as mongo_case
from asynctestkit.mongo import shared_server_uri
from asynctestkit.mongo.server import _registry
from tests._support import problems, run_suite

BY_NAME = IndexModel([("name", 1), ("sku", -1)], name="by_name")


class TemplatedGadget(Document):
    sku: Indexed(str, unique=True)  # type: ignore[valid-type]
    name: str

    class Settings:
        indexes = [BY_NAME]


class GenericGadget(Document):
    sku: Indexed(str, unique=True)  # type: ignore[valid-type]
    name: str

    class Settings:
        indexes = [BY_NAME]


class RestartedGadget(Document):
    sku: Indexed(str, unique=True)  # type: ignore[valid-type]
    name: str

    class Settings:
        indexes = [BY_NAME]


class Commands(monitoring.CommandListener):
    """The names of the commands a client sent (its own, not the monitor's)."""

    def __init__(self):
        self.names = []

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def run_class(model):
    """Run one class on ``model``; return (commands sent, indexes seen, problems)."""
    commands = Commands()
    seen = {}

    class Test(MongoTestCase):
        document_models = [model]
        mongo_client_options = {"event_listeners": [commands]}

        async def test_indexes(self):
            collection = model.get_pymongo_collection()
            seen["indexes"] = [dict(index) async for index in await collection.list_indexes()]
            await model(sku="a", name="first").insert()
            with self.assertRaises(DuplicateKeyError):
                await model(sku="a", name="second").insert()
            self.assertEqual(await model.count(), 1)

    result = run_suite(Test)
    return commands.names, seen.get("indexes"), problems(result)


EXPECTED_INDEXES = [
    {"v": 2, "key": {"_id": 1}, "name": "_id_"},
    {"v": 2, "key": {"sku": 1}, "name": "sku_1", "unique": True},
    {"v": 2, "key": {"name": 1, "sku": -1}, "name": "by_name"},
]


class TemplateTests(unittest.TestCase):
    def assertSetUp(self, names, *, sent, not_sent):
        for name in sent:
            self.assertIn(name, names)
        for name in not_sent:
            self.assertNotIn(name, names)

    def test_later_classes_are_copies_of_the_first(self):
        names, indexes, failed = run_class(TemplatedGadget)
        self.assertEqual(failed, [])
        self.assertEqual(indexes, EXPECTED_INDEXES)
        self.assertSetUp(
            names,
            sent=["createIndexes", "asynctestkitSaveTemplate"],
            not_sent=["asynctestkitCloneTemplate"],
        )
        for _ in range(2):
            names, indexes, failed = run_class(TemplatedGadget)
            self.assertEqual(failed, [])
            self.assertEqual(indexes, EXPECTED_INDEXES)
            self.assertSetUp(
                names,
                sent=["asynctestkitCloneTemplate"],
                not_sent=["createIndexes", "asynctestkitSaveTemplate"],
            )

    def test_a_server_without_templates_gets_init_beanie_in_every_class(self):
        # What a mongod answers: CommandNotFound. Asked once per server and process.
        with (
            mock.patch.dict(_registry._COMMANDS),
            mock.patch.object(mongo_case, "_templates", {}),
            mock.patch.object(mongo_case, "_no_templates", set()),
        ):
            del _registry._COMMANDS["asynctestkitSaveTemplate"]
            del _registry._COMMANDS["asynctestkitCloneTemplate"]
            runs = [run_class(GenericGadget) for _ in range(2)]
        for names, indexes, failed in runs:
            self.assertEqual(failed, [])
            self.assertEqual(indexes, EXPECTED_INDEXES)
            self.assertIn("createIndexes", names)
            self.assertNotIn("asynctestkitCloneTemplate", names)
        self.assertIn("asynctestkitSaveTemplate", runs[0][0])
        self.assertNotIn("asynctestkitSaveTemplate", runs[1][0])

    def test_a_template_the_server_lost_is_made_again(self):
        # As after the server at that address restarted: the name is unknown there.
        key = (os.getpid(), shared_server_uri(), (RestartedGadget,))
        with mock.patch.object(mongo_case, "_templates", {key: "lost"}):
            names, indexes, failed = run_class(RestartedGadget)
            self.assertNotEqual(mongo_case._templates.get(key), "lost")
        self.assertEqual(failed, [])
        self.assertEqual(indexes, EXPECTED_INDEXES)
        self.assertSetUp(
            names,
            sent=["asynctestkitCloneTemplate", "createIndexes", "asynctestkitSaveTemplate"],
            not_sent=[],
        )
