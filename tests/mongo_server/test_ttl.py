"""TTL indexes: the TTL monitor's passes, on the embedded server's per-database TTL clock.

Expected behaviour from MongoDB's manual:

- https://www.mongodb.com/docs/manual/core/index-ttl/ (expiration of data: dates and
  arrays of dates, the earliest date; non-date values never expire; the monitor runs every
  60 seconds, deletion is not immediate; partial TTL indexes; compound indexes ignore
  expireAfterSeconds; collMod changes expireAfterSeconds)
- https://www.mongodb.com/docs/manual/tutorial/expire-data/ (expire after a number of
  seconds; expire at a specific clock time with expireAfterSeconds: 0)

``asynctestkitTTLMonitor`` is the toolkit's own command (mongod has none): one pass over
the database now, after moving its TTL clock by ``advance`` seconds.
"""

from __future__ import annotations

import datetime

from pymongo.errors import OperationFailure

from tests.mongo_server._conformance import for_each_client
from tests.mongo_server.test_change_streams import Watching

HOUR = 3600


def _now() -> datetime.datetime:
    # BSON dates have millisecond precision.
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class TTLTests(Watching):
    async def ttl_pass(self, advance: float = 0) -> int:
        command: dict[str, object] = {"asynctestkitTTLMonitor": 1}
        if advance:
            command["advance"] = advance
        reply = await self.db.command(command)
        return int(reply["deleted"])

    async def ids(self) -> list[object]:
        return [doc["_id"] for doc in await self.coll.find({}, sort=[("_id", 1)])]

    async def test_expire_after_seconds(self):
        # expire-data: "expire documents after a specified number of seconds".
        await self.coll.create_index("createdAt", expireAfterSeconds=HOUR)
        await self.coll.insert_many([{"_id": 1, "createdAt": _now()}, {"_id": 2}])
        self.assertEqual(await self.ttl_pass(), 0)
        self.assertEqual(await self.ttl_pass(advance=HOUR - 60), 0)
        self.assertEqual(await self.ids(), [1, 2])
        self.assertEqual(await self.ttl_pass(advance=120), 1)
        # No createdAt field: the document never expires.
        self.assertEqual(await self.ids(), [2])

    async def test_deletion_waits_for_a_pass(self):
        # index-ttl: "The TTL index does not guarantee that expired data is deleted
        # immediately upon expiration" - the background task runs every 60 seconds.
        await self.coll.create_index("at", expireAfterSeconds=1)
        await self.coll.insert_one({"_id": 1, "at": datetime.datetime(2000, 1, 1)})
        self.assertEqual(await self.coll.count_documents({}), 1)
        self.assertEqual(
            await self.coll.find_one({"_id": 1}), {"_id": 1, "at": datetime.datetime(2000, 1, 1)}
        )
        self.assertEqual(await self.ttl_pass(), 1)
        self.assertEqual(await self.coll.count_documents({}), 0)

    async def test_array_of_dates_expires_by_the_earliest(self):
        # index-ttl: "If the field is an array, and there are multiple date values in the
        # index, MongoDB uses lowest (earliest) date value in the array".
        now = _now()
        await self.coll.create_index("at", expireAfterSeconds=HOUR)
        await self.coll.insert_many(
            [
                {"_id": 1, "at": [now + datetime.timedelta(days=2), now]},
                {"_id": 2, "at": [now + datetime.timedelta(days=2), "not a date"]},
                {"_id": 3, "at": []},
            ]
        )
        self.assertEqual(await self.ttl_pass(advance=2 * HOUR), 1)
        self.assertEqual(await self.ids(), [2, 3])
        self.assertEqual(await self.ttl_pass(advance=3 * 24 * HOUR), 1)
        self.assertEqual(await self.ids(), [3])

    async def test_values_that_are_not_dates_never_expire(self):
        # index-ttl: "If the indexed field in a document is not a date or an array that
        # holds one or more date values, the document will not expire."
        await self.coll.create_index("at", expireAfterSeconds=0)
        await self.coll.insert_many(
            [
                {"_id": 1, "at": "2000-01-01"},
                {"_id": 2, "at": 946684800},
                {"_id": 3, "at": None},
                {"_id": 4, "at": {"date": datetime.datetime(2000, 1, 1)}},
            ]
        )
        self.assertEqual(await self.ttl_pass(advance=100 * 365 * 24 * HOUR), 0)
        self.assertEqual(await self.ids(), [1, 2, 3, 4])

    async def test_expire_at_a_clock_time(self):
        # expire-data: expireAfterSeconds 0 and the expiry date in the field.
        now = _now()
        await self.coll.create_index("expireAt", expireAfterSeconds=0)
        await self.coll.insert_many(
            [
                {"_id": 1, "expireAt": now + datetime.timedelta(minutes=5)},
                {"_id": 2, "expireAt": now + datetime.timedelta(days=1)},
            ]
        )
        self.assertEqual(await self.ttl_pass(advance=10 * 60), 1)
        self.assertEqual(await self.ids(), [2])

    async def test_embedded_field(self):
        await self.coll.create_index("meta.at", expireAfterSeconds=60)
        await self.coll.insert_many(
            [
                {"_id": 1, "meta": {"at": datetime.datetime(2000, 1, 1)}},
                {"_id": 2, "meta": [{"at": "x"}, {"at": datetime.datetime(2000, 1, 1)}]},
                {"_id": 3, "meta": {"at": _now()}},
            ]
        )
        self.assertEqual(await self.ttl_pass(), 2)
        self.assertEqual(await self.ids(), [3])

    async def test_partial_ttl_index(self):
        # index-ttl: partial indexes - only documents matching the filter expire.
        await self.coll.create_index(
            "at", expireAfterSeconds=60, partialFilterExpression={"kind": "temp"}
        )
        old = datetime.datetime(2000, 1, 1)
        await self.coll.insert_many(
            [{"_id": 1, "at": old, "kind": "temp"}, {"_id": 2, "at": old, "kind": "keep"}]
        )
        self.assertEqual(await self.ttl_pass(), 1)
        self.assertEqual(await self.ids(), [2])

    async def test_coll_mod_changes_expire_after_seconds(self):
        # index-ttl: "To change the expireAfterSeconds value of a TTL index, use collMod".
        await self.coll.create_index("at", expireAfterSeconds=HOUR, name="at_ttl")
        await self.coll.insert_one({"_id": 1, "at": _now()})
        self.assertEqual(await self.ttl_pass(advance=10 * 60), 0)
        reply = await self.db.command(
            {"collMod": "items", "index": {"name": "at_ttl", "expireAfterSeconds": 60}}
        )
        self.assertEqual(
            (reply["expireAfterSeconds_old"], reply["expireAfterSeconds_new"]), (HOUR, 60)
        )
        self.assertEqual(await self.ttl_pass(), 1)

    async def test_compound_index_is_not_a_ttl_index(self):
        # index-ttl: "Compound indexes do not support TTL and ignore the expireAfterSeconds
        # option."
        await self.coll.create_index([("at", 1), ("k", 1)], expireAfterSeconds=1)
        await self.coll.insert_one({"_id": 1, "at": datetime.datetime(2000, 1, 1), "k": 1})
        self.assertEqual(await self.ttl_pass(), 0)
        self.assertEqual(await self.ids(), [1])

    async def test_the_ttl_clock_is_per_database(self):
        other = self.client[self.db_name + "_other"]
        self.addAsyncCleanup(self.client.drop_database, self.db_name + "_other")
        for db in (self.db, other):
            await db["items"].create_index("at", expireAfterSeconds=HOUR)
            await db["items"].insert_one({"_id": 1, "at": _now()})
        self.assertEqual(await self.ttl_pass(advance=2 * HOUR), 1)
        self.assertEqual(int((await other.command({"asynctestkitTTLMonitor": 1}))["deleted"]), 0)
        self.assertEqual(await other["items"].count_documents({}), 1)

    async def test_expired_documents_are_delete_events(self):
        # Documents the TTL monitor removes are deletes in change streams, as on mongod.
        await self.coll.create_index("at", expireAfterSeconds=1)
        await self.coll.insert_one({"_id": 1, "at": datetime.datetime(2000, 1, 1)})
        stream = await self.watch()
        self.assertEqual(await self.ttl_pass(), 1)
        event = await stream.next()
        self.assertEqual((event["operationType"], event["documentKey"]), ("delete", {"_id": 1}))

    async def test_bad_advance(self):
        for value in (-1, "1h", True):
            with self.assertRaises(OperationFailure) as caught:
                await self.db.command({"asynctestkitTTLMonitor": 1, "advance": value})
            self.assertEqual(caught.exception.code, 2)
            self.assertIn("must be a number of seconds >= 0", str(caught.exception))

    async def test_time_series_collection_expires_by_its_time_field(self):
        # core/timeseries/timeseries-automatic-removal: expireAfterSeconds on the collection.
        await self.db.command(
            {"create": "items", "timeseries": {"timeField": "ts"}, "expireAfterSeconds": HOUR}
        )
        await self.coll.insert_many(
            [{"_id": 1, "ts": _now()}, {"_id": 2, "ts": datetime.datetime(2000, 1, 1)}]
        )
        self.assertEqual(await self.ttl_pass(), 1)
        self.assertEqual(await self.ids(), [1])
        self.assertEqual(await self.ttl_pass(advance=2 * HOUR), 1)


globals().update(for_each_client(TTLTests))
