"""update: operators, multi, upsert, arrayFilters, pipeline updates, replacement, errors."""

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, WriteError

from tests.mongo_server._conformance import for_each_client


class UpdateTests:
    async def asyncSetUp(self):
        await super().asyncSetUp()
        await self.coll.insert_many(
            [{"_id": 1, "n": 1, "g": [1, 5, 9]}, {"_id": 2, "n": 2, "g": []}, {"_id": 3, "n": 3}]
        )

    async def test_update_one_counts(self):
        result = await self.coll.update_one({"n": {"$gte": 2}}, {"$inc": {"n": 10}})
        self.assertEqual((result.matched_count, result.modified_count), (1, 1))
        self.assertEqual(await self.coll.find_one({"_id": 2}), {"_id": 2, "n": 12, "g": []})

    async def test_update_many_and_no_op_modified_count(self):
        result = await self.coll.update_many({}, {"$set": {"flag": True}})
        self.assertEqual((result.matched_count, result.modified_count), (3, 3))
        result = await self.coll.update_many({}, {"$set": {"flag": True}})
        self.assertEqual((result.matched_count, result.modified_count), (3, 0))

    async def test_upsert_inserts_with_query_fields(self):
        result = await self.coll.update_one(
            {"name": "new"}, {"$set": {"a": 1}, "$setOnInsert": {"b": 2}}, upsert=True
        )
        self.assertEqual(result.matched_count, 0)
        self.assertIsNotNone(result.upserted_id)
        doc = await self.coll.find_one({"_id": result.upserted_id}, {"_id": 0})
        self.assertEqual(doc, {"name": "new", "a": 1, "b": 2})

    async def test_array_filters(self):
        await self.coll.update_one(
            {"_id": 1}, {"$set": {"g.$[e]": 0}}, array_filters=[{"e": {"$gte": 5}}]
        )
        self.assertEqual((await self.coll.find_one({"_id": 1}))["g"], [1, 0, 0])

    async def test_pipeline_update(self):
        await self.coll.update_one(
            {"_id": 3}, [{"$set": {"double": {"$multiply": ["$n", 2]}}}, {"$unset": "n"}]
        )
        self.assertEqual(await self.coll.find_one({"_id": 3}), {"_id": 3, "double": 6})

    async def test_array_operators(self):
        await self.coll.update_one({"_id": 2}, {"$push": {"g": {"$each": [3, 1, 2], "$sort": 1}}})
        await self.coll.update_one({"_id": 2}, {"$addToSet": {"g": 3}})
        await self.coll.update_one({"_id": 2}, {"$pull": {"g": 1}})
        self.assertEqual((await self.coll.find_one({"_id": 2}))["g"], [2, 3])

    async def test_replace_one_keeps_id(self):
        result = await self.coll.replace_one({"_id": 1}, {"whole": "new"})
        self.assertEqual(result.modified_count, 1)
        self.assertEqual(await self.coll.find_one({"_id": 1}), {"_id": 1, "whole": "new"})

    async def test_changing_id_is_immutable_field_error(self):
        with self.assertRaises(WriteError):
            await self.coll.update_one({"_id": 1}, {"$set": {"_id": 99}})
        self.assertEqual(await self.coll.count_documents({"_id": 1}), 1)

    async def test_unknown_modifier_is_failed_to_parse(self):
        with self.assertRaises(WriteError) as caught:
            await self.coll.update_one({"_id": 1}, {"$frobnicate": {"n": 1}})
        self.assertEqual(caught.exception.code, 9)
        self.assertIn("Unknown modifier: $frobnicate", str(caught.exception))

    async def test_update_into_unique_conflict(self):
        await self.coll.create_index("n", unique=True)
        with self.assertRaises(DuplicateKeyError) as caught:
            await self.coll.update_one({"_id": 1}, {"$set": {"n": 2}})
        self.assertEqual(caught.exception.details["keyValue"], {"n": 2})
        self.assertEqual((await self.coll.find_one({"_id": 1}))["n"], 1)

    async def test_find_one_and_update_returns_before_and_after(self):
        before = await self.coll.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}})
        self.assertEqual(before["n"], 1)
        after = await self.coll.find_one_and_update(
            {"_id": 1},
            {"$inc": {"n": 1}},
            return_document=ReturnDocument.AFTER,
            projection={"n": 1},
        )
        self.assertEqual(after, {"_id": 1, "n": 3})

    async def test_find_one_and_update_upsert_and_sort(self):
        doc = await self.coll.find_one_and_update(
            {"_id": 9}, {"$set": {"n": 9}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        self.assertEqual(doc, {"_id": 9, "n": 9})
        doc = await self.coll.find_one_and_update(
            {}, {"$set": {"top": True}}, sort=[("n", -1)], return_document=ReturnDocument.AFTER
        )
        self.assertEqual(doc["_id"], 9)
        self.assertIsNone(await self.coll.find_one_and_update({"_id": 77}, {"$set": {"n": 1}}))

    async def test_find_one_and_replace_and_delete(self):
        doc = await self.coll.find_one_and_replace({"_id": 2}, {"r": 1})
        self.assertEqual(doc, {"_id": 2, "n": 2, "g": []})
        doc = await self.coll.find_one_and_delete({}, sort=[("n", -1)])
        self.assertEqual(doc["_id"], 3)
        self.assertEqual(await self.coll.count_documents({}), 2)

    async def test_find_and_modify_last_error_object(self):
        reply = await self.db.command(
            {
                "findAndModify": "items",
                "query": {"_id": 50},
                "update": {"$set": {"x": 1}},
                "upsert": True,
            }
        )
        self.assertEqual(
            reply["lastErrorObject"], {"n": 1, "updatedExisting": False, "upserted": 50}
        )
        self.assertIsNone(reply["value"])


globals().update(for_each_client(UpdateTests))
