"""The workload with pytest + pytest-asyncio fixtures: GROUPS x six tests."""

from __future__ import annotations

import pytest
from workload_common import GROUPS, Order, Product, timed, unique

pytestmark = pytest.mark.parametrize("group", range(GROUPS))


@pytest.mark.asyncio
@timed
async def test_create_order(db, group):
    await Order(number="o-1", sku="sku-1", quantity=2).insert()
    found = await Order.find_one(Order.number == "o-1")
    assert found.quantity == 2
    assert await Order.count() == 1


@pytest.mark.asyncio
@timed
async def test_upload_invoice(db, s3, group):
    bucket = unique("invoices")
    await s3.create_bucket(Bucket=bucket)
    order = await Order(number="o-2", sku="sku-2", quantity=1).insert()
    await s3.put_object(Bucket=bucket, Key="o-2.txt", Body=b"invoice o-2")
    order.invoice_key = "o-2.txt"
    await order.save()
    head = await s3.head_object(Bucket=bucket, Key="o-2.txt")
    assert head["ContentLength"] == 11


@pytest.mark.asyncio
@timed
async def test_publish_event(db, sqs, group):
    queue = (await sqs.create_queue(QueueName=unique("events")))["QueueUrl"]
    await Order(number="o-3", sku="sku-3", quantity=1, status="paid").insert()
    await sqs.send_message(QueueUrl=queue, MessageBody="order.paid o-3")
    received = await sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)
    assert received["Messages"][0]["Body"] == "order.paid o-3"


@pytest.mark.asyncio
@timed
async def test_pay_order(db, group):
    order = await Order(number="o-4", sku="sku-4", quantity=3).insert()
    await order.set({Order.status: "paid"})
    assert await Order.find(Order.status == "paid").count() == 1


@pytest.mark.asyncio
@timed
async def test_list_invoices(db, s3, group):
    bucket = unique("invoices")
    await s3.create_bucket(Bucket=bucket)
    for n in range(3):
        await s3.put_object(Bucket=bucket, Key=f"o-{n}.txt", Body=b"x")
    listing = await s3.list_objects_v2(Bucket=bucket)
    assert listing["KeyCount"] == 3
    assert await Order.count() == 0


@pytest.mark.asyncio
@timed
async def test_catalog(db, group):
    products = await Product.find(Product.price_cents >= 200).sort("+sku").to_list()
    assert [p.sku for p in products] == ["sku-2", "sku-3", "sku-4"]
