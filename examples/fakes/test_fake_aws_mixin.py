import aioboto3
from botocore.exceptions import ClientError

from asynctestkit import AsyncTestCase
from asynctestkit.fakes import FakeAwsMixin

TOPIC = "arn:aws:sns:us-east-1:123456789012:orders"


# The code under test: publish an event, retrying once when SNS throttles.
async def publish_event(message):
    async with aioboto3.Session().client("sns") as sns:
        for attempt in (1, 2):
            try:
                response = await sns.publish(TopicArn=TOPIC, Message=message)
                return response["MessageId"]
            except ClientError as error:
                if error.response["Error"]["Code"] != "Throttling" or attempt == 2:
                    raise


class PublishEventTests(FakeAwsMixin, AsyncTestCase):
    async def test_throttling_is_retried_once(self):
        sns = self.fake_aws_client("sns")
        sns.add_client_error("publish", "Throttling", "Rate exceeded")
        sns.add_response("publish", {"MessageId": "m-1"}, {"TopicArn": TOPIC, "Message": "paid"})

        self.assertEqual(await publish_event("paid"), "m-1")
        self.assertEqual(sns.publish.await_count, 2)

    async def test_a_second_throttle_is_raised(self):
        sns = self.fake_aws_client("sns")
        sns.add_client_error("publish", "Throttling", "Rate exceeded")
        sns.add_client_error("publish", "Throttling", "Rate exceeded")

        with self.assertRaises(ClientError):
            await publish_event("paid")

    async def test_other_errors_are_not_retried(self):
        sns = self.fake_aws_client("sns")
        sns.add_client_error("publish", "NotFound", "Topic does not exist", 404)

        with self.assertRaises(sns.exceptions.NotFoundException):
            await publish_event("paid")
        sns.publish.assert_awaited_once_with(TopicArn=TOPIC, Message="paid")
