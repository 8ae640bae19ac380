"""Class databases made from a template on the embedded server; init_beanie on any other.

The first class with a set of document_models runs init_beanie and saves the result as a
template on the server; every later class gets a copy of it in one round trip and binds
Beanie without creating indexes. These tests prove each class still gets the indexes
(a unique index refuses a duplicate), and watch the commands the class's client sends.
"""

import os
import unittest
from unittest import mock

from beanie import Document, Indexed, Link
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
        with mock.patch.object(mongo_case, "_templates", {key: ("lost", None)}):
            names, indexes, failed = run_class(RestartedGadget)
            self.assertNotEqual(mongo_case._templates[key][0], "lost")
        self.assertEqual(failed, [])
        self.assertEqual(indexes, EXPECTED_INDEXES)
        self.assertSetUp(
            names,
            sent=["asynctestkitCloneTemplate", "createIndexes", "asynctestkitSaveTemplate"],
            not_sent=[],
        )


# -- binding a later class's models without init_beanie --------------------------------


class BoundWarehouse(Document):
    name: str


class BoundGadget(Document):
    sku: Indexed(str, unique=True)  # type: ignore[valid-type]
    warehouse: Link[BoundWarehouse] | None = None

    class Settings:
        use_cache = True

    @classmethod
    async def custom_init(cls):
        CUSTOM_INITS.append(cls.get_pymongo_collection().database.name)


CUSTOM_INITS = []


class TreeRoot(Document):
    name: str

    class Settings:
        is_root = True


class TreeLeaf(TreeRoot):
    leaf: int = 0


def run_bound_class(models, test):
    """Run one class on ``models`` with ``test`` as its test; return (commands, problems)."""
    commands = Commands()

    class Test(MongoTestCase):
        document_models = models
        mongo_client_options = {"event_listeners": [commands]}
        test_it = test

    result = run_suite(Test)
    return commands.names, problems(result)


class RebindTests(unittest.TestCase):
    """From the second class on, the models get a copy of the first class's settings,
    pointed at their own database: nothing of init_beanie is sent again."""

    def test_each_class_has_its_own_database_cache_and_custom_init(self):
        seen = []

        async def test(self):
            gadget = BoundGadget.get_pymongo_collection()
            self.assertEqual(gadget.database.name, self.db.name)
            self.assertEqual(BoundGadget.get_settings().pymongo_db.name, self.db.name)
            self.assertEqual(BoundWarehouse.get_pymongo_collection().database.name, self.db.name)
            # A cached query left by an earlier class would answer from that class's data.
            seen.append([g.sku for g in await BoundGadget.find(BoundGadget.sku == "a").to_list()])
            warehouse = await BoundWarehouse(name=self.db.name).insert()
            await BoundGadget(sku="a", warehouse=warehouse).insert()
            with self.assertRaises(DuplicateKeyError):
                await BoundGadget(sku="a").insert()
            found = await BoundGadget.find_one(BoundGadget.sku == "a", fetch_links=True)
            self.assertEqual(found.warehouse.name, self.db.name)
            self.assertEqual(await BoundGadget.find(BoundGadget.sku == "a").count(), 1)

        CUSTOM_INITS.clear()
        runs = [run_bound_class([BoundWarehouse, BoundGadget], test) for _ in range(3)]
        for names, failed in runs:
            self.assertEqual(failed, [])
        self.assertEqual(seen, [[], [], []])
        # Each class's custom_init ran on that class's own database.
        self.assertEqual(len(set(CUSTOM_INITS)), 3)
        self.assertIn("buildInfo", runs[0][0])
        for names, _ in runs[1:]:
            self.assertIn("asynctestkitCloneTemplate", names)
            self.assertNotIn("buildInfo", names)  # init_beanie's first command
            self.assertNotIn("listCollections", names)
        # The class is over: the models are unbound again.
        with self.assertRaises(Exception):
            BoundGadget.get_settings()

    def test_an_inheritance_tree_runs_init_beanie_in_every_class(self):
        async def test(self):
            await TreeLeaf(name="leaf", leaf=1).insert()
            await TreeRoot(name="root").insert()
            everything = await TreeRoot.find(with_children=True).to_list()
            self.assertEqual(
                sorted(type(doc).__name__ for doc in everything), ["TreeLeaf", "TreeRoot"]
            )
            self.assertEqual(await TreeLeaf.count(), 1)

        runs = [run_bound_class([TreeRoot, TreeLeaf], test) for _ in range(2)]
        for names, failed in runs:
            self.assertEqual(failed, [])
        self.assertIn("asynctestkitCloneTemplate", runs[1][0])
        self.assertIn("buildInfo", runs[1][0])
