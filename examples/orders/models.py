"""Beanie documents: orders and the per-batch event log."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum

from beanie import Document, Indexed
from pydantic import BaseModel, Field
from pymongo import ASCENDING, IndexModel

#: Event-log entries expire a week after they are written (MongoDB's TTL monitor).
EVENT_LOG_TTL_SECONDS = 7 * 24 * 3600


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class OrderStatus(str, Enum):
    NEW = "new"
    PAID = "paid"


class LineItem(BaseModel):
    sku: str
    quantity: int
    unit_price_cents: int


class Order(Document):
    number: Indexed(str, unique=True)  # type: ignore[valid-type]
    customer_email: str
    items: list[LineItem]
    status: OrderStatus = OrderStatus.NEW
    invoice_key: str | None = None
    paid_at: datetime | None = None

    @property
    def total_cents(self) -> int:
        return sum(item.quantity * item.unit_price_cents for item in self.items)

    class Settings:
        name = "orders"


class EventStatus(str, Enum):
    STARTED = "STARTED"
    OK = "OK"
    ERROR = "ERROR"


class EventLog(Document):
    """One line per handler step: STARTED, then OK or ERROR."""

    batch_id: str
    handler: str
    subject: str
    status: EventStatus
    detail: str = ""
    created_at: datetime = Field(default_factory=utcnow)

    class Settings:
        name = "event_log"
        indexes = [
            IndexModel([("batch_id", ASCENDING), ("created_at", ASCENDING)]),
            IndexModel(
                [("created_at", ASCENDING)],
                name="event_log_ttl",
                expireAfterSeconds=EVENT_LOG_TTL_SECONDS,
            ),
        ]
