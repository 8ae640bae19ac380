"""What AWS rarely does on demand, from the fakes: throttling and page boundaries."""

from __future__ import annotations

from botocore.exceptions import ClientError

from asynctestkit import AsyncTestCase, MongoTestCase
from asynctestkit.fakes import FakeAwsMixin
from examples.base import items
from examples.orders import MODELS, Order, Settings, checkout, list_invoices, place_order

SETTINGS = Settings(
    invoice_bucket="invoices",
    jobs_queue_url="https://sqs.us-east-1.amazonaws.com/111122223333/jobs",
    events_topic_arn="arn:aws:sns:us-east-1:111122223333:order-events",
)
SLOW_DOWN = ("SlowDown", "Please reduce your request rate.", 503)


class ThrottlingTests(FakeAwsMixin, MongoTestCase):
    """Real MongoDB (embedded), fake S3 and SNS."""

    document_models = MODELS

    @classmethod
    async def asyncSetUpTestData(cls):
        await place_order("o-1001", "ada@example.com", items(mug=2))

    async def test_a_throttled_upload_is_retried(self):
        s3 = self.fake_aws_client("s3")
        s3.add_client_error("put_object", *SLOW_DOWN)
        s3.add_client_error("put_object", *SLOW_DOWN)
        s3.add_response("put_object", {"ETag": '"1"'})
        self.fake_aws_client("sns").add_response("publish", {"MessageId": "m-1"})

        order = await checkout("o-1001", SETTINGS)

        self.assertEqual(order.invoice_key, "invoices/o-1001.txt")
        self.assertEqual(s3.put_object.await_count, 3)
        await self.assertDocumentCount(Order, 1, {"status": "paid"})

    async def test_lasting_throttling_fails_and_leaves_the_order_unpaid(self):
        s3 = self.fake_aws_client("s3")
        for _ in range(4):
            s3.add_client_error("put_object", *SLOW_DOWN)

        with self.assertRaises(ClientError) as caught:
            await checkout("o-1001", SETTINGS)

        self.assertEqual(caught.exception.response["Error"]["Code"], "SlowDown")
        await self.assertDocumentCount(Order, 1, {"status": "new"})

    async def test_other_errors_are_not_retried(self):
        s3 = self.fake_aws_client("s3")
        s3.add_client_error("put_object", "NoSuchBucket", "The bucket does not exist", 404)

        with self.assertRaises(s3.exceptions.NoSuchBucket):
            await checkout("o-1001", SETTINGS)
        s3.put_object.assert_awaited_once()


class InvoiceListingTests(FakeAwsMixin, AsyncTestCase):
    async def test_the_listing_follows_continuation_tokens(self):
        s3 = self.fake_aws_client("s3")
        request = {"Bucket": "invoices", "Prefix": "invoices/", "MaxKeys": 2}
        s3.add_response(
            "list_objects_v2",
            {
                "Contents": [{"Key": "invoices/o-1.txt"}, {"Key": "invoices/o-2.txt"}],
                "IsTruncated": True,
                "NextContinuationToken": "page-2",
            },
            request,
        )
        s3.add_response(
            "list_objects_v2",
            {"Contents": [{"Key": "invoices/o-3.txt"}], "IsTruncated": False},
            {**request, "ContinuationToken": "page-2"},
        )

        keys = await list_invoices(SETTINGS, page_size=2)

        self.assertEqual(keys, ["invoices/o-1.txt", "invoices/o-2.txt", "invoices/o-3.txt"])
