"""The order service: place, check out (invoice to S3, event to SNS), submit batches."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from examples.orders import aws
from examples.orders.models import LineItem, Order, OrderStatus, utcnow
from examples.orders.settings import Settings

INVOICE_PREFIX = "invoices/"


class OrderNotFound(LookupError):
    pass


class OrderAlreadyPaid(ValueError):
    pass


async def place_order(number: str, customer_email: str, items: Iterable[LineItem]) -> Order:
    order = Order(number=number, customer_email=customer_email, items=list(items))
    await order.insert()
    return order


def render_invoice(order: Order) -> bytes:
    lines = [f"Invoice for order {order.number}", f"Customer: {order.customer_email}"]
    for item in order.items:
        lines.append(f"{item.quantity} x {item.sku} @ {item.unit_price_cents / 100:.2f}")
    lines.append(f"Total: {order.total_cents / 100:.2f}")
    return ("\n".join(lines) + "\n").encode()


async def checkout(number: str, settings: Settings) -> Order:
    """Mark the order paid, upload its invoice to S3 and announce it on SNS."""
    order = await Order.find_one(Order.number == number)
    if order is None:
        raise OrderNotFound(f"no order {number!r}")
    if order.status is OrderStatus.PAID:
        raise OrderAlreadyPaid(f"order {number!r} is already paid")
    key = f"{INVOICE_PREFIX}{number}.txt"
    async with aws.client("s3") as s3:
        await aws.with_retries(
            s3.put_object,
            Bucket=settings.invoice_bucket,
            Key=key,
            Body=render_invoice(order),
            ContentType="text/plain",
        )
    order.status = OrderStatus.PAID
    order.invoice_key = key
    order.paid_at = utcnow()
    await order.save()
    await publish_event(settings, "order.paid", {"number": number, "total": order.total_cents})
    return order


async def publish_event(settings: Settings, event_type: str, payload: dict[str, Any]) -> str:
    async with aws.client("sns") as sns:
        response = await aws.with_retries(
            sns.publish,
            TopicArn=settings.events_topic_arn,
            Message=json.dumps({"type": event_type, **payload}),
            MessageAttributes={"type": {"DataType": "String", "StringValue": event_type}},
        )
    return str(response["MessageId"])


async def submit_batch(numbers: Iterable[str], settings: Settings) -> str:
    """Queue a checkout job for the worker; return the batch id to follow in the event log."""
    batch_id = uuid.uuid4().hex
    job = {"type": "checkout_batch", "batch_id": batch_id, "orders": list(numbers)}
    async with aws.client("sqs") as sqs:
        await aws.with_retries(
            sqs.send_message, QueueUrl=settings.jobs_queue_url, MessageBody=json.dumps(job)
        )
    return batch_id


async def list_invoices(settings: Settings, page_size: int = 1000) -> list[str]:
    """Every invoice key in the bucket, across as many pages as S3 returns."""
    keys: list[str] = []
    async with aws.client("s3") as s3:
        paginator = s3.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=settings.invoice_bucket,
            Prefix=INVOICE_PREFIX,
            PaginationConfig={"PageSize": page_size},
        )
        async for page in pages:
            keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys
