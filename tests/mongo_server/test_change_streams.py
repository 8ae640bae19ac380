"""Change streams: watch() on a collection, a database and the deployment, every driver.

Expected values come from MongoDB's manual; each test cites the page:

- events: https://www.mongodb.com/docs/manual/reference/change-events/ (one page per
  operationType: insert, update, replace, delete, drop, rename, dropDatabase, invalidate)
- https://www.mongodb.com/docs/manual/changeStreams/ (scope, pipeline stages allowed,
  updateLookup, pre- and post-images, resuming)
- https://www.mongodb.com/docs/manual/reference/command/getMore/ (maxTimeMS on awaitData)
"""

from __future__ import annotations

import asyncio
import datetime
import threading
import time
import unittest
from typing import Any
from unittest import mock

import pymongo
from bson.timestamp import Timestamp
from pymongo.errors import OperationFailure

from asynctestkit.mongo import EmbeddedMongoServer
from tests.mongo_server._conformance import _resolve, for_each_client

_WAIT_MS = 2000  # maxAwaitTimeMS of the streams that expect an event
_IDLE_MS = 50  # maxAwaitTimeMS of the streams that expect none


class _Stream:
    """A change stream of any driver, with awaitable next/try_next/close."""

    def __init__(self, stream: Any) -> None:
        self.raw = stream

    async def next(self) -> Any:
        return await _resolve(self.raw.next())

    async def try_next(self) -> Any:
        return await _resolve(self.raw.try_next())

    async def close(self) -> None:
        await _resolve(self.raw.close())

    @property
    def resume_token(self) -> Any:
        return self.raw.resume_token

    @property
    def alive(self) -> bool:
        return bool(self.raw.alive)


class Watching:
    """watch() through any driver, for conformance classes."""

    async def watch(self, target: Any = None, pipeline: Any = None, **options: Any) -> _Stream:
        target = self.coll if target is None else target
        options.setdefault("max_await_time_ms", _WAIT_MS)
        raw = await _resolve(target.raw.watch(pipeline, **options))
        self.addAsyncCleanup(_Stream(raw).close)
        enter = getattr(raw, "__aenter__", None)
        if enter is not None:
            # `async with` opens the stream now; motor's watch() alone opens it on first read.
            raw = await enter()
        return _Stream(raw)

    async def watch_error(self, target: Any = None, pipeline: Any = None, **options: Any) -> Any:
        """The error opening the stream raises (motor's watch() opens it on first read)."""
        with self.assertRaises(OperationFailure) as caught:
            stream = await self.watch(target, pipeline, max_await_time_ms=_IDLE_MS, **options)
            await stream.try_next()
        return caught.exception

    async def events(self, stream: _Stream, count: int) -> list[dict[str, Any]]:
        return [await stream.next() for _ in range(count)]


class ChangeStreamTests(Watching):
    # -- https://www.mongodb.com/docs/manual/reference/change-events/insert/ -------------

    async def test_insert_event(self):
        stream = await self.watch()
        await self.coll.insert_one({"_id": 1, "name": "a"})
        event = await stream.next()
        self.assertEqual(event["operationType"], "insert")
        self.assertEqual(event["fullDocument"], {"_id": 1, "name": "a"})
        self.assertEqual(event["ns"], {"db": self.db_name, "coll": "items"})
        self.assertEqual(event["documentKey"], {"_id": 1})
        self.assertIsInstance(event["clusterTime"], Timestamp)
        self.assertIsInstance(event["wallTime"], datetime.datetime)
        self.assertEqual(list(event["_id"]), ["_data"])
        self.assertIsInstance(event["_id"]["_data"], str)
        self.assertNotIn("updateDescription", event)

    async def test_each_document_of_insert_many_is_an_event_in_order(self):
        stream = await self.watch()
        await self.coll.insert_many([{"_id": i} for i in range(3)])
        events = await self.events(stream, 3)
        self.assertEqual([e["documentKey"] for e in events], [{"_id": 0}, {"_id": 1}, {"_id": 2}])
        times = [e["clusterTime"] for e in events]
        self.assertEqual(times, sorted(times))
        tokens = [e["_id"]["_data"] for e in events]
        self.assertEqual(tokens, sorted(set(tokens)))

    # -- https://www.mongodb.com/docs/manual/reference/change-events/update/ -------------

    async def test_update_event_describes_the_change(self):
        await self.coll.insert_one({"_id": 1, "a": 1, "b": 1, "tags": ["x"], "sub": {"c": 1}})
        stream = await self.watch()
        await self.coll.update_one(
            {"_id": 1},
            {"$set": {"a": 2, "sub.c": 2}, "$unset": {"b": ""}, "$push": {"tags": "y"}},
        )
        event = await stream.next()
        self.assertEqual(event["operationType"], "update")
        self.assertEqual(event["documentKey"], {"_id": 1})
        self.assertNotIn("fullDocument", event)
        self.assertEqual(
            event["updateDescription"],
            {
                # $push appends: the new element by index; $set of a dotted path: that path.
                "updatedFields": {"a": 2, "sub.c": 2, "tags.1": "y"},
                "removedFields": ["b"],
                "truncatedArrays": [],
            },
        )

    async def test_set_of_a_whole_field_reports_the_whole_value(self):
        await self.coll.insert_one({"_id": 1, "sub": {"c": 1, "d": 1}, "tags": ["x"]})
        stream = await self.watch()
        await self.coll.update_one(
            {"_id": 1}, {"$set": {"sub": {"c": 1, "d": 2}}, "$addToSet": {"tags": "y"}}
        )
        event = await stream.next()
        self.assertEqual(
            event["updateDescription"]["updatedFields"],
            {"sub": {"c": 1, "d": 2}, "tags": ["x", "y"]},
        )

    async def test_pipeline_update_reports_truncated_arrays(self):
        # "truncatedArrays: array truncations performed with pipeline-based updates".
        await self.coll.insert_one({"_id": 1, "arr": [1, 2, 3, 4]})
        stream = await self.watch()
        await self.coll.update_one({"_id": 1}, [{"$set": {"arr": [1, 5]}}])
        event = await stream.next()
        self.assertEqual(
            event["updateDescription"],
            {
                "updatedFields": {"arr.1": 5},
                "removedFields": [],
                "truncatedArrays": [{"field": "arr", "newSize": 2}],
            },
        )

    async def test_an_update_that_changes_nothing_is_no_event(self):
        await self.coll.insert_one({"_id": 1, "a": 1})
        stream = await self.watch()
        await self.coll.update_one({"_id": 1}, {"$set": {"a": 1}})
        await self.coll.update_one({"_id": 1}, {"$set": {"a": 2}})
        event = await stream.next()
        self.assertEqual(event["updateDescription"]["updatedFields"], {"a": 2})

    async def test_update_many_is_one_event_per_document(self):
        await self.coll.insert_many([{"_id": i, "n": 0} for i in range(3)])
        stream = await self.watch()
        await self.coll.update_many({"_id": {"$gte": 1}}, {"$inc": {"n": 1}})
        events = await self.events(stream, 2)
        self.assertEqual([e["documentKey"] for e in events], [{"_id": 1}, {"_id": 2}])

    async def test_upsert_is_an_insert_event(self):
        stream = await self.watch()
        await self.coll.update_one({"_id": 7}, {"$set": {"a": 1}}, upsert=True)
        event = await stream.next()
        self.assertEqual(event["operationType"], "insert")
        self.assertEqual(event["fullDocument"], {"_id": 7, "a": 1})

    async def test_full_document_update_lookup(self):
        # changeStreams/#lookup-full-document-for-update-operations: the current version.
        await self.coll.insert_one({"_id": 1, "n": 0})
        stream = await self.watch(full_document="updateLookup")
        await self.coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
        await self.coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
        first = await stream.next()
        self.assertEqual(first["updateDescription"]["updatedFields"], {"n": 1})
        self.assertEqual(first["fullDocument"], {"_id": 1, "n": 2})
        await self.coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
        await self.coll.delete_one({"_id": 1})
        events = await self.events(stream, 3)
        # The document is gone when the update's event is read: fullDocument is null.
        self.assertIsNone(events[1]["fullDocument"])
        self.assertEqual(events[2]["operationType"], "delete")
        self.assertNotIn("fullDocument", events[2])

    # -- replace and delete ---------------------------------------------------------------

    async def test_replace_event(self):
        # https://www.mongodb.com/docs/manual/reference/change-events/replace/
        await self.coll.insert_one({"_id": 1, "a": 1})
        stream = await self.watch()
        await self.coll.replace_one({"_id": 1}, {"b": 2})
        event = await stream.next()
        self.assertEqual(event["operationType"], "replace")
        self.assertEqual(event["fullDocument"], {"_id": 1, "b": 2})
        self.assertEqual(event["documentKey"], {"_id": 1})
        self.assertNotIn("updateDescription", event)

    async def test_delete_event(self):
        # https://www.mongodb.com/docs/manual/reference/change-events/delete/
        await self.coll.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3}])
        stream = await self.watch()
        await self.coll.delete_one({"_id": 2})
        await self.coll.find_one_and_delete({"_id": 3})
        await self.coll.delete_many({})
        events = await self.events(stream, 3)
        self.assertEqual([e["operationType"] for e in events], ["delete"] * 3)
        self.assertEqual([e["documentKey"] for e in events], [{"_id": 2}, {"_id": 3}, {"_id": 1}])
        self.assertNotIn("fullDocument", events[0])

    async def test_find_one_and_update_and_replace(self):
        await self.coll.insert_one({"_id": 1, "n": 1})
        stream = await self.watch()
        await self.coll.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}})
        await self.coll.find_one_and_replace({"_id": 1}, {"n": 9})
        update, replace = await self.events(stream, 2)
        self.assertEqual(update["updateDescription"]["updatedFields"], {"n": 2})
        self.assertEqual(replace["operationType"], "replace")
        self.assertEqual(replace["fullDocument"], {"_id": 1, "n": 9})

    # -- drop, rename, dropDatabase, invalidate -------------------------------------------

    async def test_drop_then_invalidate_closes_a_collection_stream(self):
        # https://www.mongodb.com/docs/manual/reference/change-events/invalidate/: "after a
        # drop or rename of the collection being watched", and the stream closes.
        await self.coll.insert_one({"_id": 1})
        stream = await self.watch()
        await self.coll.drop()
        drop, invalidate = await self.events(stream, 2)
        self.assertEqual(drop["operationType"], "drop")
        self.assertEqual(drop["ns"], {"db": self.db_name, "coll": "items"})
        self.assertEqual(invalidate["operationType"], "invalidate")
        self.assertEqual(invalidate["clusterTime"], drop["clusterTime"])
        self.assertEqual(set(invalidate), {"_id", "operationType", "clusterTime", "wallTime"})
        self.assertFalse(stream.alive)

    async def test_rename_then_invalidate(self):
        # https://www.mongodb.com/docs/manual/reference/change-events/rename/
        await self.coll.insert_one({"_id": 1})
        stream = await self.watch()
        await self.coll.rename("renamed")
        rename, invalidate = await self.events(stream, 2)
        self.assertEqual(rename["operationType"], "rename")
        self.assertEqual(rename["ns"], {"db": self.db_name, "coll": "items"})
        self.assertEqual(rename["to"], {"db": self.db_name, "coll": "renamed"})
        self.assertEqual(invalidate["operationType"], "invalidate")

    async def test_database_stream_sees_drops_then_drop_database_then_invalidate(self):
        # https://www.mongodb.com/docs/manual/reference/change-events/dropDatabase/
        await self.coll.insert_one({"_id": 1})
        stream = await self.watch(self.db)
        await self.client.drop_database(self.db_name)
        drop, drop_database, invalidate = await self.events(stream, 3)
        self.assertEqual((drop["operationType"], drop["ns"]["coll"]), ("drop", "items"))
        self.assertEqual(drop_database["operationType"], "dropDatabase")
        self.assertEqual(drop_database["ns"], {"db": self.db_name})
        self.assertEqual(invalidate["operationType"], "invalidate")

    # -- scope ----------------------------------------------------------------------------

    async def test_database_stream_sees_only_its_database(self):
        other = self.client[self.db_name + "_other"]
        self.addAsyncCleanup(self.client.drop_database, self.db_name + "_other")
        stream = await self.watch(self.db)
        await other["items"].insert_one({"_id": "elsewhere"})
        await self.db["a"].insert_one({"_id": "a"})
        await self.db["b"].insert_one({"_id": "b"})
        events = await self.events(stream, 2)
        self.assertEqual([e["ns"]["coll"] for e in events], ["a", "b"])
        self.assertEqual({e["ns"]["db"] for e in events}, {self.db_name})

    async def test_collection_stream_sees_only_its_collection(self):
        stream = await self.watch()
        await self.db["other"].insert_one({"_id": "other"})
        await self.coll.insert_one({"_id": "mine"})
        event = await stream.next()
        self.assertEqual(event["documentKey"], {"_id": "mine"})

    async def test_deployment_stream_sees_every_database(self):
        other = self.db_name + "_other"
        self.addAsyncCleanup(self.client.drop_database, other)
        stream = await self.watch(self.client)
        await self.coll.insert_one({"_id": 1})
        await self.client[other]["x"].insert_one({"_id": 2})
        events = await self.events(stream, 2)
        self.assertEqual(
            [e["ns"] for e in events],
            [{"db": self.db_name, "coll": "items"}, {"db": other, "coll": "x"}],
        )

    # -- the pipeline after $changeStream ---------------------------------------------------

    async def test_match_and_project(self):
        # changeStreams/#modify-change-stream-output
        stream = await self.watch(
            pipeline=[
                {"$match": {"operationType": "insert", "fullDocument.keep": True}},
                {"$project": {"operationType": 1, "fullDocument.n": 1}},
            ]
        )
        await self.coll.insert_one({"_id": 1, "n": 1, "keep": False})
        await self.coll.insert_one({"_id": 2, "n": 2, "keep": True})
        event = await stream.next()
        self.assertEqual(set(event), {"_id", "operationType", "fullDocument"})
        self.assertEqual(event["fullDocument"], {"n": 2})

    async def test_add_fields_set_unset_replace_root(self):
        stream = await self.watch(
            pipeline=[
                {"$addFields": {"kind": "$operationType"}},
                {"$set": {"doubled": {"$multiply": ["$fullDocument.n", 2]}}},
                {"$unset": ["wallTime", "clusterTime"]},
                {
                    "$replaceRoot": {
                        "newRoot": {"_id": "$_id", "kind": "$kind", "doubled": "$doubled"}
                    }
                },
            ]
        )
        await self.coll.insert_one({"_id": 1, "n": 21})
        event = await stream.next()
        self.assertEqual(set(event), {"_id", "kind", "doubled"})
        self.assertEqual((event["kind"], event["doubled"]), ("insert", 42))

    async def test_removing_the_resume_token_fails(self):
        stream = await self.watch(pipeline=[{"$project": {"_id": 0}}])
        await self.coll.insert_one({"_id": 1})
        with self.assertRaises(OperationFailure) as caught:
            await stream.next()
        self.assertEqual(caught.exception.code, 280)
        self.assertIn("Encountered an event whose _id field", str(caught.exception))

    async def test_stages_not_allowed_after_change_stream(self):
        error = await self.watch_error(pipeline=[{"$group": {"_id": None}}])
        self.assertEqual(error.code, 20)
        self.assertIn("$group is not permitted in a $changeStream pipeline", str(error))

    async def test_change_stream_must_be_first(self):
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.aggregate([{"$match": {}}, {"$changeStream": {}}])
        self.assertEqual(caught.exception.code, 40602)

    async def test_unknown_option_and_two_resume_points(self):
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.aggregate([{"$changeStream": {"fullDocumnet": "updateLookup"}}])
        self.assertEqual(caught.exception.code, 40415)
        with self.assertRaises(OperationFailure) as caught:
            await self.coll.aggregate(
                [{"$changeStream": {"startAtOperationTime": Timestamp(1, 1), "resumeAfter": {}}}]
            )
        self.assertEqual(caught.exception.code, 40674)

    async def test_a_view_cannot_be_watched(self):
        await self.db.command({"create": "v", "viewOn": "items", "pipeline": []})
        self.assertEqual((await self.watch_error(self.db["v"])).code, 166)

    # -- resuming ---------------------------------------------------------------------------

    async def test_resume_after_a_token(self):
        # changeStreams/#resume-a-change-stream
        stream = await self.watch()
        await self.coll.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3}])
        first = await stream.next()
        await stream.close()
        resumed = await self.watch(resume_after=first["_id"])
        events = await self.events(resumed, 2)
        self.assertEqual([e["documentKey"]["_id"] for e in events], [2, 3])

    async def test_start_at_operation_time(self):
        await self.coll.insert_one({"_id": 1})
        stream = await self.watch(start_at_operation_time=Timestamp(0, 1))
        event = await stream.next()
        self.assertEqual(event["documentKey"], {"_id": 1})
        await self.coll.insert_one({"_id": 2})
        await self.coll.insert_one({"_id": 3})
        events = await self.events(stream, 2)
        # Events at or after the given cluster time.
        again = await self.watch(start_at_operation_time=events[1]["clusterTime"])
        self.assertEqual((await again.next())["documentKey"], {"_id": 3})

    async def test_start_after_an_invalidate(self):
        # changeStreams/#startafter-for-change-streams: startAfter can start a new stream
        # after an invalidate event; resumeAfter cannot.
        stream = await self.watch()
        await self.coll.insert_one({"_id": 1})
        await self.coll.drop()
        *_, invalidate = await self.events(stream, 3)
        self.assertEqual(invalidate["operationType"], "invalidate")
        error = await self.watch_error(resume_after=invalidate["_id"])
        self.assertEqual(error.code, 260)
        self.assertIn("not allowed from an invalidate notification", str(error))
        after = await self.watch(start_after=invalidate["_id"])
        await self.coll.insert_one({"_id": 2})
        self.assertEqual((await after.next())["documentKey"], {"_id": 2})

    async def test_post_batch_resume_token_moves_past_filtered_events(self):
        # The resume token advances with postBatchResumeToken even when no event matched.
        stream = await self.watch(
            pipeline=[{"$match": {"operationType": "delete"}}], max_await_time_ms=_IDLE_MS
        )
        before = stream.resume_token
        await self.coll.insert_one({"_id": 1})
        self.assertIsNone(await stream.try_next())
        after = stream.resume_token
        self.assertNotEqual(before, after)
        self.assertGreater(after["_data"], before["_data"])
        await self.coll.delete_one({"_id": 1})
        resumed = await self.watch(
            pipeline=[{"$match": {"operationType": {"$in": ["insert", "delete"]}}}],
            resume_after=after,
        )
        self.assertEqual((await resumed.next())["operationType"], "delete")

    async def test_a_foreign_token_is_refused(self):
        error = await self.watch_error(resume_after={"_data": "8263A0"})
        self.assertEqual(error.code, 260)

    # -- transactions ---------------------------------------------------------------------

    async def test_transaction_writes_appear_at_commit_in_order(self):
        # change-events: "Change stream event notifications associated with a
        # multi-document transaction all have the same clusterTime value".
        await self.coll.insert_one({"_id": 0})
        stream = await self.watch(max_await_time_ms=_IDLE_MS)
        async with self.transaction() as session:
            await self.coll.insert_one({"_id": 1}, session=session)
            await self.coll.update_one({"_id": 0}, {"$set": {"x": 1}}, session=session)
            await self.db["other"].insert_one({"_id": 2}, session=session)
            self.assertIsNone(await stream.try_next())
        stream_db = await self.watch(self.db, start_at_operation_time=Timestamp(0, 1))
        events = [e for e in await self.events(stream_db, 4)][1:]
        self.assertEqual(
            [(e["operationType"], e["ns"]["coll"]) for e in events],
            [("insert", "items"), ("update", "items"), ("insert", "other")],
        )
        self.assertEqual(len({e["clusterTime"] for e in events}), 1)
        self.assertEqual(len({e["txnNumber"] for e in events}), 1)
        self.assertEqual({tuple(e["lsid"]) for e in events}, {("id", "uid")})
        first, second = await self.events(stream, 2)
        self.assertEqual((first["documentKey"], second["documentKey"]), ({"_id": 1}, {"_id": 0}))

    async def test_an_aborted_transaction_is_no_event(self):
        stream = await self.watch()
        with self.assertRaises(RuntimeError):
            async with self.transaction() as session:
                await self.coll.insert_one({"_id": 1}, session=session)
                raise RuntimeError("abort")
        await self.coll.insert_one({"_id": 2})
        self.assertEqual((await stream.next())["documentKey"], {"_id": 2})

    # -- pre- and post-images ---------------------------------------------------------------

    async def test_pre_and_post_images(self):
        # changeStreams/#change-streams-with-document-pre--and-post-images
        await self.db.command(
            {"create": "items", "changeStreamPreAndPostImages": {"enabled": True}}
        )
        await self.coll.insert_one({"_id": 1, "n": 1})
        stream = await self.watch(
            full_document="whenAvailable", full_document_before_change="whenAvailable"
        )
        await self.coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
        await self.coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
        await self.coll.delete_one({"_id": 1})
        first, second, delete = await self.events(stream, 3)
        # Point-in-time images, not the current document.
        self.assertEqual(first["fullDocumentBeforeChange"], {"_id": 1, "n": 1})
        self.assertEqual(first["fullDocument"], {"_id": 1, "n": 2})
        self.assertEqual(second["fullDocument"], {"_id": 1, "n": 3})
        self.assertEqual(delete["fullDocumentBeforeChange"], {"_id": 1, "n": 3})

    async def test_images_of_a_collection_without_them(self):
        await self.coll.insert_one({"_id": 1, "n": 1})
        stream = await self.watch(
            full_document="whenAvailable", full_document_before_change="whenAvailable"
        )
        await self.coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
        event = await stream.next()
        self.assertIsNone(event["fullDocument"])
        self.assertIsNone(event["fullDocumentBeforeChange"])
        required = await self.watch(full_document_before_change="required")
        await self.coll.update_one({"_id": 1}, {"$inc": {"n": 1}})
        with self.assertRaises(OperationFailure) as caught:
            await required.next()
        self.assertEqual(caught.exception.code, 47)
        self.assertIn("require a pre-image", str(caught.exception))

    async def test_coll_mod_turns_images_on(self):
        await self.coll.insert_one({"_id": 1, "n": 1})
        await self.db.command(
            {"collMod": "items", "changeStreamPreAndPostImages": {"enabled": True}}
        )
        stream = await self.watch(full_document_before_change="required")
        await self.coll.replace_one({"_id": 1}, {"n": 5})
        event = await stream.next()
        self.assertEqual(event["fullDocumentBeforeChange"], {"_id": 1, "n": 1})

    # -- awaitData ------------------------------------------------------------------------

    async def test_try_next_returns_none_when_nothing_happened(self):
        stream = await self.watch(max_await_time_ms=_IDLE_MS)
        self.assertIsNone(await stream.try_next())
        self.assertTrue(stream.alive)

    async def test_a_waiting_get_more_answers_when_an_event_arrives(self):
        # getMore: on a tailable awaitData cursor maxTimeMS is the longest wait; mongod
        # answers as soon as a new event arrives. The write comes from another client while
        # this one waits, so the wait itself must not hold up the server.
        stream = await self.watch(max_await_time_ms=60_000)
        writer = threading.Timer(0.2, _insert_elsewhere, (self.server.uri, self.db_name))
        writer.start()
        self.addCleanup(writer.join)
        started = time.monotonic()
        event = await stream.next()
        waited = time.monotonic() - started
        self.assertEqual(event["fullDocument"], {"_id": "from another client"})
        # Answered by the event, not by the 60 s deadline.
        self.assertLess(waited, 30)


def _insert_elsewhere(uri: str, db_name: str) -> None:
    with pymongo.MongoClient(uri) as client:
        client[db_name]["items"].insert_one({"_id": "from another client"})


globals().update(for_each_client(ChangeStreamTests))


class WaitingGetMoreTests(unittest.IsolatedAsyncioTestCase):
    """A getMore the server holds: killed from another connection, or at server stop."""

    async def test_killing_the_cursor_ends_the_wait_with_cursor_killed(self):
        with EmbeddedMongoServer() as server:
            client = pymongo.AsyncMongoClient(server.uri)
            self.addAsyncCleanup(client.close)
            stream = await client.db.items.watch(max_await_time_ms=60_000)
            cursor_id = stream._cursor.cursor_id
            waiting = asyncio.create_task(stream.try_next())
            await asyncio.sleep(0.2)
            with pymongo.MongoClient(server.uri) as other:
                reply = other.db.command("killCursors", "items", cursors=[cursor_id])
            self.assertEqual(reply["cursorsKilled"], [cursor_id])
            with self.assertRaises(OperationFailure) as caught:
                await waiting
            self.assertEqual(caught.exception.code, 237)

    async def test_stopping_the_server_ends_a_waiting_get_more(self):
        server = EmbeddedMongoServer().start()
        client = pymongo.AsyncMongoClient(server.uri, serverSelectionTimeoutMS=500)
        self.addAsyncCleanup(client.close)
        stream = await client.db.items.watch(max_await_time_ms=60_000)
        waiting = asyncio.create_task(stream.try_next())
        await asyncio.sleep(0.2)
        await asyncio.to_thread(server.stop)
        with self.assertRaises(pymongo.errors.PyMongoError):
            await waiting
        self.assertFalse(server.running)


class HistoryTests(unittest.TestCase):
    """The change log keeps a bounded history, as mongod's oplog does."""

    def test_resuming_from_a_point_that_fell_off_the_log_fails(self):
        from asynctestkit.mongo.server import _changes

        with (
            mock.patch.object(_changes, "LOG_LIMIT", 5),
            EmbeddedMongoServer() as server,
            pymongo.MongoClient(server.uri) as client,
        ):
            items = client.db.items
            with items.watch(max_await_time_ms=_IDLE_MS) as stream:
                items.insert_one({"_id": 0})
                token = stream.next()["_id"]
            items.insert_many([{"_id": i} for i in range(1, 10)])
            with self.assertRaises(OperationFailure) as caught:
                items.watch(resume_after=token)
            self.assertEqual(caught.exception.code, 286)
            self.assertIn("the resume point may no longer be in the oplog", str(caught.exception))
