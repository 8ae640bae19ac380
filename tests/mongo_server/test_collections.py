"""create, drop, dropDatabase, renameCollection, collMod, listCollections, listDatabases, views."""

from pymongo.errors import CollectionInvalid, OperationFailure

from tests.mongo_server._conformance import for_each_client


class CollectionTests:
    async def test_list_collections_shape(self):
        await self.db.create_collection("c")
        [entry] = await self.db.list_collections()
        self.assertEqual(list(entry), ["name", "type", "options", "info", "idIndex"])
        self.assertEqual(entry["name"], "c")
        self.assertEqual(entry["type"], "collection")
        self.assertEqual(entry["options"], {})
        self.assertEqual(entry["info"]["readOnly"], False)
        self.assertEqual(entry["idIndex"], {"v": 2, "key": {"_id": 1}, "name": "_id_"})

    async def test_list_collection_names_filter_and_authorized(self):
        await self.db["a"].insert_one({})
        await self.db["b"].insert_one({})
        self.assertEqual(sorted(await self.db.list_collection_names()), ["a", "b"])
        names = await self.db.list_collection_names(
            filter={"name": "a"}, authorizedCollections=True
        )
        self.assertEqual(names, ["a"])
        reply = await self.db.command({"listCollections": 1, "nameOnly": True})
        self.assertEqual(
            sorted(reply["cursor"]["firstBatch"], key=lambda e: e["name"]),
            [{"name": "a", "type": "collection"}, {"name": "b", "type": "collection"}],
        )

    async def test_create_existing_is_namespace_exists(self):
        await self.db.create_collection("c")
        with self.assertRaises(CollectionInvalid):
            await self.db.create_collection("c")
        with self.assertRaises(OperationFailure) as caught:
            await self.db.command({"create": "c"})
        self.assertEqual(caught.exception.code, 48)

    async def test_create_options_are_listed(self):
        await self.db.create_collection(
            "v", validator={"$jsonSchema": {"required": ["a"]}}, validationAction="error"
        )
        [entry] = await self.db.list_collections(filter={"name": "v"})
        self.assertEqual(
            entry["options"],
            {"validator": {"$jsonSchema": {"required": ["a"]}}, "validationAction": "error"},
        )

    async def test_timeseries_options(self):
        await self.db.create_collection("ts", timeseries={"timeField": "t", "metaField": "m"})
        [entry] = await self.db.list_collections(filter={"name": "ts"})
        self.assertEqual(entry["type"], "timeseries")
        self.assertEqual(entry["options"]["timeseries"]["timeField"], "t")
        self.assertEqual(entry["options"]["timeseries"]["granularity"], "seconds")

    async def test_drop_collection_and_database(self):
        await self.coll.insert_one({})
        await self.coll.create_index("a")
        reply = await self.db.command({"drop": "items"})
        self.assertEqual(reply["nIndexesWas"], 2)
        self.assertEqual(await self.db.list_collection_names(), [])
        reply = await self.db.command({"drop": "items"})
        self.assertEqual(reply["ok"], 1.0)
        await self.coll.insert_one({})
        self.assertIn(self.db_name, await self.client.list_database_names())
        await self.client.drop_database(self.db_name)
        self.assertNotIn(self.db_name, await self.client.list_database_names())

    async def test_list_databases(self):
        await self.coll.insert_one({"x": 1})
        reply = await self.client.admin.command("listDatabases")
        names = [d["name"] for d in reply["databases"]]
        self.assertIn(self.db_name, names)
        self.assertIn("admin", names)
        entry = next(d for d in reply["databases"] if d["name"] == self.db_name)
        self.assertEqual(list(entry), ["name", "sizeOnDisk", "empty"])
        self.assertFalse(entry["empty"])

    async def test_rename_collection(self):
        await self.db["old"].insert_one({"_id": 1})
        await self.db["old"].create_index("a")
        await self.db["old"].rename("new")
        self.assertEqual(await self.db.list_collection_names(), ["new"])
        self.assertEqual(len(await self.db["new"].list_indexes()), 2)
        await self.db["other"].insert_one({})
        with self.assertRaises(OperationFailure) as caught:
            await self.db["new"].rename("other")
        self.assertEqual(caught.exception.code, 48)
        await self.db["new"].rename("other", dropTarget=True)
        self.assertEqual(await self.db["other"].find({}), [{"_id": 1}])
        with self.assertRaises(OperationFailure) as caught:
            await self.db["gone"].rename("x")
        self.assertEqual(caught.exception.code, 26)

    async def test_coll_mod_ttl_and_missing(self):
        await self.coll.create_index("at", expireAfterSeconds=10)
        reply = await self.db.command(
            {"collMod": "items", "index": {"keyPattern": {"at": 1}, "expireAfterSeconds": 20}}
        )
        self.assertEqual(
            (reply["expireAfterSeconds_old"], reply["expireAfterSeconds_new"]), (10, 20)
        )
        with self.assertRaises(OperationFailure) as caught:
            await self.db.command({"collMod": "missing"})
        self.assertEqual(caught.exception.code, 26)

    async def test_views(self):
        await self.coll.insert_many([{"_id": i, "v": i} for i in range(5)])
        await self.db.create_collection(
            "big", viewOn="items", pipeline=[{"$match": {"v": {"$gte": 3}}}]
        )
        self.assertEqual(
            [d["_id"] for d in await self.db["big"].find({}, sort=[("_id", 1)])], [3, 4]
        )
        self.assertEqual(await self.db["big"].count_documents({}), 2)
        self.assertEqual(await self.db["big"].aggregate([{"$count": "n"}]), [{"n": 2}])
        entry = (await self.db.list_collections(filter={"name": "big"}))[0]
        self.assertEqual(entry["type"], "view")
        self.assertEqual(entry["options"]["viewOn"], "items")
        with self.assertRaises(OperationFailure) as caught:
            await self.db["big"].insert_one({})
        self.assertEqual(caught.exception.code, 166)


globals().update(for_each_client(CollectionTests))
