"""count (and count_documents / estimated_document_count) and distinct."""

from tests.mongo_server._conformance import for_each_client


class CountDistinctTests:
    async def asyncSetUp(self):
        await super().asyncSetUp()
        await self.coll.insert_many(
            [{"k": "x", "t": ["a", "b"]}, {"k": "x", "t": "a"}, {"k": "y"}, {"k": None}]
        )

    async def test_count_documents(self):
        self.assertEqual(await self.coll.count_documents({}), 4)
        self.assertEqual(await self.coll.count_documents({"k": "x"}), 2)
        self.assertEqual(await self.coll.count_documents({}, skip=1, limit=2), 2)
        self.assertEqual(await self.db["none"].count_documents({}), 0)

    async def test_estimated_document_count_and_count_command(self):
        self.assertEqual(await self.coll.estimated_document_count(), 4)
        reply = await self.db.command({"count": "items", "query": {"k": "y"}})
        self.assertEqual(reply, {"n": 1, "ok": 1.0})

    async def test_distinct_flattens_arrays(self):
        self.assertEqual(sorted(await self.coll.distinct("t")), ["a", "b"])
        self.assertEqual(sorted(await self.coll.distinct("k", {"k": {"$ne": None}})), ["x", "y"])


globals().update(for_each_client(CountDistinctTests))
