"""aggregate: cursor batching, $group, $lookup (plain and let/pipeline), $facet, $out, $merge."""

from pymongo.errors import OperationFailure

from tests.mongo_server._conformance import for_each_client


class AggregateTests:
    async def asyncSetUp(self):
        await super().asyncSetUp()
        await self.db["orders"].insert_many(
            [
                {"_id": 1, "cust": "a", "total": 10},
                {"_id": 2, "cust": "a", "total": 5},
                {"_id": 3, "cust": "b", "total": 7},
            ]
        )
        await self.db["customers"].insert_many(
            [{"_id": "a", "name": "Ann"}, {"_id": "b", "name": "Bob"}]
        )

    async def test_group_sort(self):
        result = await self.db["orders"].aggregate(
            [
                {"$group": {"_id": "$cust", "sum": {"$sum": "$total"}, "n": {"$sum": 1}}},
                {"$sort": {"_id": 1}},
            ]
        )
        self.assertEqual(result, [{"_id": "a", "sum": 15, "n": 2}, {"_id": "b", "sum": 7, "n": 1}])

    async def test_lookup_local_foreign(self):
        result = await self.db["orders"].aggregate(
            [
                {"$match": {"_id": 3}},
                {
                    "$lookup": {
                        "from": "customers",
                        "localField": "cust",
                        "foreignField": "_id",
                        "as": "c",
                    }
                },
            ]
        )
        self.assertEqual(
            result, [{"_id": 3, "cust": "b", "total": 7, "c": [{"_id": "b", "name": "Bob"}]}]
        )

    async def test_lookup_let_pipeline(self):
        result = await self.db["customers"].aggregate(
            [
                {
                    "$lookup": {
                        "from": "orders",
                        "let": {"cid": "$_id"},
                        "pipeline": [
                            {"$match": {"$expr": {"$eq": ["$cust", "$$cid"]}}},
                            {"$project": {"_id": 0, "total": 1}},
                        ],
                        "as": "orders",
                    }
                },
                {"$sort": {"_id": 1}},
            ]
        )
        self.assertEqual(result[0]["orders"], [{"total": 10}, {"total": 5}])
        self.assertEqual(result[1]["orders"], [{"total": 7}])

    async def test_lookup_nested_in_a_lookup_pipeline(self):
        # How Beanie's fetch_links reaches a BackLink: a $lookup inside a $lookup pipeline.
        result = await self.db["orders"].aggregate(
            [
                {"$match": {"_id": 3}},
                {
                    "$lookup": {
                        "from": "customers",
                        "localField": "cust",
                        "foreignField": "_id",
                        "as": "c",
                        "pipeline": [
                            {
                                "$lookup": {
                                    "from": "orders",
                                    "localField": "_id",
                                    "foreignField": "cust",
                                    "as": "all_orders",
                                }
                            },
                            {"$limit": 1},
                        ],
                    }
                },
            ]
        )
        self.assertEqual(
            result[0]["c"],
            [{"_id": "b", "name": "Bob", "all_orders": [{"_id": 3, "cust": "b", "total": 7}]}],
        )

    async def test_facet(self):
        result = await self.db["orders"].aggregate(
            [
                {
                    "$facet": {
                        "count": [{"$count": "n"}],
                        "big": [{"$match": {"total": {"$gt": 6}}}, {"$project": {"_id": 1}}],
                    }
                }
            ]
        )
        self.assertEqual(result, [{"count": [{"n": 3}], "big": [{"_id": 1}, {"_id": 3}]}])

    async def test_out_and_merge_write_other_collections(self):
        await self.db["orders"].aggregate([{"$match": {"cust": "a"}}, {"$out": "a_orders"}])
        self.assertEqual(await self.db["a_orders"].count_documents({}), 2)
        await self.db["orders"].aggregate(
            [
                {"$group": {"_id": "$cust", "spent": {"$sum": "$total"}}},
                {"$merge": {"into": "customers"}},
            ]
        )
        self.assertEqual(
            await self.db["customers"].find_one({"_id": "a"}),
            {"_id": "a", "name": "Ann", "spent": 15},
        )

    async def test_unwind_preserved_documents_get_null_index(self):
        await self.coll.insert_many([{"_id": 1, "g": []}, {"_id": 2, "g": ["x"]}])
        result = await self.coll.aggregate(
            [
                {
                    "$unwind": {
                        "path": "$g",
                        "preserveNullAndEmptyArrays": True,
                        "includeArrayIndex": "i",
                    }
                }
            ]
        )
        self.assertEqual(result, [{"_id": 1, "i": None}, {"_id": 2, "g": "x", "i": 0}])

    async def test_batching_through_getmore(self):
        await self.coll.insert_many([{"i": i} for i in range(250)])
        result = await self.coll.aggregate([{"$match": {}}], batchSize=20)
        self.assertEqual(len(result), 250)

    async def test_unknown_stage(self):
        with self.assertRaises(OperationFailure) as caught:
            await self.db["orders"].aggregate([{"$frob": {}}])
        self.assertEqual(caught.exception.code, 40324)
        self.assertIn("Unrecognized pipeline stage name: '$frob'", str(caught.exception))

    async def test_cursor_option_required(self):
        with self.assertRaises(OperationFailure) as caught:
            await self.db.command({"aggregate": "orders", "pipeline": []})
        self.assertEqual(caught.exception.code, 9)


globals().update(for_each_client(AggregateTests))
