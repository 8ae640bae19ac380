"""dropDatabase frees everything the server kept for the database (one per test class)."""

import unittest

import pymongo
from pymongo.errors import OperationFailure

from asynctestkit.mongo import EmbeddedMongoServer


class DropDatabaseFreesTests(unittest.TestCase):
    def setUp(self):
        self.server = EmbeddedMongoServer().start()
        self.addCleanup(self.server.stop)
        self.client = pymongo.MongoClient(self.server.uri)
        self.addCleanup(self.client.close)
        self.backend = self.server._backend_state()

    def kept_for(self, name):
        engine = self.backend.engine
        return {
            "store": name in engine.store._databases,
            "database objects": name in engine.client._database_accesses,
            "write versions": sorted(key[1] for key in engine.versions if key[0] == name),
            "snapshot": name in self.backend.snapshots,
        }

    def test_drop_database_forgets_the_database(self):
        db = self.client["dropped"]
        db.items.insert_many([{"n": 1}, {"n": 2}])
        db.items.create_index("n")
        db.other.insert_one({})
        db.command({"create": "view", "viewOn": "items", "pipeline": []})
        db.command({"asynctestkitSnapshot": 1})
        self.client["kept"].items.insert_one({})
        self.assertEqual(self.kept_for("dropped")["write versions"], ["items", "other", "view"])
        self.client.drop_database("dropped")
        nothing = {
            "store": False,
            "database objects": False,
            "write versions": [],
            "snapshot": False,
        }
        self.assertEqual(self.kept_for("dropped"), nothing)
        self.assertEqual(self.kept_for("kept")["write versions"], ["items"])
        # The name works again, from scratch.
        db.items.insert_one({"n": 3})
        self.assertEqual([d["n"] for d in db.items.find()], [3])
        self.assertEqual(db.list_collection_names(), ["items"])
        self.assertEqual([i["name"] for i in db.items.list_indexes()], ["_id_"])
        with self.assertRaises(OperationFailure) as caught:
            db.command({"asynctestkitRestore": 1})
        self.assertEqual(caught.exception.code, 26)

    def test_a_transaction_open_across_the_drop_still_conflicts(self):
        db = self.client["dropped"]
        db.items.insert_one({"n": 1})
        with self.client.start_session() as session:
            session.start_transaction()
            db.items.insert_one({"n": 2}, session=session)
            self.client.drop_database("dropped")
            with self.assertRaises(OperationFailure) as caught:
                session.commit_transaction()
        self.assertEqual(caught.exception.code, 112)  # WriteConflict
        self.assertEqual(list(db.items.find()), [])
