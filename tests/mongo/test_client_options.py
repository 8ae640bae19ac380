"""mongo_client_options: passed to the class's client (PyMongo async and motor), checked
by the driver at class set-up, over the toolkit's own timeouts."""

import datetime
import unittest
import uuid
import warnings
from unittest import mock

from asynctestkit import MongoTestCase
from tests._support import run_suite


class UuidClientTests(MongoTestCase):
    mongo_client_options = {"uuidRepresentation": "standard", "tz_aware": True}

    async def test_native_uuids_and_aware_datetimes_round_trip(self):
        key = uuid.uuid4()
        when = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.timezone.utc)
        await self.db.users.insert_one({"_id": key, "joined": when})
        found = await self.db.users.find_one({"_id": key})
        self.assertEqual(found["_id"], key)
        self.assertEqual(found["joined"], when)
        self.assertIsNotNone(found["joined"].tzinfo)

    async def test_toolkit_timeout_still_applies(self):
        self.assertEqual(self.mongo_client.options.server_selection_timeout, 3.0)


class DefaultClientTests(MongoTestCase):
    async def test_native_uuid_is_refused_without_the_option(self):
        # What the option is for: PyMongo's default cannot encode uuid.UUID.
        with self.assertRaisesRegex(ValueError, "cannot encode native uuid.UUID"):
            await self.db.users.insert_one({"_id": uuid.uuid4()})


class MotorUuidClientTests(MongoTestCase):
    mongo_driver = "motor"
    mongo_client_options = {"uuidRepresentation": "standard"}

    async def test_motor_client_gets_the_options(self):
        self.assertEqual(type(self.mongo_client).__name__, "AsyncIOMotorClient")
        key = uuid.uuid4()
        await self.db.users.insert_one({"_id": key})
        self.assertEqual((await self.db.users.find_one({}))["_id"], key)


class UserTimeoutTests(MongoTestCase):
    mongo_client_options = {"serverselectiontimeoutms": 7500}

    async def test_users_timeout_wins_in_any_spelling(self):
        self.assertEqual(self.mongo_client.options.server_selection_timeout, 7.5)


class BadOptionTests(unittest.TestCase):
    def class_error(self, options, driver="pymongo"):
        class Test(MongoTestCase):
            mongo_driver = driver
            mongo_client_options = options

            async def test_x(self):
                pass

        result = run_suite(Test)
        self.assertEqual(result.testsRun, 0)
        [(_, trace)] = result.errors
        return trace

    def test_bad_value_fails_the_class_with_the_drivers_message(self):
        for driver, client in (("pymongo", "AsyncMongoClient"), ("motor", "AsyncIOMotorClient")):
            with self.subTest(driver=driver):
                trace = self.class_error({"uuidRepresentation": "weird"}, driver)
                self.assertIn(
                    f"ValueError: BadOptionTests.class_error.<locals>.Test.mongo_client_options "
                    f"(keys: uuidRepresentation) was refused by {client}: weird is an invalid "
                    f"UUID representation. Must be one of",
                    trace,
                )
                self.assertIn(f"Fix the class attribute: its entries are {client}'s", trace)

    def test_unknown_option_names_the_close_ones(self):
        trace = self.class_error({"tz_awre": True, "uuidRepresentation": "standard"})
        self.assertIn(
            "pymongo.errors.ConfigurationError: BadOptionTests.class_error.<locals>.Test."
            "mongo_client_options (keys: tz_awre, uuidRepresentation) was refused by "
            "AsyncMongoClient: Unknown option: tz_awre. Did you mean one of (tz_aware",
            trace,
        )

    def test_not_a_mapping(self):
        trace = self.class_error([("tz_aware", True)])
        self.assertIn(
            "TypeError: BadOptionTests.class_error.<locals>.Test.mongo_client_options is a "
            "list, not valid: it must be a mapping of client keyword arguments with string "
            "keys",
            trace,
        )

    def test_a_bad_uri_is_not_blamed_on_the_options(self):
        class Test(MongoTestCase):
            mongo_uri = "mongodb://127.0.0.1:1/?uuidRepresentation=weird"
            mongo_client_options = {"tz_aware": True}

            async def test_x(self):
                pass

        with mock.patch.dict("os.environ", {"MONGODB_URI": ""}), warnings.catch_warnings():
            # PyMongo warns about a bad URI option (and then ignores it); make it an error.
            warnings.simplefilter("error", UserWarning)
            [(_, trace)] = run_suite(Test).errors
        self.assertNotIn("mongo_client_options", trace)
        # PyMongo 4.20: "Invalid UUID representation..."; 4.19: "weird is an invalid UUID ...".
        self.assertRegex(trace, r"UserWarning: (weird is an i|I)nvalid UUID representation")
