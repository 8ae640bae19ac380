"""Client options: a FastAPI Users style model keyed by UUID needs uuidRepresentation."""

from __future__ import annotations

import datetime
import uuid

from beanie import Document, Indexed
from pydantic import Field

from asynctestkit import MongoTestCase


class User(Document):
    # FastAPI Users' Beanie set-up: UUID ids, which PyMongo stores only when the client
    # is made with uuidRepresentation="standard" (its default cannot encode uuid.UUID).
    id: uuid.UUID = Field(default_factory=uuid.uuid4)  # type: ignore[assignment]
    email: Indexed(str, unique=True)  # type: ignore[valid-type]
    joined: datetime.datetime

    class Settings:
        name = "users"


class UserTests(MongoTestCase):
    document_models = [User]
    # Passed to the class's client; the toolkit's own timeouts still apply.
    mongo_client_options = {"uuidRepresentation": "standard", "tz_aware": True}

    @classmethod
    async def asyncSetUpTestData(cls) -> None:
        joined = datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.timezone.utc)
        await User(email="ada@example.com", joined=joined).insert()

    async def test_user_is_found_by_uuid(self) -> None:
        ada = await User.find_one(User.email == "ada@example.com")
        assert ada is not None
        self.assertIsInstance(ada.id, uuid.UUID)
        self.assertEqual(await User.get(ada.id), ada)

    async def test_uuid_is_stored_as_a_standard_binary(self) -> None:
        raw = await self.db.users.find_one({"email": "ada@example.com"})
        self.assertIsInstance(raw["_id"], uuid.UUID)
        self.assertEqual(await self.db.users.count_documents({"_id": raw["_id"]}), 1)

    async def test_datetimes_come_back_aware(self) -> None:
        ada = await User.find_one(User.email == "ada@example.com")
        assert ada is not None
        self.assertEqual(ada.joined.utcoffset(), datetime.timedelta(0))
        self.assertEqual(
            ada.joined, datetime.datetime(2026, 1, 5, 9, 30, tzinfo=datetime.timezone.utc)
        )
