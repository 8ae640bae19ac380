"""restoreTestData(): the class data back within a test, e.g. between sub-tests."""

import unittest

from asynctestkit import MongoTestCase
from tests._support import hide_server_side_snapshot, problems, run_suite

CASES = ("pay", "cancel", "refund")


class SubTestDataTests(MongoTestCase):
    @classmethod
    async def asyncSetUpTestData(cls):
        await cls.db.orders.insert_one({"_id": "o1", "status": "new", "history": []})
        await cls.db.orders.create_index("status")

    async def apply(self, action):
        await self.db.orders.update_one(
            {"_id": "o1"}, {"$set": {"status": action}, "$push": {"history": action}}
        )
        await self.db.extra.insert_one({"action": action})
        return await self.db.orders.find_one({"_id": "o1"})

    async def test_sub_tests_share_the_tests_data(self):
        # What restoreTestData is for: without it each sub-test sees the previous ones'.
        seen = []
        for action in CASES:
            with self.subTest(action=action):
                seen.append((await self.apply(action))["history"])
        self.assertEqual(seen, [["pay"], ["pay", "cancel"], ["pay", "cancel", "refund"]])

    async def test_each_sub_test_starts_from_the_class_data(self):
        for action in CASES:
            with self.subTest(action=action):
                await self.restoreTestData()
                order = await self.apply(action)
                self.assertEqual(order["history"], [action])
                await self.assertDocumentCount("extra", 1)
        await self.restoreTestData()
        # As on mongod (the generic path empties with deleteMany), a collection a sub-test
        # created stays, emptied.
        self.assertEqual(sorted(await self.db.list_collection_names()), ["extra", "orders"])
        await self.assertDocumentCount("extra", 0)
        indexes = await self.db.orders.index_information()
        self.assertIn("status_1", indexes)


class GenericRestoreSubTestTests(SubTestDataTests):
    """The same on the generic path (any MongoDB): deleteMany + insertMany."""

    @classmethod
    def setUpClass(cls):
        cls.addClassCleanup(hide_server_side_snapshot().stop)
        super().setUpClass()

    async def test_generic_path_is_taken(self):
        self.assertIsInstance(self._asynctestkitMongoSnapshot, dict)
        self.assertEqual(list(self._asynctestkitMongoSnapshot), ["orders"])


class ClassIsolationTests(unittest.TestCase):
    def test_class_isolation_keeps_no_copy(self):
        class Test(MongoTestCase):
            mongo_isolation = "class"

            async def test_x(self):
                await self.restoreTestData()

        [trace] = problems(run_suite(Test))
        self.assertIn(
            "RuntimeError: ClassIsolationTests.test_class_isolation_keeps_no_copy.<locals>."
            "Test.restoreTestData() needs mongo_isolation = 'test' (the default), which keeps "
            "a copy of the class data; ClassIsolationTests.test_class_isolation_keeps_no_copy."
            "<locals>.Test sets mongo_isolation = 'class'. Remove that setting, or undo the "
            "test's changes by hand.",
            trace,
        )
