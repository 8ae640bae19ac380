"""An order service: orders in MongoDB (Beanie), invoices in S3, events on SNS, batch jobs
on SQS, and an event log per batch that every job handler writes to.

The AWS code builds its own aiobotocore ``get_session().create_client(...)`` with no
endpoint, as production code does; the tests point it at moto through the environment.
"""

from examples.orders.archive import archive_invoices
from examples.orders.eventlog import batch_report, record
from examples.orders.models import EVENT_LOG_TTL_SECONDS, EventLog, EventStatus, Order, OrderStatus
from examples.orders.service import (
    OrderAlreadyPaid,
    OrderNotFound,
    checkout,
    list_invoices,
    place_order,
    submit_batch,
)
from examples.orders.settings import Settings
from examples.orders.worker import Worker

__all__ = [
    "EVENT_LOG_TTL_SECONDS",
    "EventLog",
    "EventStatus",
    "Order",
    "OrderAlreadyPaid",
    "OrderNotFound",
    "OrderStatus",
    "Settings",
    "Worker",
    "archive_invoices",
    "batch_report",
    "checkout",
    "list_invoices",
    "place_order",
    "record",
    "submit_batch",
]

MODELS = [Order, EventLog]
