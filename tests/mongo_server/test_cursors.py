"""getMore and killCursors: batching, exhaustion, killed and unknown cursors."""

from bson import Int64
from pymongo.errors import OperationFailure

from tests.mongo_server._conformance import for_each_client


class CursorTests:
    async def asyncSetUp(self):
        await super().asyncSetUp()
        await self.coll.insert_many([{"_id": i} for i in range(10)])

    async def test_get_more_batches_until_exhausted(self):
        reply = await self.db.command({"find": "items", "batchSize": 4})
        cursor_id = reply["cursor"]["id"]
        self.assertNotEqual(cursor_id, 0)
        self.assertEqual([d["_id"] for d in reply["cursor"]["firstBatch"]], [0, 1, 2, 3])
        reply = await self.db.command({"getMore": cursor_id, "collection": "items", "batchSize": 4})
        self.assertEqual([d["_id"] for d in reply["cursor"]["nextBatch"]], [4, 5, 6, 7])
        reply = await self.db.command({"getMore": cursor_id, "collection": "items"})
        self.assertEqual([d["_id"] for d in reply["cursor"]["nextBatch"]], [8, 9])
        self.assertEqual(reply["cursor"]["id"], 0)
        with self.assertRaises(OperationFailure) as caught:
            await self.db.command({"getMore": cursor_id, "collection": "items"})
        self.assertEqual(caught.exception.code, 43)
        self.assertEqual(caught.exception.details["codeName"], "CursorNotFound")

    async def test_kill_cursors(self):
        reply = await self.db.command({"find": "items", "batchSize": 2})
        cursor_id = reply["cursor"]["id"]
        reply = await self.db.command(
            {"killCursors": "items", "cursors": [cursor_id, Int64(12345)]}
        )
        self.assertEqual(reply["cursorsKilled"], [cursor_id])
        self.assertEqual(reply["cursorsNotFound"], [12345])
        with self.assertRaises(OperationFailure):
            await self.db.command({"getMore": cursor_id, "collection": "items"})

    async def test_limit_closes_cursor(self):
        reply = await self.db.command({"find": "items", "limit": 3, "batchSize": 3})
        self.assertEqual(reply["cursor"]["id"], 0)
        self.assertEqual(len(reply["cursor"]["firstBatch"]), 3)

    async def test_driver_close_kills_server_cursor(self):
        cursor = self.coll.raw.find({}, batch_size=2)
        first = cursor.next()
        if hasattr(first, "__await__"):
            first = await first
        self.assertEqual(first, {"_id": 0})
        closed = cursor.close()
        if hasattr(closed, "__await__"):
            await closed
        status = await self.client.admin.command("serverStatus")
        self.assertEqual(status["metrics"]["cursor"]["open"]["total"], 0)


globals().update(for_each_client(CursorTests))
