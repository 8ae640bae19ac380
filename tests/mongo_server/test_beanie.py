"""Beanie 2.x on AsyncMongoClient against the embedded server: the ODM's everyday features."""

import unittest

import pymongo
from beanie import Document, Indexed, Link, init_beanie
from beanie.exceptions import RevisionIdWasChanged
from beanie.odm.fields import WriteRules
from beanie.odm.operators.update.general import Inc, Set
from pydantic import BaseModel
from pymongo import IndexModel
from pymongo.collation import Collation
from pymongo.errors import DuplicateKeyError

from asynctestkit.mongo import acquire_shared_server, release_shared_server


class Door(Document):
    height: int = 2

    class Settings:
        name = "doors"


class Address(BaseModel):
    city: str


class House(Document):
    name: Indexed(str, unique=True)
    rooms: int = 1
    address: Address | None = None
    door: Link[Door] | None = None

    class Settings:
        name = "houses"
        use_state_management = True


class Account(Document):
    owner: str
    balance: int = 0

    class Settings:
        name = "accounts"
        use_revision = True


class User(Document):
    """The usual user model: emails unique whatever their case."""

    email: str

    class Settings:
        name = "users"
        indexes = [IndexModel("email", unique=True, collation=Collation("en", strength=2))]


class _NameOnly(BaseModel):
    name: str


MODELS = [Door, House, Account, User]


class BeanieTests(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = acquire_shared_server()
        cls.addClassCleanup(release_shared_server)

    async def asyncSetUp(self):
        self.client = pymongo.AsyncMongoClient(self.server.uri)
        self.addAsyncCleanup(self.client.close)
        self.addAsyncCleanup(self.client.drop_database, "beanie_conf")
        await init_beanie(database=self.client.beanie_conf, document_models=MODELS)

    async def test_init_creates_indexes(self):
        info = await House.get_pymongo_collection().index_information()
        self.assertTrue(info["name_1"]["unique"])

    async def test_case_insensitive_unique_email(self):
        # https://www.mongodb.com/docs/manual/core/index-case-insensitive/ : at strength 2
        # "Ann@Example.com" and "ann@example.com" are one key of the unique index.
        await User(email="Ann@Example.com").insert()
        with self.assertRaises(DuplicateKeyError):
            await User(email="ann@example.COM").insert()
        found = await User.find(
            User.email == "ANN@EXAMPLE.COM", collation=Collation("en", strength=2)
        ).to_list()
        self.assertEqual([u.email for u in found], ["Ann@Example.com"])
        self.assertEqual(await User.find(User.email == "ANN@EXAMPLE.COM").count(), 0)
        # init_beanie again (another test class, another process) finds the index as it is.
        await init_beanie(database=self.client.beanie_conf, document_models=MODELS)
        info = await User.get_pymongo_collection().index_information()
        self.assertEqual(info["email_1"]["collation"]["strength"], 2)

    async def test_crud(self):
        house = await House(name="a", rooms=2).insert()
        fetched = await House.get(house.id)
        self.assertEqual(fetched.rooms, 2)
        fetched.rooms = 3
        await fetched.save()
        self.assertEqual((await House.get(house.id)).rooms, 3)
        await fetched.delete()
        self.assertIsNone(await House.get(house.id))

    async def test_find_chains(self):
        await House.insert_many([House(name=f"h{i}", rooms=i) for i in range(6)])
        found = await House.find(House.rooms >= 2).sort(-House.rooms).skip(1).limit(2).to_list()
        self.assertEqual([h.rooms for h in found], [4, 3])
        self.assertEqual(await House.find(House.rooms < 3).count(), 3)
        projected = await House.find(House.rooms == 1).project(_NameOnly).to_list()
        self.assertEqual(projected, [_NameOnly(name="h1")])
        first = await House.find_one(House.name == "h5")
        self.assertEqual(first.rooms, 5)

    async def test_update_operators_and_upsert(self):
        await House(name="u", rooms=1).insert()
        await House.find(House.name == "u").update(Inc({House.rooms: 2}))
        self.assertEqual((await House.find_one(House.name == "u")).rooms, 3)
        await House.find_one(House.name == "new").upsert(
            Set({House.rooms: 9}), on_insert=House(name="new", rooms=7)
        )
        self.assertEqual((await House.find_one(House.name == "new")).rooms, 7)

    async def test_aggregation(self):
        await House.insert_many([House(name=f"g{i}", rooms=i % 2) for i in range(5)])
        result = await House.aggregate(
            [{"$group": {"_id": "$rooms", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}]
        ).to_list()
        self.assertEqual(result, [{"_id": 0, "n": 3}, {"_id": 1, "n": 2}])

    async def test_links_and_fetch_links(self):
        house = House(name="linked", door=Door(height=3))
        await house.insert(link_rule=WriteRules.WRITE)
        fetched = await House.find_one(House.name == "linked", fetch_links=True)
        self.assertIsInstance(fetched.door, Door)
        self.assertEqual(fetched.door.height, 3)
        lazy = await House.find_one(House.name == "linked")
        self.assertIsInstance(lazy.door, Link)
        await lazy.fetch_all_links()
        self.assertEqual(lazy.door.height, 3)
        by_link = await House.find(House.door.height == 3, fetch_links=True).to_list()
        self.assertEqual([h.name for h in by_link], ["linked"])

    async def test_unique_index_violation(self):
        await House(name="dup").insert()
        with self.assertRaises(DuplicateKeyError):
            await House(name="dup").insert()

    async def test_state_management_saves_changes_only(self):
        house = await House(name="s", rooms=1, address=Address(city="Oslo")).insert()
        house.rooms = 4
        self.assertEqual(house.get_changes(), {"rooms": 4})
        await house.save_changes()
        self.assertEqual((await House.get(house.id)).rooms, 4)

    async def test_revision_detects_concurrent_change(self):
        account = await Account(owner="a").insert()
        stale = await Account.get(account.id)
        account.balance = 10
        await account.save()
        stale.balance = 20
        with self.assertRaises(RevisionIdWasChanged):
            await stale.save()
        self.assertEqual((await Account.get(account.id)).balance, 10)

    async def test_bulk_writer(self):
        from beanie import BulkWriter

        async with BulkWriter() as writer:
            for i in range(3):
                await Door.insert_one(Door(height=i), bulk_writer=writer)
            await Door.find(Door.height == 0).update(Inc({Door.height: 10}), bulk_writer=writer)
        self.assertEqual(sorted(d.height for d in await Door.find_all().to_list()), [1, 2, 10])

    async def test_transaction_commit_and_abort(self):
        async with self.client.start_session() as session:
            async with await session.start_transaction():
                await Door(height=11).insert(session=session)
                self.assertEqual(await Door.find(Door.height == 11).count(), 0)
        self.assertEqual(await Door.find(Door.height == 11).count(), 1)
        async with self.client.start_session() as session:
            transaction = await session.start_transaction()
            async with transaction:
                await Door(height=12).insert(session=session)
                await session.abort_transaction()
        self.assertEqual(await Door.find(Door.height == 12).count(), 0)
