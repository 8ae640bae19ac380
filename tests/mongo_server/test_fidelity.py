"""What real apps (and Beanie's own suite) tripped on: each expected value from the manual."""

import asyncio
import inspect

from pymongo import DeleteMany, DeleteOne, InsertOne, UpdateOne
from pymongo.errors import ClientBulkWriteException, CollectionInvalid, OperationFailure

from tests.mongo_server._conformance import for_each_client


class EmptiedCollectionTests:
    # https://www.mongodb.com/docs/manual/reference/method/db.collection.deleteMany/ removes
    # documents only: the collection (its indexes, its catalog entry) stays until drop().
    async def empty_collection(self):
        await self.coll.insert_one({"n": 1})
        await self.coll.delete_many({})

    async def test_an_emptied_collection_is_still_listed(self):
        await self.empty_collection()
        self.assertEqual(await self.db.list_collection_names(), ["items"])
        self.assertEqual(await self.coll.count_documents({}), 0)

    async def test_its_database_is_still_listed(self):
        # https://www.mongodb.com/docs/manual/reference/command/listDatabases/
        await self.empty_collection()
        self.assertIn(self.db_name, await self.client.list_database_names())

    async def test_create_of_the_name_is_namespace_exists(self):
        # https://www.mongodb.com/docs/manual/reference/command/create/ : NamespaceExists (48).
        await self.empty_collection()
        with self.assertRaises(CollectionInvalid):
            await self.db.create_collection("items")
        with self.assertRaises(OperationFailure) as caught:
            await self.db.command({"create": "items"})
        self.assertEqual(
            (caught.exception.code, caught.exception.details["codeName"]), (48, "NamespaceExists")
        )

    async def test_rename_of_an_emptied_collection_works(self):
        # https://www.mongodb.com/docs/manual/reference/command/renameCollection/
        await self.empty_collection()
        await self.coll.rename("renamed")
        self.assertEqual(await self.db.list_collection_names(), ["renamed"])

    async def test_an_emptied_collection_in_a_transaction_stays_after_commit(self):
        async with self.transaction() as session:
            await self.coll.insert_one({"n": 1}, session=session)
            await self.coll.delete_many({}, session=session)
        self.assertEqual(await self.db.list_collection_names(), ["items"])

    async def test_a_failed_first_insert_creates_nothing(self):
        reply = await self.db.command({"insert": "items", "documents": [{"_id": [1]}]})
        self.assertEqual((reply["n"], reply["writeErrors"][0]["code"]), (0, 53))
        self.assertEqual(await self.db.list_collection_names(), [])


class IdIndexTests:
    async def test_the_id_index_under_another_name_already_exists(self):
        # https://www.mongodb.com/docs/manual/reference/method/db.collection.createIndex/ :
        # "If you call db.collection.createIndex() for an index that already exists, MongoDB
        # does not recreate the index." Every collection has the {_id: 1} index.
        await self.coll.insert_one({})
        reply = await self.db.command(
            {"createIndexes": "items", "indexes": [{"key": {"_id": 1}, "name": "_id_1"}]}
        )
        self.assertEqual(
            reply,
            {
                "numIndexesBefore": 1,
                "numIndexesAfter": 1,
                "note": "all indexes already exist",
                "ok": 1.0,
            },
        )
        self.assertEqual(await self.coll.create_index([("_id", 1)]), "_id_1")
        self.assertEqual(list(await self.coll.index_information()), ["_id_"])

    async def test_the_id_index_name_on_another_key_is_refused(self):
        # https://www.mongodb.com/docs/manual/reference/command/createIndexes/
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.create_index([("other", 1)], name="_id_")
        self.assertEqual(caught.exception.code, 86)


class DistinctOrderTests:
    async def test_distinct_values_come_sorted(self):
        # mongod gathers distinct values in a set ordered by BSON comparison:
        # https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/
        await self.coll.insert_many([{"v": "uno"}, {"v": "dos"}, {"v": "cuatro"}])
        self.assertEqual(await self.coll.distinct("v"), ["cuatro", "dos", "uno"])

    async def test_mixed_types_follow_the_bson_comparison_order(self):
        await self.coll.insert_many([{"v": "a"}, {"v": 3}, {"v": None}, {"v": 1.5}, {"v": [2]}])
        self.assertEqual(await self.coll.distinct("v"), [None, 1.5, 2, 3, "a"])


class EmptyGroupTests:
    # $group outputs one document per group, so no input documents means no output
    # document: https://www.mongodb.com/docs/manual/reference/operator/aggregation/group/
    # ($count is a $group and $project: https://www.mongodb.com/docs/manual/reference/operator/aggregation/count/).
    async def test_group_by_null_over_no_documents_outputs_nothing(self):
        await self.coll.insert_one({"n": 1})
        pipeline = [
            {"$match": {"n": {"$gt": 5}}},
            {"$group": {"_id": None, "total": {"$sum": "$n"}, "avg": {"$avg": "$n"}}},
        ]
        self.assertEqual(await self.coll.aggregate(pipeline), [])

    async def test_count_over_no_documents_outputs_nothing(self):
        self.assertEqual(await self.coll.aggregate([{"$count": "n"}]), [])

    async def test_group_over_documents_still_groups(self):
        await self.coll.insert_many([{"n": 1}, {"n": 2}])
        pipeline = [{"$group": {"_id": None, "total": {"$sum": "$n"}}}]
        self.assertEqual(await self.coll.aggregate(pipeline), [{"_id": None, "total": 3}])


class BypassValidationTests:
    async def test_delete_accepts_bypass_document_validation(self):
        # https://www.mongodb.com/docs/manual/reference/method/db.collection.bulkWrite/ :
        # bypassDocumentValidation applies to the whole bulk, deletes included; drivers
        # send it on the delete command.
        await self.coll.insert_many([{"n": 1}, {"n": 2}])
        result = await self.coll.bulk_write(
            [DeleteOne({"n": 1}), InsertOne({"n": 3})], bypass_document_validation=True
        )
        self.assertEqual((result.deleted_count, result.inserted_count), (1, 1))
        reply = await self.db.command(
            {
                "delete": "items",
                "deletes": [{"q": {}, "limit": 0}],
                "bypassDocumentValidation": True,
            }
        )
        self.assertEqual(reply, {"n": 2, "ok": 1.0})


class TypeNullTests:
    # https://www.mongodb.com/docs/manual/reference/operator/query/type/ : "null" (alias 10)
    # matches a field holding null, not a missing field.
    async def asyncSetUp(self):
        await super().asyncSetUp()
        await self.coll.insert_many(
            [{"_id": 1, "v": None}, {"_id": 2}, {"_id": 3, "v": 0}, {"_id": 4, "v": [None]}]
        )

    async def ids(self, query):
        return [doc["_id"] for doc in await self.coll.find(query, sort=[("_id", 1)])]

    async def test_type_null_matches_null_values(self):
        self.assertEqual(await self.ids({"v": {"$type": "null"}}), [1, 4])
        self.assertEqual(await self.ids({"v": {"$type": 10}}), [1, 4])

    async def test_type_null_under_nin_like_beanie_enums(self):
        self.assertEqual(
            await self.ids({"$or": [{"v": {"$type": "null"}}, {"v": {"$gt": 0}}]}), [1, 4]
        )

    async def test_numeric_aliases(self):
        self.assertEqual(await self.ids({"v": {"$type": 16}}), [3])
        self.assertEqual(await self.ids({"v": {"$type": 4}}), [4])


class CodeNameTests:
    # https://www.mongodb.com/docs/manual/reference/error-codes/ : the codeName drivers see.
    async def test_write_batch_size_is_invalid_length(self):
        with self.assertRaises(OperationFailure) as caught:
            await self.db.command({"insert": "items", "documents": []})
        details = caught.exception.details
        self.assertEqual((details["code"], details["codeName"]), (16, "InvalidLength"))
        self.assertEqual(
            details["errmsg"], "Write batch sizes must be between 1 and 100000. Got 0 operations."
        )

    async def test_an_array_id_is_invalid_id_field(self):
        reply = await self.db.command({"insert": "items", "documents": [{"_id": [1]}]})
        self.assertEqual(reply["writeErrors"][0]["code"], 53)
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.insert_one({"_id": [1]})
        self.assertEqual(caught.exception.code, 53)


class ReplicaSetTests:
    # https://www.mongodb.com/docs/manual/reference/command/hello/ : what a replica set
    # member answers, and what drivers read to discover the set.
    async def test_hello_describes_a_replica_set(self):
        reply = await self.client.admin.command("hello")
        self.assertTrue(reply["isWritablePrimary"])
        self.assertFalse(reply["secondary"])
        self.assertEqual(reply["setName"], "asynctestkit")
        self.assertEqual(reply["hosts"], [reply["me"]])
        self.assertEqual(reply["primary"], reply["me"])
        self.assertEqual(len(reply["arbiters"]), 1)
        self.assertNotIn("topologyVersion", reply)

    async def test_without_direct_connection_drivers_see_two_members(self):
        # Beanie runs its transaction tests only when client.nodes has more than one member.
        uri = self.server.uri.replace("/?directConnection=true", "/")
        driver = self.client_class(uri)
        self.addAsyncCleanup(driver.close)
        client = driver.client
        await _maybe_await(client.admin.command("ping"))  # async clients connect lazily
        for _ in range(500):
            if len(client.nodes) == 2:
                break
            await asyncio.sleep(0.01)
        hello = await self.client.admin.command("hello")
        self.assertEqual(
            {f"{host}:{port}" for host, port in client.nodes},
            {hello["me"], *hello["arbiters"]},
        )
        self.assertEqual(client.topology_description.topology_type_name, "ReplicaSetWithPrimary")
        self.assertFalse(await _maybe_await(client.is_mongos))
        # A transaction through the set reaches the primary and commits.
        coll = client[self.db_name]["items"]
        async with driver.transaction() as session:
            await _maybe_await(coll.insert_one({"n": 1}, session=session))
        self.assertEqual(await self.coll.count_documents({}), 1)


class ClientBulkWriteTests:
    # MongoDB 8.0's bulkWrite admin command, behind MongoClient.bulk_write:
    # https://www.mongodb.com/docs/manual/reference/command/bulkWrite/
    async def test_hello_advertises_mongodb_8(self):
        hello = await self.client.admin.command("hello")
        build = await self.client.admin.command("buildInfo")
        self.assertEqual((hello["maxWireVersion"], build["versionArray"][:2]), (25, [8, 0]))

    async def test_writes_across_namespaces_with_verbose_results(self):
        a, b = f"{self.db_name}.a", f"{self.db_name}.b"
        result = await self.client.bulk_write(
            [
                InsertOne({"_id": 1, "n": 1}, namespace=a),
                InsertOne({"_id": 2}, namespace=b),
                UpdateOne({"_id": 1}, {"$inc": {"n": 1}}, namespace=a),
                UpdateOne({"_id": 9}, {"$set": {"n": 9}}, upsert=True, namespace=a),
                DeleteMany({}, namespace=b),
            ],
            verbose_results=True,
        )
        counts = (
            result.inserted_count,
            result.matched_count,
            result.modified_count,
            result.upserted_count,
            result.deleted_count,
        )
        self.assertEqual(counts, (2, 1, 1, 1, 1))
        self.assertEqual(result.update_results[3].upserted_id, 9)
        self.assertEqual(result.update_results[3].matched_count, 0)
        self.assertEqual(result.delete_results[4].deleted_count, 1)
        docs = await self.db["a"].find({}, sort=[("_id", 1)])
        self.assertEqual(docs, [{"_id": 1, "n": 2}, {"_id": 9, "n": 9}])
        self.assertEqual(await self.db["b"].count_documents({}), 0)

    async def test_write_errors_ordered_and_unordered(self):
        ns = f"{self.db_name}.items"
        await self.coll.insert_one({"_id": 1})
        for ordered, inserted in ((True, 0), (False, 1)):
            with self.subTest(ordered=ordered):
                with self.assertRaises(ClientBulkWriteException) as caught:
                    await self.client.bulk_write(
                        [InsertOne({"_id": 1}, namespace=ns), InsertOne({"_id": 2}, namespace=ns)],
                        ordered=ordered,
                    )
                [error] = caught.exception.write_errors
                self.assertEqual((error["idx"], error["code"]), (0, 11000))
                self.assertEqual(caught.exception.partial_result.inserted_count, inserted)

    async def test_inside_a_transaction(self):
        async with self.transaction() as session:
            await self.client.bulk_write(
                [InsertOne({"_id": 5}, namespace=f"{self.db_name}.items")], session=session
            )
        self.assertEqual(await self.coll.find({}), [{"_id": 5}])


async def _maybe_await(value):
    return await value if inspect.isawaitable(value) else value


globals().update(for_each_client(EmptiedCollectionTests))
globals().update(for_each_client(IdIndexTests))
globals().update(for_each_client(DistinctOrderTests))
globals().update(for_each_client(EmptyGroupTests))
globals().update(for_each_client(BypassValidationTests))
globals().update(for_each_client(TypeNullTests))
globals().update(for_each_client(CodeNameTests))
globals().update(for_each_client(ReplicaSetTests))
globals().update(for_each_client(ClientBulkWriteTests))
