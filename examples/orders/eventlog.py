"""The event log: every handler records STARTED, then OK or ERROR, per batch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from examples.orders.models import EventLog, EventStatus


@asynccontextmanager
async def record(batch_id: str, handler: str, subject: str) -> AsyncIterator[None]:
    """Log STARTED, run the block, log OK or ERROR (and re-raise)."""
    entry = {"batch_id": batch_id, "handler": handler, "subject": subject}
    await EventLog(**entry, status=EventStatus.STARTED).insert()
    try:
        yield
    except Exception as error:
        detail = f"{type(error).__name__}: {error}"
        await EventLog(**entry, status=EventStatus.ERROR, detail=detail).insert()
        raise
    await EventLog(**entry, status=EventStatus.OK).insert()


async def batch_report(batch_id: str, expected: int) -> dict[str, EventStatus] | None:
    """``{subject: OK | ERROR}`` once ``expected`` steps have finished, else None."""
    outcomes: dict[str, EventStatus] = {}
    async for entry in EventLog.find(EventLog.batch_id == batch_id):
        if entry.status is not EventStatus.STARTED:
            outcomes[entry.subject] = entry.status
    return outcomes if len(outcomes) >= expected else None
