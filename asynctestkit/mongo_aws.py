"""MongoAwsTestCase: a database per class and AWS accounts on moto, on one class loop."""

from __future__ import annotations

from asynctestkit.aws.case import MotoMixin
from asynctestkit.case import AsyncTestCase
from asynctestkit.mongo.case import MongoMixin

__all__ = ["MongoAwsTestCase"]


class MongoAwsTestCase(MongoMixin, MotoMixin, AsyncTestCase):
    """MongoTestCase and AwsTestCase in one class: the toolkit's headline class.

    Per class: a database (embedded server or ``MONGODB_URI``), ``init_beanie`` for
    ``document_models``, an AWS account on the moto server and the environment that points
    every AWS client at it. Per test (by default): the class data restored and a fresh AWS
    account.

    Example::

        class CheckoutTests(MongoAwsTestCase):
            document_models = [Order]

            async def test_invoice_uploaded(self):
                s3 = await self.aws_client("s3")
                await s3.create_bucket(Bucket="invoices")
                await checkout(order_id="o1")
                await self.assertS3ObjectExists("invoices", "o1.pdf")
    """
