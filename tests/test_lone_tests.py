"""A test a runner runs alone (outside any suite) gets its class set-up around it."""

import io
import unittest

from asynctestkit import AsyncTestCase


def make_class(events):
    class Test(AsyncTestCase):
        @classmethod
        def setUpClass(cls):
            events.append("setUpClass")
            super().setUpClass()

        @classmethod
        async def asyncSetUpClass(cls):
            events.append("asyncSetUpClass")
            cls.ready = True

        @classmethod
        async def asyncTearDownClass(cls):
            events.append("asyncTearDownClass")

        async def test_a(self):
            events.append("test_a")
            self.assertTrue(self.ready)

        async def test_b(self):
            events.append("test_b")
            self.assertTrue(self.ready)

    return Test


class LoneTestTests(unittest.TestCase):
    def test_a_runner_given_one_test_runs_its_class_set_up(self):
        events = []
        Test = make_class(events)
        result = unittest.TestResult()
        Test("test_a").run(result)  # what unittest-parallel --level test does, via its runner
        self.assertEqual((result.errors, result.failures, result.testsRun), ([], [], 1))
        self.assertEqual(events, ["setUpClass", "asyncSetUpClass", "test_a", "asyncTearDownClass"])

    def test_one_result_for_several_lone_tests(self):
        events = []
        Test = make_class(events)
        result = unittest.TestResult()
        Test("test_a").run(result)
        Test("test_b").run(result)
        self.assertEqual((result.errors, result.failures, result.testsRun), ([], [], 2))
        self.assertEqual(events.count("asyncSetUpClass"), 2)
        self.assertEqual(events.count("asyncTearDownClass"), 2)

    def test_text_test_runner_with_a_single_test(self):
        events = []
        Test = make_class(events)
        result = unittest.TextTestRunner(stream=io.StringIO()).run(Test("test_b"))
        self.assertTrue(result.wasSuccessful())
        self.assertEqual(events, ["setUpClass", "asyncSetUpClass", "test_b", "asyncTearDownClass"])

    def test_inside_a_suite_the_class_is_set_up_once(self):
        events = []
        Test = make_class(events)
        result = unittest.TestResult()
        unittest.TestSuite([Test("test_a"), Test("test_b")]).run(result)
        self.assertEqual(result.testsRun, 2)
        self.assertEqual(
            events, ["setUpClass", "asyncSetUpClass", "test_a", "test_b", "asyncTearDownClass"]
        )

    def test_set_up_class_without_super_still_names_the_fix(self):
        class Test(AsyncTestCase):
            @classmethod
            def setUpClass(cls):
                pass  # forgot super().setUpClass()

            @classmethod
            async def asyncSetUpClass(cls):
                pass

            async def test_x(self):
                pass

        result = unittest.TestResult()
        Test("test_x").run(result)
        [(_, trace)] = result.errors
        self.assertIn("ran without its class set-up", trace)
        self.assertIn("call super().setUpClass() first", trace)


class LoneMongoTestTests(unittest.TestCase):
    def test_a_lone_mongo_test_gets_its_database_and_test_data(self):
        from asynctestkit import MongoTestCase

        class Test(MongoTestCase):
            @classmethod
            async def asyncSetUpTestData(cls):
                await cls.db.items.insert_one({"sku": "mug"})

            async def test_x(self):
                await self.assertDocumentCount("items", 1)

        result = unittest.TestResult()
        Test("test_x").run(result)
        self.assertEqual((result.errors, result.failures, result.testsRun), ([], [], 1))
