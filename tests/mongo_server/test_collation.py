"""Collations end to end: every operation that takes one, indexes, collection defaults.

Expected values come from MongoDB's manual; each test names its page. The myColl documents
are the manual's own (reference/command/findAndModify, db.collection.distinct, aggregate...).
"""

from pymongo.collation import Collation
from pymongo.errors import DuplicateKeyError, OperationFailure

from tests.mongo_server._conformance import for_each_client

MY_COLL = [
    {"_id": 1, "category": "café", "status": "A"},
    {"_id": 2, "category": "cafe", "status": "a"},
    {"_id": 3, "category": "cafE", "status": "a"},
]
FRENCH_PRIMARY = Collation("fr", strength=1)
ENGLISH_SECONDARY = Collation("en", strength=2)


class CollationTests:
    async def insert_my_coll(self):
        await self.coll.insert_many([dict(d) for d in MY_COLL])

    async def ids(self, *args, **kwargs):
        return [d["_id"] for d in await self.coll.find(*args, **kwargs)]

    # -- reads ------------------------------------------------------------------------------

    async def test_find_at_primary_strength_ignores_case_and_diacritics(self):
        # https://www.mongodb.com/docs/manual/reference/method/cursor.collation/
        await self.coll.insert_many(
            [{"_id": 1, "x": "a"}, {"_id": 2, "x": "A"}, {"_id": 3, "x": "á"}]
        )
        self.assertEqual(
            await self.ids({"x": "a"}, collation=Collation("en_US", strength=1)), [1, 2, 3]
        )
        self.assertEqual(await self.ids({"x": "a"}), [1])
        self.assertEqual(await self.ids({"x": "a"}, collation=Collation("simple")), [1])

    async def test_find_sorts_numeric_strings_as_the_manual_shows(self):
        # https://www.mongodb.com/docs/manual/reference/collation/#numericordering
        values = ["1", "2", "2.1", "-2.1", "2.2", "2.10", "2.20", "-10", "10", "20", "20.1"]
        await self.coll.insert_many([{"n": n} for n in values])
        docs = await self.coll.find(
            {}, {"_id": 0}, sort=[("n", 1)], collation=Collation("en_US", numericOrdering=True)
        )
        self.assertEqual(
            [d["n"] for d in docs],
            ["-2.1", "-10", "1", "2", "2.1", "2.2", "2.10", "2.20", "10", "20", "20.1"],
        )
        binary = [d["n"] for d in await self.coll.find({}, sort=[("n", 1)])]
        self.assertEqual(binary[:3], ["-10", "-2.1", "1"])

    async def test_options_change_sort_order_and_equality(self):
        # https://www.mongodb.com/docs/manual/reference/collation/ (caseFirst, alternate,
        # maxVariable, caseLevel, backwards) and, for Canadian French,
        # https://www.mongodb.com/docs/drivers/java/sync/current/crud/collations/
        words = ["côté", "coté", "côte", "cote", "Cote", "co-te"]
        await self.coll.insert_many([{"_id": w, "w": w} for w in words])

        async def order(collation):
            return [d["w"] for d in await self.coll.find({}, sort=[("w", 1)], collation=collation)]

        self.assertEqual(
            await order(Collation("fr_CA")), ["co-te", "cote", "Cote", "côte", "coté", "côté"]
        )
        self.assertEqual(
            await order(Collation("fr")), ["co-te", "cote", "Cote", "coté", "côte", "côté"]
        )
        self.assertEqual((await order(Collation("en", caseFirst="upper")))[1:3], ["Cote", "cote"])
        shifted = Collation("en", alternate="shifted")
        self.assertEqual(await self.ids({"w": "cote"}, collation=shifted), ["cote", "co-te"])
        spaces_only = Collation("en", alternate="shifted", maxVariable="space")
        self.assertEqual(await self.ids({"w": "cote"}, collation=spaces_only), ["cote"])
        case_level = Collation("en", strength=1, caseLevel=True)
        self.assertEqual(
            await self.ids({"w": "cote"}, collation=case_level), ["côté", "coté", "côte", "cote"]
        )

    async def test_range_operators_compare_under_the_collation(self):
        # https://www.mongodb.com/docs/manual/reference/collation/ (strength 2: case ignored)
        await self.coll.insert_many(
            [{"_id": i, "w": w} for i, w in enumerate(["apple", "Banana", "cherry"])]
        )
        self.assertEqual(await self.ids({"w": {"$gte": "b"}}), [2])
        self.assertEqual(await self.ids({"w": {"$gte": "b"}}, collation=ENGLISH_SECONDARY), [1, 2])
        self.assertEqual(
            await self.ids({"w": {"$in": ["BANANA", "APPLE"]}}, collation=ENGLISH_SECONDARY), [0, 1]
        )
        self.assertEqual(
            await self.ids({"w": {"$ne": "CHERRY"}}, collation=ENGLISH_SECONDARY), [0, 1]
        )

    async def test_count_and_distinct(self):
        # https://www.mongodb.com/docs/manual/reference/method/db.collection.distinct/
        # ("Specify a Collation"): at strength 1 the three categories are one value.
        await self.insert_my_coll()
        values = await self.coll.distinct("category", {}, collation=FRENCH_PRIMARY)
        self.assertEqual(len(values), 1)
        self.assertIn(values[0], ["café", "cafe", "cafE"])
        self.assertEqual(len(await self.coll.distinct("category")), 3)
        # mongod collects distinct values in a set ordered by the collation.
        self.assertEqual(
            await self.coll.distinct("category", collation=Collation("fr")),
            ["cafe", "cafE", "café"],
        )
        self.assertEqual(
            await self.coll.count_documents({"category": "cafe"}, collation=FRENCH_PRIMARY), 3
        )
        self.assertEqual(await self.coll.count_documents({"category": "cafe"}), 1)

    async def test_aggregate_match_group_and_sort(self):
        # https://www.mongodb.com/docs/manual/reference/method/db.collection.aggregate/
        # ("Specify a Collation"): status "A" matches "a" at strength 1, and the three
        # categories group together.
        await self.insert_my_coll()
        pipeline = [
            {"$match": {"status": "A"}},
            {"$group": {"_id": "$category", "count": {"$sum": 1}}},
        ]
        groups = await self.coll.aggregate(pipeline, collation=FRENCH_PRIMARY)
        self.assertEqual([g["count"] for g in groups], [3])
        self.assertEqual(await self.coll.aggregate(pipeline), [{"_id": "café", "count": 1}])
        await self.coll.insert_many([{"_id": 4, "category": "Bar"}, {"_id": 5, "category": "abc"}])
        ordered = await self.coll.aggregate(
            [{"$sort": {"category": 1, "_id": 1}}], collation=Collation("en")
        )
        self.assertEqual([d["_id"] for d in ordered], [5, 4, 2, 3, 1])

    async def test_expressions_compare_under_the_collation(self):
        # https://www.mongodb.com/docs/manual/reference/collation/ ("Operations that Support
        # Collation"): an aggregation's collation applies to its expressions too.
        await self.coll.insert_many([{"_id": 1, "a": "Ann", "b": "ann"}, {"_id": 2, "a": "Bob"}])
        docs = await self.coll.aggregate(
            [{"$project": {"same": {"$eq": ["$a", "ANN"]}}}], collation=ENGLISH_SECONDARY
        )
        self.assertEqual(docs, [{"_id": 1, "same": True}, {"_id": 2, "same": False}])
        self.assertEqual(
            await self.ids({"$expr": {"$eq": ["$a", "$b"]}}, collation=ENGLISH_SECONDARY), [1]
        )
        self.assertEqual(await self.ids({"$expr": {"$eq": ["$a", "$b"]}}), [])
        # $regex is never collated (https://www.mongodb.com/docs/manual/reference/operator/query/regex/).
        self.assertEqual(await self.ids({"a": {"$regex": "^a"}}, collation=ENGLISH_SECONDARY), [])

    async def test_lookup_and_union_with_read_the_other_collection_collated(self):
        # https://www.mongodb.com/docs/manual/reference/collation/ : an aggregation's
        # collation governs its string comparisons, those of $lookup and $unionWith included.
        await self.coll.insert_many([{"_id": 1, "name": "Ann"}, {"_id": 2, "name": "Bob"}])
        orders = self.db["orders"]
        await orders.insert_many([{"_id": 10, "who": "ANN"}, {"_id": 11, "who": "bob"}])
        lookup = {
            "$lookup": {"from": "orders", "localField": "name", "foreignField": "who", "as": "o"}
        }
        docs = await self.coll.aggregate([lookup], collation=ENGLISH_SECONDARY)
        self.assertEqual([[o["_id"] for o in d["o"]] for d in docs], [[10], [11]])
        docs = await self.coll.aggregate([lookup])
        self.assertEqual([d["o"] for d in docs], [[], []])
        union = [
            {"$unionWith": "orders"},
            {"$group": {"_id": {"$ifNull": ["$name", "$who"]}, "n": {"$sum": 1}}},
        ]
        groups = await self.coll.aggregate(union, collation=ENGLISH_SECONDARY)
        self.assertEqual(sorted(g["n"] for g in groups), [2, 2])

    # -- writes -----------------------------------------------------------------------------

    async def test_find_and_modify_picks_the_first_match_under_the_collation(self):
        # https://www.mongodb.com/docs/manual/reference/command/findAndModify/
        # ("Specify Collation"): the operation returns { _id: 1, category: "café", status: "A" }.
        await self.insert_my_coll()
        reply = await self.db.command(
            {
                "findAndModify": "items",
                "query": {"category": "cafe", "status": "a"},
                "sort": {"category": 1},
                "update": {"$set": {"status": "Updated"}},
                "collation": {"locale": "fr", "strength": 1},
            }
        )
        self.assertEqual(reply["value"], {"_id": 1, "category": "café", "status": "A"})
        self.assertEqual(reply["lastErrorObject"]["n"], 1)
        self.assertEqual((await self.coll.find_one({"_id": 1}))["status"], "Updated")

    async def test_find_one_and_update(self):
        # https://www.mongodb.com/docs/manual/reference/method/db.collection.findOneAndUpdate/
        # ("Specify Collation"): returns { _id: 1, category: "café", status: "A" }.
        await self.insert_my_coll()
        old = await self.coll.find_one_and_update(
            {"category": "cafe"}, {"$set": {"status": "Updated"}}, collation=FRENCH_PRIMARY
        )
        self.assertEqual(old, {"_id": 1, "category": "café", "status": "A"})

    async def test_array_filters_compare_under_the_collation(self):
        # https://www.mongodb.com/docs/manual/reference/collation/ ("Operations that Support
        # Collation": update and findAndModify, whose arrayFilters are part of the operation).
        await self.coll.insert_one({"_id": 1, "tags": ["Red", "blue", "RED"]})
        await self.coll.update_one(
            {"_id": 1},
            {"$set": {"tags.$[t]": "green"}},
            array_filters=[{"t": "red"}],
            collation=ENGLISH_SECONDARY,
        )
        self.assertEqual((await self.coll.find_one({"_id": 1}))["tags"], ["green", "blue", "green"])
        await self.coll.find_one_and_update(
            {"_id": 1},
            {"$set": {"tags.$[t]": "navy"}},
            array_filters=[{"t": "BLUE"}],
            collation=ENGLISH_SECONDARY,
        )
        self.assertEqual((await self.coll.find_one({"_id": 1}))["tags"], ["green", "navy", "green"])

    async def test_update_and_delete(self):
        # https://www.mongodb.com/docs/manual/reference/method/db.collection.updateMany/ and
        # .../db.collection.deleteMany/ ("Specify Collation").
        await self.insert_my_coll()
        result = await self.coll.update_many(
            {"category": "cafe"}, {"$set": {"seen": True}}, collation=FRENCH_PRIMARY
        )
        self.assertEqual((result.matched_count, result.modified_count), (3, 3))
        result = await self.coll.update_one(
            {"category": "CAFE"}, {"$set": {"one": True}}, collation=ENGLISH_SECONDARY
        )
        self.assertEqual(result.matched_count, 1)
        self.assertEqual(await self.ids({"one": True}), [2])
        # https://www.mongodb.com/docs/manual/reference/method/db.collection.replaceOne/
        result = await self.coll.replace_one(
            {"category": "CAFÉ"},
            {"category": "café", "status": "A", "replaced": True},
            collation=FRENCH_PRIMARY,
        )
        self.assertEqual(result.matched_count, 1)
        self.assertEqual(await self.ids({"replaced": True}), [1])
        result = await self.coll.update_one(
            {"category": "tea"}, {"$set": {"n": 1}}, upsert=True, collation=FRENCH_PRIMARY
        )
        self.assertIsNotNone(result.upserted_id)
        result = await self.coll.delete_many(
            {"category": "cafe", "status": "A"}, collation=FRENCH_PRIMARY
        )
        self.assertEqual(result.deleted_count, 3)
        self.assertEqual(await self.coll.count_documents({}), 1)

    # -- indexes ----------------------------------------------------------------------------

    async def test_case_insensitive_index_as_the_manual_shows(self):
        # https://www.mongodb.com/docs/manual/core/index-case-insensitive/
        await self.coll.create_index("type", collation=Collation("en", strength=2))
        await self.coll.insert_many([{"type": "apple"}, {"type": "Apple"}, {"type": "APPLE"}])
        self.assertEqual(len(await self.coll.find({"type": "apple"})), 1)
        self.assertEqual(
            len(await self.coll.find({"type": "apple"}, collation=ENGLISH_SECONDARY)), 3
        )
        self.assertEqual(
            len(await self.coll.find({"type": "apple"}, collation=Collation("en", strength=1))), 3
        )

    async def test_unique_index_rejects_emails_that_differ_by_case(self):
        # https://www.mongodb.com/docs/manual/core/index-case-insensitive/ with
        # https://www.mongodb.com/docs/manual/core/index-unique/ : at strength 2 "A@x" and
        # "a@x" are one key.
        await self.coll.create_index("email", unique=True, collation=ENGLISH_SECONDARY)
        await self.coll.insert_one({"_id": 1, "email": "Ann@Example.com"})
        with self.assertRaises(DuplicateKeyError) as caught:
            await self.coll.insert_one({"_id": 2, "email": "ann@example.COM"})
        self.assertEqual(caught.exception.code, 11000)
        self.assertIn("email_1", str(caught.exception))
        # Diacritics still count at strength 2, and updates are checked too.
        await self.coll.insert_one({"_id": 3, "email": "ánn@example.com"})
        with self.assertRaises(DuplicateKeyError):
            await self.coll.update_one({"_id": 3}, {"$set": {"email": "ANN@example.com"}})
        self.assertEqual(await self.ids({}), [1, 3])

    async def test_unique_index_at_primary_strength_ignores_diacritics(self):
        # https://www.mongodb.com/docs/manual/reference/collation/ (strength 1)
        await self.coll.create_index("name", unique=True, collation=Collation("en", strength=1))
        await self.coll.insert_one({"name": "Zoe"})
        with self.assertRaises(DuplicateKeyError):
            await self.coll.insert_one({"name": "zoë"})

    async def test_unique_index_over_existing_duplicates_fails(self):
        # https://www.mongodb.com/docs/manual/core/index-unique/ : the build fails when the
        # collection already holds duplicates (here, duplicates under the collation).
        await self.coll.insert_many([{"email": "a@x"}, {"email": "A@x"}])
        with self.assertRaises(DuplicateKeyError):
            await self.coll.create_index("email", unique=True, collation=ENGLISH_SECONDARY)
        self.assertEqual(
            await self.coll.index_information(), {"_id_": {"v": 2, "key": [("_id", 1)]}}
        )
        await self.coll.create_index("email", unique=True)

    async def test_list_indexes_fills_in_the_collation_defaults(self):
        # https://www.mongodb.com/docs/manual/reference/collation-locales-defaults/
        await self.coll.create_index("email", collation=ENGLISH_SECONDARY)
        indexes = {spec["name"]: spec for spec in await self.coll.list_indexes()}
        self.assertEqual(
            indexes["email_1"]["collation"],
            {
                "locale": "en",
                "caseLevel": False,
                "caseFirst": "off",
                "strength": 2,
                "numericOrdering": False,
                "alternate": "non-ignorable",
                "maxVariable": "punct",
                "normalization": False,
                "backwards": False,
                "version": "57.1",
            },
        )
        self.assertNotIn("collation", indexes["_id_"])
        # The same index asked for again (as Beanie's init_beanie does) is no change.
        await self.coll.create_index("email", collation=ENGLISH_SECONDARY)
        self.assertEqual(len(await self.coll.list_indexes()), 2)

    # -- collection default -----------------------------------------------------------------

    async def test_collection_default_collation_is_inherited(self):
        # https://www.mongodb.com/docs/manual/core/index-case-insensitive/ ("Case Insensitive
        # Indexes on Collections with a Default Collation")
        await self.db.create_collection("names", collation=Collation("en_US", strength=2))
        names = self.db["names"]
        await names.create_index("first_name")
        await names.insert_many(
            [{"first_name": "Betsy"}, {"first_name": "BETSY"}, {"first_name": "betsy"}]
        )
        self.assertEqual(len(await names.find({"first_name": "betsy"})), 3)
        self.assertEqual(
            len(await names.find({"first_name": "betsy"}, collation=Collation("en_US"))), 1
        )
        self.assertEqual(
            len(await names.find({"first_name": "betsy"}, collation=Collation("simple"))), 1
        )
        index = next(s for s in await names.list_indexes() if s["name"] == "first_name_1")
        self.assertEqual(
            (index["collation"]["locale"], index["collation"]["strength"]), ("en_US", 2)
        )
        info = next(c for c in await self.db.list_collections() if c["name"] == "names")
        self.assertEqual(info["options"]["collation"]["strength"], 2)
        self.assertEqual(info["options"]["collation"]["version"], "57.1")
        self.assertEqual(info["idIndex"]["collation"], info["options"]["collation"])
        # The _id index has the default collation too: "Ada" and "ADA" are one _id.
        await names.insert_one({"_id": "Ada"})
        with self.assertRaises(DuplicateKeyError) as caught:
            await names.insert_one({"_id": "ADA"})
        self.assertIn("index: _id_", str(caught.exception))
        self.assertEqual(await names.find_one({"_id": "ADA"}), {"_id": "Ada"})

    async def test_view_collation_is_the_views_own(self):
        # https://www.mongodb.com/docs/manual/reference/collation/#collation-and-views : a
        # view's default collation applies to operations on it, is not inherited from the
        # collection, and an operation that tries to override it fails.
        await self.coll.insert_many([{"_id": 1, "name": "Ann"}, {"_id": 2, "name": "ann"}])
        await self.db.command(
            {
                "create": "people",
                "viewOn": "items",
                "pipeline": [],
                "collation": {"locale": "en", "strength": 2},
            }
        )
        await self.db.command({"create": "plain", "viewOn": "items", "pipeline": []})
        people, plain = self.db["people"], self.db["plain"]
        self.assertEqual(len(await people.find({"name": "ANN"})), 2)
        self.assertEqual(await people.count_documents({"name": "ANN"}), 2)
        self.assertEqual(len(await people.find({"name": "ANN"}, collation=ENGLISH_SECONDARY)), 2)
        self.assertEqual(len(await plain.find({"name": "ANN"})), 0)
        with self.assertRaises(OperationFailure) as caught:
            await people.find({"name": "ANN"}, collation=Collation("en"))
        self.assertEqual(caught.exception.code, 167)
        info = next(c for c in await self.db.list_collections() if c["name"] == "people")
        self.assertEqual(info["options"]["collation"]["strength"], 2)

    # -- errors -----------------------------------------------------------------------------

    async def test_unsupported_locale_fails_with_not_implemented_naming_it(self):
        await self.coll.insert_one({"name": "ñu"})
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.find_one({"name": "nu"}, collation=Collation("es"))
        self.assertEqual(caught.exception.code, 238)
        self.assertIn("Collation locale 'es'", str(caught.exception))
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.create_index("name", collation=Collation("sv"))
        self.assertEqual(caught.exception.code, 238)

    async def test_invalid_collation_fails_as_mongod(self):
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.find_one({}, collation={"locale": "en", "strength": 9})
        self.assertEqual(caught.exception.code, 9)
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.find_one({}, collation={"locale": "en", "bogus": 1})
        self.assertEqual(caught.exception.code, 40415)


globals().update(for_each_client(CollationTests))
