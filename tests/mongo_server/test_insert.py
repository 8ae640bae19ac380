"""insert: ordered and unordered batches, generated _id, write errors per document."""

import pymongo
from bson import ObjectId
from pymongo.errors import BulkWriteError, DuplicateKeyError

from tests.mongo_server._conformance import for_each_client


class InsertTests:
    async def test_insert_one_generates_object_id(self):
        result = await self.coll.insert_one({"name": "a"})
        self.assertIsInstance(result.inserted_id, ObjectId)
        self.assertEqual(await self.coll.find_one({}, {"_id": 0}), {"name": "a"})

    async def test_insert_many_keeps_order_and_types(self):
        docs = [{"_id": i, "v": v} for i, v in enumerate([1, 2.5, "s", None, [1, 2], {"a": 1}])]
        result = await self.coll.insert_many(docs)
        self.assertEqual(result.inserted_ids, list(range(6)))
        self.assertEqual(await self.coll.find({}, sort=[("_id", 1)]), docs)

    async def test_duplicate_id_is_duplicate_key_error_with_key_pattern(self):
        await self.coll.insert_one({"_id": 1})
        with self.assertRaises(DuplicateKeyError) as caught:
            await self.coll.insert_one({"_id": 1})
        self.assertEqual(caught.exception.code, 11000)
        self.assertEqual(caught.exception.details["keyPattern"], {"_id": 1})
        self.assertEqual(caught.exception.details["keyValue"], {"_id": 1})
        self.assertIn(
            f"E11000 duplicate key error collection: {self.db_name}.items index: _id_ "
            "dup key: { _id: 1 }",
            str(caught.exception),
        )

    async def test_ordered_batch_stops_at_first_error(self):
        await self.coll.insert_one({"_id": 2})
        with self.assertRaises(BulkWriteError) as caught:
            await self.coll.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3}])
        details = caught.exception.details
        self.assertEqual(details["nInserted"], 1)
        self.assertEqual([e["index"] for e in details["writeErrors"]], [1])
        self.assertEqual(details["writeErrors"][0]["code"], 11000)
        self.assertEqual(await self.coll.count_documents({}), 2)

    async def test_unordered_batch_reports_every_error(self):
        await self.coll.insert_many([{"_id": 2}, {"_id": 4}])
        with self.assertRaises(BulkWriteError) as caught:
            await self.coll.insert_many(
                [{"_id": 1}, {"_id": 2}, {"_id": 3}, {"_id": 4}], ordered=False
            )
        details = caught.exception.details
        self.assertEqual(details["nInserted"], 2)
        self.assertEqual([e["index"] for e in details["writeErrors"]], [1, 3])

    async def test_unique_index_violation_names_index(self):
        await self.coll.create_index("email", unique=True)
        await self.coll.insert_one({"email": "a@x"})
        with self.assertRaises(DuplicateKeyError) as caught:
            await self.coll.insert_one({"email": "a@x"})
        self.assertEqual(caught.exception.details["keyPattern"], {"email": 1})
        self.assertEqual(caught.exception.details["keyValue"], {"email": "a@x"})
        self.assertIn('index: email_1 dup key: { email: "a@x" }', str(caught.exception))

    async def test_unacknowledged_write_is_applied(self):
        coll = self.db.raw["items"].with_options(write_concern=pymongo.WriteConcern(w=0))
        result = coll.insert_one({"_id": "w0"})
        if hasattr(result, "__await__"):
            result = await result
        self.assertFalse(result.acknowledged)
        for _ in range(50):
            if await self.coll.find_one({"_id": "w0"}):
                break
        self.assertEqual(await self.coll.find_one({"_id": "w0"}), {"_id": "w0"})

    async def test_array_id_is_a_write_error(self):
        reply = await self.db.command("insert", "items", documents=[{"_id": [1]}, {"_id": 2}])
        self.assertEqual(reply["n"], 0)
        self.assertEqual(reply["writeErrors"][0]["index"], 0)
        self.assertEqual(reply["writeErrors"][0]["code"], 53)


globals().update(for_each_client(InsertTests))
