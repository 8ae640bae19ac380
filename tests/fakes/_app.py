"""Application code on plain aiobotocore, as a user would write it; run unchanged by the
patch tests. The same code on aioboto3 is in _app_aioboto3.py."""

from aiobotocore.session import AioSession, get_session

# Made at import time, before any test patches anything: the patch must still reach it.
SESSION = get_session()


async def upload_invoice(order_id, pdf):
    async with get_session().create_client("s3") as s3:
        await s3.put_object(Bucket="invoices", Key=f"{order_id}.pdf", Body=pdf)
        return f"s3://invoices/{order_id}.pdf"


async def queue_depth(url):
    async with AioSession().create_client("sqs", region_name="eu-west-1") as sqs:
        response = await sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(response["Attributes"]["ApproximateNumberOfMessages"])


async def notify(topic, message):
    async with SESSION.create_client("sns") as sns:
        return (await sns.publish(TopicArn=topic, Message=message))["MessageId"]


async def table_status(name):
    async with get_session().create_client("dynamodb", region_name="us-east-1") as ddb:
        return (await ddb.describe_table(TableName=name))["Table"]["TableStatus"]
