"""Transactions: isolation, commit, abort, write conflicts, retryable writes."""

from pymongo.errors import DuplicateKeyError, OperationFailure

from tests.mongo_server._conformance import for_each_client


class TransactionTests:
    async def test_writes_invisible_until_commit(self):
        await self.coll.insert_one({"_id": 0})
        async with self.transaction() as session:
            await self.coll.insert_one({"_id": 1}, session=session)
            await self.coll.update_one({"_id": 0}, {"$set": {"x": 1}}, session=session)
            self.assertEqual(await self.coll.count_documents({}, session=session), 2)
            self.assertEqual(await self.coll.count_documents({}), 1)
            self.assertEqual(await self.coll.find_one({"_id": 0}), {"_id": 0})
            self.assertEqual(
                await self.coll.find_one({"_id": 0}, session=session), {"_id": 0, "x": 1}
            )
        self.assertEqual(
            await self.coll.find({}, sort=[("_id", 1)]), [{"_id": 0, "x": 1}, {"_id": 1}]
        )

    async def test_abort_discards(self):
        await self.coll.insert_one({"_id": 0})
        with self.assertRaises(RuntimeError):
            async with self.transaction() as session:
                await self.coll.delete_one({"_id": 0}, session=session)
                await self.db["other"].insert_one({"_id": 5}, session=session)
                raise RuntimeError("boom")
        self.assertEqual(await self.coll.find({}), [{"_id": 0}])
        self.assertEqual(await self.db.list_collection_names(), ["items"])

    async def test_error_inside_transaction_aborts_it(self):
        await self.coll.insert_one({"_id": 0})
        with self.assertRaises(DuplicateKeyError):
            async with self.transaction() as session:
                await self.coll.insert_one({"_id": 1}, session=session)
                await self.coll.insert_one({"_id": 0}, session=session)
        self.assertEqual(await self.coll.count_documents({}), 1)

    async def test_write_conflict_is_transient(self):
        await self.coll.insert_one({"_id": 0, "n": 0})
        with self.assertRaises(OperationFailure) as caught:
            async with self.transaction() as session:
                await self.coll.update_one({"_id": 0}, {"$inc": {"n": 1}}, session=session)
                await self.coll.update_one({"_id": 0}, {"$inc": {"n": 10}})
                await self.coll.update_one({"_id": 0}, {"$inc": {"n": 1}}, session=session)
        self.assertEqual(caught.exception.code, 112)
        self.assertTrue(caught.exception.has_error_label("TransientTransactionError"))
        self.assertEqual(await self.coll.find_one({"_id": 0}), {"_id": 0, "n": 10})

    async def test_commands_not_allowed_in_transaction(self):
        with self.assertRaises(OperationFailure) as caught:
            async with self.transaction() as session:
                await self.db.command("count", "items", session=session)
        self.assertEqual(caught.exception.code, 263)

    async def test_session_reads_and_retryable_writes(self):
        async with self.session() as session:
            await self.coll.insert_one({"_id": 1}, session=session)
            await self.coll.update_one({"_id": 1}, {"$set": {"a": 1}}, session=session)
            self.assertEqual(await self.coll.find_one({}, session=session), {"_id": 1, "a": 1})

    async def test_hello_advertises_replica_set_primary(self):
        hello = await self.client.admin.command("hello")
        self.assertTrue(hello["isWritablePrimary"])
        self.assertEqual(hello["setName"], "asynctestkit")
        self.assertEqual(hello["hosts"], [hello["me"]])
        self.assertGreaterEqual(hello["maxWireVersion"], 9)
        self.assertEqual(hello["logicalSessionTimeoutMinutes"], 30)


globals().update(for_each_client(TransactionTests))
