"""find: filter, projection, sort, skip, limit, batchSize, hint, collation, errors."""

from pymongo.collation import Collation
from pymongo.errors import OperationFailure

from tests.mongo_server._conformance import for_each_client

DOCS = [
    {"_id": 1, "name": "ann", "age": 31, "tags": ["a", "b"], "address": {"city": "Oslo"}},
    {"_id": 2, "name": "bob", "age": 25, "tags": ["b"], "address": {"city": "Rome"}},
    {"_id": 3, "name": "cid", "age": 42, "tags": [], "address": {"city": "Oslo"}},
    {"_id": 4, "name": "Dan", "age": 25},
]


class FindTests:
    async def asyncSetUp(self):
        await super().asyncSetUp()
        await self.coll.insert_many([dict(d) for d in DOCS])

    async def ids(self, *args, **kwargs):
        return [d["_id"] for d in await self.coll.find(*args, **kwargs)]

    async def test_filter_operators(self):
        self.assertEqual(await self.ids({"age": {"$gte": 30}}), [1, 3])
        self.assertEqual(await self.ids({"tags": "b"}), [1, 2])
        self.assertEqual(await self.ids({"address.city": "Oslo"}), [1, 3])
        self.assertEqual(await self.ids({"address": {"$exists": False}}), [4])
        self.assertEqual(await self.ids({"$or": [{"age": 42}, {"name": "bob"}]}), [2, 3])
        self.assertEqual(await self.ids({"tags": {"$size": 0}}), [3])
        self.assertEqual(await self.ids({"name": {"$regex": "^d", "$options": "i"}}), [4])
        self.assertEqual(await self.ids({"$expr": {"$gt": ["$age", 30]}}), [1, 3])
        self.assertEqual(await self.ids({"tags": {"$all": ["a", "b"]}}), [1])
        self.assertEqual(await self.ids({"age": {"$in": [25, 42]}, "name": {"$ne": "Dan"}}), [2, 3])

    async def test_projection_include_exclude_and_operators(self):
        doc = await self.coll.find_one({"_id": 1}, {"name": 1})
        self.assertEqual(doc, {"_id": 1, "name": "ann"})
        doc = await self.coll.find_one({"_id": 1}, {"tags": 0, "address": 0, "_id": 0})
        self.assertEqual(doc, {"name": "ann", "age": 31})
        doc = await self.coll.find_one({"_id": 1}, {"tags": {"$slice": 1}, "name": 1})
        self.assertEqual(doc, {"_id": 1, "name": "ann", "tags": ["a"]})
        doc = await self.coll.find_one({"_id": 1}, {"address.city": 1, "_id": 0})
        self.assertEqual(doc, {"address": {"city": "Oslo"}})

    async def test_sort_skip_limit(self):
        self.assertEqual(await self.ids({}, sort=[("age", 1), ("_id", -1)]), [4, 2, 1, 3])
        self.assertEqual(await self.ids({}, sort=[("age", -1)], skip=1, limit=2), [1, 2])
        self.assertEqual(await self.ids({}, sort=[("missing", 1), ("_id", 1)]), [1, 2, 3, 4])

    async def test_batch_size_returns_everything(self):
        await self.coll.insert_many([{"_id": 100 + i} for i in range(30)])
        self.assertEqual(len(await self.ids({}, batch_size=7)), 34)

    async def test_hint_must_name_an_index(self):
        await self.coll.create_index("age")
        self.assertEqual(await self.ids({"age": 25}, hint="age_1"), [2, 4])
        self.assertEqual(await self.ids({"age": 25}, hint=[("age", 1)]), [2, 4])
        with self.assertRaises(OperationFailure) as caught:
            await self.ids({}, hint="nope_1")
        self.assertEqual(caught.exception.code, 2)
        self.assertIn(
            "hint provided does not correspond to an existing index", str(caught.exception)
        )

    async def test_collation_applies_and_unsupported_locales_are_refused(self):
        # More in test_collation.py; an answer in binary order would be silently wrong.
        self.assertEqual(
            await self.ids({"name": "dan"}, collation=Collation("en", strength=2)), [4]
        )
        self.assertEqual(await self.ids({"name": "dan"}, collation=Collation("simple")), [])
        with self.assertRaises(OperationFailure) as caught:
            await self.ids({"name": "dan"}, collation=Collation("es", strength=2))
        self.assertEqual(caught.exception.code, 238)

    async def test_missing_collection_is_empty(self):
        self.assertEqual(await self.db["nothing"].find({}), [])
        self.assertIsNone(await self.db["nothing"].find_one({}))

    async def test_unknown_field_is_rejected_like_mongod(self):
        with self.assertRaises(OperationFailure) as caught:
            await self.db.command({"find": "items", "filter": {}, "bogus": 1})
        self.assertEqual(caught.exception.code, 40415)
        self.assertEqual(caught.exception.details["codeName"], "Location40415")
        self.assertIn("BSON field 'find.bogus' is an unknown field.", str(caught.exception))

    async def test_unknown_query_operator_is_bad_value(self):
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.find_one({"age": {"$nope": 1}})
        self.assertEqual(caught.exception.code, 2)

    async def test_find_command_reply_shape(self):
        reply = await self.db.command({"find": "items", "filter": {"_id": 1}})
        self.assertEqual(list(reply), ["cursor", "ok"])
        self.assertEqual(list(reply["cursor"]), ["firstBatch", "id", "ns"])
        self.assertEqual(reply["cursor"]["ns"], f"{self.db_name}.items")
        self.assertEqual(reply["cursor"]["id"], 0)


globals().update(for_each_client(FindTests))
