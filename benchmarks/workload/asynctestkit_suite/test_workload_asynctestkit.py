"""The workload with asynctestkit: a MongoAwsTestCase per group of six tests, or (with
``BENCH_SHAPE=many``) a MongoAwsTestCase per test.

Per class: one client, one database, init_beanie and the seed data once, one AWS account.
Per test: the class data restored and a fresh AWS account (the toolkit's defaults).
"""

from __future__ import annotations

import time

from workload_common import (
    GROUPS,
    MODELS,
    SHAPE,
    Order,
    Product,
    insert_seed_data,
    record_test,
    timed,
    unique,
)

from asynctestkit import MongoAwsTestCase


class WorkloadTests(MongoAwsTestCase):
    document_models = MODELS

    @classmethod
    async def asyncSetUpTestData(cls):
        await insert_seed_data()

    def run(self, result=None):
        start = time.perf_counter()
        try:
            return super().run(result)
        finally:
            record_test(self.id(), time.perf_counter() - start)

    @timed
    async def test_create_order(self):
        await Order(number="o-1", sku="sku-1", quantity=2).insert()
        found = await Order.find_one(Order.number == "o-1")
        self.assertEqual(found.quantity, 2)
        self.assertEqual(await Order.count(), 1)

    @timed
    async def test_upload_invoice(self):
        s3 = await self.aws_client("s3")
        bucket = unique("invoices")
        await s3.create_bucket(Bucket=bucket)
        order = await Order(number="o-2", sku="sku-2", quantity=1).insert()
        await s3.put_object(Bucket=bucket, Key="o-2.txt", Body=b"invoice o-2")
        order.invoice_key = "o-2.txt"
        await order.save()
        head = await s3.head_object(Bucket=bucket, Key="o-2.txt")
        self.assertEqual(head["ContentLength"], 11)

    @timed
    async def test_publish_event(self):
        sqs = await self.aws_client("sqs")
        queue = (await sqs.create_queue(QueueName=unique("events")))["QueueUrl"]
        await Order(number="o-3", sku="sku-3", quantity=1, status="paid").insert()
        await sqs.send_message(QueueUrl=queue, MessageBody="order.paid o-3")
        received = await sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)
        self.assertEqual(received["Messages"][0]["Body"], "order.paid o-3")

    @timed
    async def test_pay_order(self):
        order = await Order(number="o-4", sku="sku-4", quantity=3).insert()
        await order.set({Order.status: "paid"})
        self.assertEqual(await Order.find(Order.status == "paid").count(), 1)

    @timed
    async def test_list_invoices(self):
        s3 = await self.aws_client("s3")
        bucket = unique("invoices")
        await s3.create_bucket(Bucket=bucket)
        for n in range(3):
            await s3.put_object(Bucket=bucket, Key=f"o-{n}.txt", Body=b"x")
        listing = await s3.list_objects_v2(Bucket=bucket)
        self.assertEqual(listing["KeyCount"], 3)
        self.assertEqual(await Order.count(), 0)

    @timed
    async def test_catalog(self):
        products = await Product.find(Product.price_cents >= 200).sort("+sku").to_list()
        self.assertEqual([p.sku for p in products], ["sku-2", "sku-3", "sku-4"])


_TESTS = sorted(name for name in vars(WorkloadTests) if name.startswith("test_"))

if SHAPE == "many":
    # Many small classes: one test each (GROUPS x 6 classes), as in suites that group
    # tests by feature, a class or two per module.
    for _group in range(GROUPS):
        for _test in _TESTS:
            _name = f"WorkloadGroup{_group:03d}{_test.title().replace('_', '')}"
            _others = {other: None for other in _TESTS if other != _test}  # not collected
            globals()[_name] = type(_name, (WorkloadTests,), {"__module__": __name__, **_others})
else:
    # GROUPS classes of six tests each.
    for _group in range(GROUPS):
        _name = f"WorkloadGroup{_group:03d}Tests"
        globals()[_name] = type(_name, (WorkloadTests,), {"__module__": __name__})
del WorkloadTests
