"""Batches run by the worker: the tests wait for the outcome in the event log."""

from __future__ import annotations

from datetime import timedelta

from examples.base import OrderServiceTestCase
from examples.orders import (
    EVENT_LOG_TTL_SECONDS,
    EventLog,
    EventStatus,
    Order,
    Worker,
    batch_report,
    submit_batch,
)
from examples.orders.models import utcnow

OK, ERROR = EventStatus.OK, EventStatus.ERROR


class BatchTests(OrderServiceTestCase):
    async def asyncSetUp(self):
        await super().asyncSetUp()
        # Stopped by a cleanup when the test ends, before the toolkit checks for tasks.
        await self.enterAsyncContext(Worker(self.settings, poll_interval=0.01))

    async def test_a_batch_pays_every_order(self):
        batch_id = await submit_batch(["o-1001", "o-1002"], self.settings)

        report = await self.assertEventually(lambda: batch_report(batch_id, expected=2))

        self.assertEqual(report, {"o-1001": OK, "o-1002": OK})
        await self.assertDocumentCount(Order, 2, {"status": "paid"})
        await self.assertDocumentCount(EventLog, 2, {"batch_id": batch_id, "status": "STARTED"})
        self.assertEqual(len(await self.published_events(2)), 2)

    async def test_a_failing_order_is_logged_and_the_batch_goes_on(self):
        batch_id = await submit_batch(["o-404", "o-1003"], self.settings)

        report = await self.assertEventually(lambda: batch_report(batch_id, expected=2))

        self.assertEqual(report, {"o-404": ERROR, "o-1003": OK})
        error = await self.assertDocumentExists(EventLog, {"subject": "o-404", "status": "ERROR"})
        self.assertEqual(error["detail"], "OrderNotFound: no order 'o-404'")

    async def test_batches_are_logged_apart(self):
        first = await submit_batch(["o-1001"], self.settings)
        report = await self.assertEventually(lambda: batch_report(first, expected=1))
        self.assertEqual(report, {"o-1001": OK})

        second = await submit_batch(["o-1001"], self.settings)

        report = await self.assertEventually(lambda: batch_report(second, expected=1))
        self.assertEqual(report, {"o-1001": ERROR})
        await self.assertDocumentCount(EventLog, 4)

    async def test_the_event_log_expires_by_ttl(self):
        indexes = await EventLog.get_pymongo_collection().index_information()

        self.assertEqual(indexes["event_log_ttl"]["expireAfterSeconds"], EVENT_LOG_TTL_SECONDS)
        self.assertEqual(indexes["event_log_ttl"]["key"], [("created_at", 1)])

    async def test_entries_older_than_the_ttl_are_gone_after_the_ttl_monitor_runs(self):
        entry = {"handler": "checkout", "subject": "o-1001", "status": OK}
        expired = utcnow() - timedelta(seconds=EVENT_LOG_TTL_SECONDS + 60)
        await EventLog(batch_id="last-week", created_at=expired, **entry).insert()
        await EventLog(batch_id="today", **entry).insert()
        await self.assertDocumentCount(EventLog, 2)  # mongod deletes in passes, not at once

        deleted = await self.runTTLMonitor()  # the pass mongod runs every 60 s

        self.assertEqual(deleted, 1)
        await self.assertDocumentCount(EventLog, 1, {"batch_id": "today"})
