"""delete: one, many, by filter, counts, on missing collections."""

from tests.mongo_server._conformance import for_each_client


class DeleteTests:
    async def asyncSetUp(self):
        await super().asyncSetUp()
        await self.coll.insert_many([{"_id": i, "even": i % 2 == 0} for i in range(6)])

    async def test_delete_one_removes_first_match(self):
        result = await self.coll.delete_one({"even": True})
        self.assertEqual(result.deleted_count, 1)
        self.assertEqual(await self.coll.count_documents({"even": True}), 2)

    async def test_delete_many(self):
        result = await self.coll.delete_many({"even": False})
        self.assertEqual(result.deleted_count, 3)
        self.assertEqual(sorted(await self.coll.distinct("_id")), [0, 2, 4])

    async def test_delete_nothing(self):
        self.assertEqual((await self.coll.delete_many({"_id": 99})).deleted_count, 0)
        self.assertEqual((await self.db["missing"].delete_many({})).deleted_count, 0)


globals().update(for_each_client(DeleteTests))
