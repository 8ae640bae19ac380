"""Application code on aioboto3, as a user would write it; run unchanged by the patch tests
(only where aioboto3 is installed)."""

import aioboto3
from aioboto3 import Session

# Made at import time, before any test patches anything: the patch must still reach it.
SESSION = aioboto3.Session()


async def upload_invoice(order_id, pdf):
    session = aioboto3.Session()
    async with session.client("s3") as s3:
        await s3.put_object(Bucket="invoices", Key=f"{order_id}.pdf", Body=pdf)
        return f"s3://invoices/{order_id}.pdf"


async def queue_depth(url):
    async with Session(region_name="eu-west-1").client("sqs") as sqs:
        response = await sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(response["Attributes"]["ApproximateNumberOfMessages"])


async def notify(topic, message):
    async with SESSION.client("sns") as sns:
        return (await sns.publish(TopicArn=topic, Message=message))["MessageId"]


async def count_rows(name):
    async with aioboto3.Session().resource("dynamodb") as ddb:
        table = await ddb.Table(name)
        return (await table.scan())["Count"]
