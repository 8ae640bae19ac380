"""Bulk writes: mixed operations, ordered and unordered semantics."""

from pymongo import DeleteOne, InsertOne, ReplaceOne, UpdateMany, UpdateOne
from pymongo.errors import BulkWriteError

from tests.mongo_server._conformance import for_each_client


class BulkWriteTests:
    async def test_mixed_bulk_write_counts(self):
        await self.coll.insert_many([{"_id": 1, "n": 0}, {"_id": 2, "n": 0}])
        result = await self.coll.bulk_write(
            [
                InsertOne({"_id": 3, "n": 0}),
                UpdateOne({"_id": 1}, {"$inc": {"n": 1}}),
                UpdateMany({}, {"$inc": {"n": 1}}),
                ReplaceOne({"_id": 4}, {"n": 9}, upsert=True),
                DeleteOne({"_id": 2}),
            ]
        )
        self.assertEqual(result.inserted_count, 1)
        self.assertEqual(result.matched_count, 4)
        self.assertEqual(result.modified_count, 4)
        self.assertEqual(result.upserted_ids, {3: 4})
        self.assertEqual(result.deleted_count, 1)
        self.assertEqual(
            await self.coll.find({}, sort=[("_id", 1)]),
            [{"_id": 1, "n": 2}, {"_id": 3, "n": 1}, {"_id": 4, "n": 9}],
        )

    async def test_ordered_bulk_stops_unordered_continues(self):
        await self.coll.insert_one({"_id": 1})
        ops = [
            InsertOne({"_id": 1}),
            InsertOne({"_id": 2}),
            UpdateOne({"_id": 2}, {"$set": {"x": 1}}),
        ]
        with self.assertRaises(BulkWriteError) as caught:
            await self.coll.bulk_write(ops)
        self.assertEqual(caught.exception.details["nInserted"], 0)
        self.assertEqual(await self.coll.count_documents({}), 1)
        with self.assertRaises(BulkWriteError) as caught:
            await self.coll.bulk_write(ops, ordered=False)
        details = caught.exception.details
        self.assertEqual((details["nInserted"], details["nModified"]), (1, 1))
        self.assertEqual(details["writeErrors"][0]["index"], 0)


globals().update(for_each_client(BulkWriteTests))
