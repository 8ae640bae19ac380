"""Checkout against MongoDB and moto: the order, its invoice in S3, its event on SNS."""

from __future__ import annotations

from examples.base import OrderServiceTestCase
from examples.orders import (
    Order,
    OrderAlreadyPaid,
    OrderNotFound,
    OrderStatus,
    archive_invoices,
    checkout,
    list_invoices,
)


class CheckoutTests(OrderServiceTestCase):
    async def test_checkout_pays_uploads_the_invoice_and_publishes(self):
        order = await checkout("o-1001", self.settings)

        self.assertEqual(order.status, OrderStatus.PAID)
        await self.assertDocumentCount(Order, 1, {"number": "o-1001", "status": "paid"})
        await self.assertS3ObjectExists(self.settings.invoice_bucket, "invoices/o-1001.txt")
        s3 = await self.aws_client("s3")
        invoice = await s3.get_object(
            Bucket=self.settings.invoice_bucket, Key="invoices/o-1001.txt"
        )
        self.assertIn(b"Total: 25.00", await invoice["Body"].read())
        events = await self.published_events(1)
        self.assertEqual(events, [{"type": "order.paid", "number": "o-1001", "total": 2500}])

    async def test_every_test_starts_from_the_class_data(self):
        # Runs in either order with the test above: each sees three unpaid orders and an
        # empty bucket, though both pay o-1001.
        await self.assertDocumentCount(Order, 3, {"status": "new"})
        self.assertEqual(await list_invoices(self.settings), [])

        await checkout("o-1001", self.settings)

        await self.assertDocumentCount(Order, 1, {"status": "paid"})
        self.assertEqual(await list_invoices(self.settings), ["invoices/o-1001.txt"])

    async def test_paying_twice_is_refused(self):
        await checkout("o-1002", self.settings)
        with self.assertRaises(OrderAlreadyPaid):
            await checkout("o-1002", self.settings)
        self.assertEqual(len(await self.published_events(1)), 1)

    async def test_unknown_order_uploads_nothing(self):
        with self.assertRaisesRegex(OrderNotFound, "o-404"):
            await checkout("o-404", self.settings)
        self.assertEqual(await list_invoices(self.settings), [])

    async def test_listing_spans_pages(self):
        for number in ("o-1001", "o-1002", "o-1003"):
            await checkout(number, self.settings)

        keys = await list_invoices(self.settings, page_size=2)

        self.assertEqual(keys, [f"invoices/o-100{n}.txt" for n in (1, 2, 3)])

    async def test_invoices_are_archived_by_worker_processes(self):
        # The workers' plain boto3 clients act in this test's account: the toolkit hands
        # its AWS environment to processes started during the test, forkserver ones too.
        for number in ("o-1001", "o-1002"):
            await checkout(number, self.settings)

        archived = await archive_invoices(self.settings, await list_invoices(self.settings))

        self.assertEqual(archived, [f"archive/invoices/o-100{n}.txt.gz" for n in (1, 2)])
        for key in archived:
            await self.assertS3ObjectExists(self.settings.invoice_bucket, key)
