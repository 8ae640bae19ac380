"""asynctestkitSaveTemplate / asynctestkitCloneTemplate: a database's structure, copied."""

import unittest
import uuid

import pymongo
from pymongo.errors import OperationFailure

from asynctestkit.mongo import shared_server


class TemplateCommandTests(unittest.TestCase):
    def setUp(self):
        self.server = self.enterContext(shared_server())
        self.client = self.enterContext(pymongo.MongoClient(self.server.uri))
        token = uuid.uuid4().hex[:8]
        self.source = self.client[f"tpl_src_{token}"]
        self.target = self.client[f"tpl_dst_{token}"]
        for db in (self.source, self.target):
            self.addCleanup(self.client.drop_database, db.name)

    def make_source(self):
        self.source.create_collection("checked", validator={"n": {"$type": "int"}})
        self.source.orders.create_index("number", unique=True)
        self.source.orders.create_index([("a", 1), ("b", -1)], name="a_b")
        self.source.orders.insert_many([{"number": 1}, {"number": 2}])
        self.source.command({"create": "big_orders", "viewOn": "orders", "pipeline": []})

    def catalog(self, db):
        return {info["name"]: (info["type"], info.get("options")) for info in db.list_collections()}

    def test_a_clone_has_the_structure_and_no_documents(self):
        self.make_source()
        saved = self.source.command({"asynctestkitSaveTemplate": "shop"})
        self.assertEqual(saved, {"collections": 2, "ok": 1.0})
        cloned = self.target.command({"asynctestkitCloneTemplate": "shop"})
        self.assertEqual(cloned, {"collections": 2, "ok": 1.0})

        self.assertEqual(self.catalog(self.target), self.catalog(self.source))
        self.assertEqual(
            list(self.target.orders.list_indexes()), list(self.source.orders.list_indexes())
        )
        self.assertEqual(self.target.orders.count_documents({}), 0)
        self.assertEqual(self.source.orders.count_documents({}), 2)  # the source is untouched
        self.target.orders.insert_one({"number": 1})
        with self.assertRaises(pymongo.errors.DuplicateKeyError):
            self.target.orders.insert_one({"number": 1})
        self.assertEqual(list(self.target.big_orders.find({}, {"_id": 0})), [{"number": 1}])
        with self.assertRaises(pymongo.errors.WriteError) as caught:
            self.target.checked.insert_one({"n": "not an int"})
        self.assertEqual(caught.exception.code, 121)  # DocumentValidationFailure
        uuids = {
            db.name: {
                info["name"]: info["info"]["uuid"]
                for info in db.list_collections()
                if info["type"] == "collection"
            }
            for db in (self.source, self.target)
        }
        for name in ("orders", "checked"):
            self.assertNotEqual(uuids[self.source.name][name], uuids[self.target.name][name])

    def test_a_clone_only_makes_a_new_database(self):
        self.make_source()
        self.source.command({"asynctestkitSaveTemplate": "shop"})
        self.target.things.insert_one({"mine": True})
        with self.assertRaises(OperationFailure) as caught:
            self.target.command({"asynctestkitCloneTemplate": "shop"})
        self.assertEqual(caught.exception.code, 48)  # NamespaceExists
        self.assertEqual(self.target.list_collection_names(), ["things"])

    def test_errors(self):
        for command, code in (
            ({"asynctestkitCloneTemplate": "never-saved"}, 26),  # NamespaceNotFound
            ({"asynctestkitCloneTemplate": 1}, 14),  # TypeMismatch
            ({"asynctestkitSaveTemplate": ""}, 14),
        ):
            with self.subTest(command=command), self.assertRaises(OperationFailure) as caught:
                self.target.command(command)
            self.assertEqual(caught.exception.code, code)
