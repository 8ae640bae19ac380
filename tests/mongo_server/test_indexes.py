"""createIndexes, listIndexes, dropIndexes: mongod's output shape, options and conflicts."""

import datetime

from pymongo import ASCENDING, DESCENDING, TEXT, IndexModel
from pymongo.errors import DuplicateKeyError, OperationFailure

from tests.mongo_server._conformance import for_each_client


class IndexTests:
    async def test_list_indexes_shape_and_order(self):
        await self.coll.create_index([("a", ASCENDING), ("b", DESCENDING)])
        await self.coll.create_index("email", unique=True, sparse=True)
        indexes = [dict(i) for i in await self.coll.list_indexes()]
        self.assertEqual(
            indexes,
            [
                {"v": 2, "key": {"_id": 1}, "name": "_id_"},
                {"v": 2, "key": {"a": 1, "b": -1}, "name": "a_1_b_-1"},
                {"v": 2, "key": {"email": 1}, "name": "email_1", "unique": True, "sparse": True},
            ],
        )
        self.assertEqual([list(i) for i in indexes][2], ["v", "key", "name", "unique", "sparse"])

    async def test_index_information(self):
        await self.coll.create_index("a", name="by_a")
        info = await self.coll.index_information()
        self.assertEqual(info["by_a"]["key"], [("a", 1)])
        self.assertEqual(sorted(info), ["_id_", "by_a"])

    async def test_create_indexes_reply_and_repeat(self):
        reply = await self.db.command(
            {"createIndexes": "items", "indexes": [{"key": {"a": 1}, "name": "a_1"}]}
        )
        self.assertEqual(
            reply,
            {
                "numIndexesBefore": 1,
                "numIndexesAfter": 2,
                "createdCollectionAutomatically": True,
                "ok": 1.0,
            },
        )
        reply = await self.db.command(
            {"createIndexes": "items", "indexes": [{"key": {"a": 1}, "name": "a_1"}]}
        )
        self.assertEqual(reply["note"], "all indexes already exist")

    async def test_same_name_different_key_conflicts(self):
        await self.coll.create_index("a", name="idx")
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.create_index("b", name="idx")
        self.assertEqual(caught.exception.code, 86)
        self.assertEqual(caught.exception.details["codeName"], "IndexKeySpecsConflict")

    async def test_same_key_different_name_conflicts(self):
        await self.coll.create_index("a", name="one")
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.create_index("a", name="two")
        self.assertEqual(caught.exception.code, 85)
        self.assertIn("Index already exists with a different name: one", str(caught.exception))

    async def test_unique_index_on_duplicates_fails(self):
        await self.coll.insert_many([{"a": 1}, {"a": 1}])
        with self.assertRaises(DuplicateKeyError) as caught:
            await self.coll.create_index("a", unique=True)
        self.assertEqual(caught.exception.code, 11000)
        self.assertEqual([i["name"] for i in await self.coll.list_indexes()], ["_id_"])

    async def test_partial_and_ttl_options_are_kept(self):
        await self.coll.create_indexes(
            [
                IndexModel("k", unique=True, partialFilterExpression={"k": {"$gt": 5}}),
                IndexModel("created", expireAfterSeconds=3600),
            ]
        )
        await self.coll.insert_many([{"k": 1}, {"k": 1}, {"k": 6}])
        with self.assertRaises(DuplicateKeyError):
            await self.coll.insert_one({"k": 6})
        specs = {i["name"]: dict(i) for i in await self.coll.list_indexes()}
        self.assertEqual(specs["k_1"]["partialFilterExpression"], {"k": {"$gt": 5}})
        self.assertEqual(specs["created_1"]["expireAfterSeconds"], 3600)

    async def test_ttl_index_expires_documents_at_the_monitor_pass(self):
        # core/index-ttl: documents are removed by the TTL monitor's passes, not at once.
        await self.coll.create_index("at", expireAfterSeconds=60)
        old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
        await self.coll.insert_many(
            [{"at": old}, {"at": datetime.datetime.now(datetime.timezone.utc)}]
        )
        self.assertEqual(await self.coll.count_documents({}), 2)
        await self.db.command({"asynctestkitTTLMonitor": 1})
        self.assertEqual(await self.coll.count_documents({}), 1)

    async def test_text_index_and_text_search(self):
        await self.coll.create_index([("title", TEXT), ("body", TEXT)])
        spec = [dict(i) for i in await self.coll.list_indexes()][1]
        self.assertEqual(spec["key"], {"_fts": "text", "_ftsx": 1})
        self.assertEqual(spec["weights"], {"body": 1, "title": 1})
        self.assertEqual(spec["textIndexVersion"], 3)
        await self.coll.insert_many(
            [
                {"_id": 1, "title": "Running shoes", "body": "fast"},
                {"_id": 2, "title": "Coffee", "body": "the shoes of a barista"},
                {"_id": 3, "title": "Tea", "body": "green"},
            ]
        )
        found = await self.coll.find({"$text": {"$search": "run"}})
        self.assertEqual([d["_id"] for d in found], [1])
        found = await self.coll.find({"$text": {"$search": "shoe -coffee"}})
        self.assertEqual([d["_id"] for d in found], [1])
        found = await self.coll.find({"$text": {"$search": '"green"'}})
        self.assertEqual([d["_id"] for d in found], [3])

    async def test_text_search_needs_index(self):
        await self.coll.insert_one({"t": "x"})
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.find_one({"$text": {"$search": "x"}})
        self.assertEqual(caught.exception.code, 27)

    async def test_drop_index_by_name_key_and_all(self):
        await self.coll.create_index("a")
        await self.coll.create_index("b")
        await self.coll.create_index("c")
        await self.coll.drop_index("a_1")
        await self.coll.drop_index([("b", 1)])
        self.assertEqual([i["name"] for i in await self.coll.list_indexes()], ["_id_", "c_1"])
        await self.coll.drop_indexes()
        self.assertEqual([i["name"] for i in await self.coll.list_indexes()], ["_id_"])

    async def test_drop_index_errors(self):
        await self.coll.insert_one({})
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.drop_index("nope_1")
        self.assertEqual(caught.exception.code, 27)
        self.assertIn("index not found with name [nope_1]", str(caught.exception))
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.drop_index("_id_")
        self.assertEqual(caught.exception.code, 72)

    async def test_list_indexes_missing_collection(self):
        with self.assertRaises(OperationFailure) as caught:
            await self.db.command({"listIndexes": "missing"})
        self.assertEqual(caught.exception.code, 26)
        self.assertEqual(caught.exception.details["codeName"], "NamespaceNotFound")


globals().update(for_each_client(IndexTests))
