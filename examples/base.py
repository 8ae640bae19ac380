"""What every order-service test class shares: models, class data and AWS resources."""

from __future__ import annotations

import json

from asynctestkit import MongoAwsTestCase
from examples.orders import MODELS, Settings, place_order
from examples.orders.models import LineItem

CATALOG = {"mug": 1250, "tee": 2000, "cap": 1500}


def items(**quantities: int) -> list[LineItem]:
    return [
        LineItem(sku=sku, quantity=quantity, unit_price_cents=CATALOG[sku])
        for sku, quantity in quantities.items()
    ]


class OrderServiceTestCase(MongoAwsTestCase):
    """A database and, per test, an AWS account holding the service's bucket, queue, topic.

    ``self.events_queue`` is subscribed to the events topic, so a test reads what the
    service published with ``self.receive_sqs_messages(self.events_queue)``.
    """

    document_models = MODELS

    @classmethod
    async def asyncSetUpTestData(cls) -> None:
        # Once per class; every test starts from exactly these orders.
        await place_order("o-1001", "ada@example.com", items(mug=2))
        await place_order("o-1002", "alan@example.com", items(tee=1, cap=1))
        await place_order("o-1003", "grace@example.com", items(cap=3))

    async def asyncSetUp(self) -> None:
        # Each test has its own AWS account (aws_isolation = "test"), so it makes its own.
        self.settings = Settings(
            invoice_bucket=await self.create_bucket(),
            jobs_queue_url=await self.create_queue(),
            events_topic_arn=await self.create_topic(),
        )
        self.events_queue = await self.create_queue()
        sqs = await self.aws_client("sqs")
        sns = await self.aws_client("sns")
        attributes = await sqs.get_queue_attributes(
            QueueUrl=self.events_queue, AttributeNames=["QueueArn"]
        )
        await sns.subscribe(
            TopicArn=self.settings.events_topic_arn,
            Protocol="sqs",
            Endpoint=attributes["Attributes"]["QueueArn"],
            Attributes={"RawMessageDelivery": "true"},
        )

    async def published_events(self, count: int) -> list[dict[str, object]]:
        messages = await self.receive_sqs_messages(self.events_queue, count=count)
        return [json.loads(message["Body"]) for message in messages]
