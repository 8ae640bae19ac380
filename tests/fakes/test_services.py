"""Fakes of the services our users call most, plus one moto does not implement."""

import json
import unittest

from botocore.exceptions import ClientError, ParamValidationError

from asynctestkit.fakes import fake_client


async def read_config(s3, bucket, key):
    """App code: a missing object means the default config."""
    try:
        response = await s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return {}
    async with response["Body"] as body:
        return json.loads(await body.read())


async def drain(sqs, url):
    """App code: receive until empty, deleting what was handled."""
    handled = []
    for _ in range(10):
        response = await sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        messages = response.get("Messages", [])
        if not messages:
            break
        for message in messages:
            handled.append(message["Body"])
            await sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return handled


async def publish_with_retry(sns, topic, message, attempts=3):
    """App code: retry on throttling, give up on anything else."""
    for attempt in range(attempts):
        try:
            return (await sns.publish(TopicArn=topic, Message=message))["MessageId"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "Throttling" or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


class S3Tests(unittest.IsolatedAsyncioTestCase):
    async def test_config_read_and_missing_config(self):
        s3 = fake_client("s3")
        s3.add_response(
            "get_object", {"Body": b'{"debug": true}'}, {"Bucket": "cfg", "Key": "app.json"}
        )
        s3.add_client_error("get_object", "NoSuchKey", "The specified key does not exist.", 404)
        self.assertEqual(await read_config(s3, "cfg", "app.json"), {"debug": True})
        self.assertEqual(await read_config(s3, "cfg", "app.json"), {})
        s3.assert_no_pending_responses()

    async def test_put_object_checks_types(self):
        s3 = fake_client("s3")
        s3.add_response("put_object", {"ETag": '"abc"'})
        await s3.put_object(Bucket="b", Key="k", Body=b"data", ContentType="text/plain")
        with self.assertRaisesRegex(
            ParamValidationError, "Invalid type for parameter ContentLength"
        ):
            await s3.put_object(Bucket="b", Key="k", Body=b"data", ContentLength="4")


class SqsTests(unittest.IsolatedAsyncioTestCase):
    async def test_drain_handles_every_message_and_stops_on_empty(self):
        sqs = fake_client("sqs")
        url = "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"
        sqs.add_response(
            "receive_message",
            {
                "Messages": [
                    {"Body": "a", "ReceiptHandle": "r1"},
                    {"Body": "b", "ReceiptHandle": "r2"},
                ]
            },
        )
        sqs.add_response("receive_message", {})
        for handle in ("r1", "r2"):
            sqs.add_response("delete_message", {}, {"QueueUrl": url, "ReceiptHandle": handle})
        self.assertEqual(await drain(sqs, url), ["a", "b"])
        self.assertEqual(sqs.receive_message.await_count, 2)
        sqs.assert_no_pending_responses()

    async def test_batch_partial_failure_is_modeled(self):
        sqs = fake_client("sqs")
        sqs.add_response(
            "send_message_batch",
            {
                "Successful": [{"Id": "1", "MessageId": "m1", "MD5OfMessageBody": "x"}],
                "Failed": [{"Id": "2", "SenderFault": True, "Code": "InvalidParameterValue"}],
            },
        )
        response = await sqs.send_message_batch(
            QueueUrl="u", Entries=[{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b"}]
        )
        self.assertEqual([item["Id"] for item in response["Failed"]], ["2"])


class SnsTests(unittest.IsolatedAsyncioTestCase):
    async def test_throttling_is_retried(self):
        sns = fake_client("sns")
        sns.add_client_error("publish", "Throttling", "Rate exceeded", 400)
        sns.add_response("publish", {"MessageId": "m1"}, {"TopicArn": "arn:t", "Message": "hi"})
        self.assertEqual(await publish_with_retry(sns, "arn:t", "hi"), "m1")
        self.assertEqual(sns.publish.await_count, 2)

    async def test_modeled_error_is_not_retried(self):
        sns = fake_client("sns")
        sns.add_client_error("publish", "NotFound", "Topic does not exist", 404)
        with self.assertRaises(sns.exceptions.NotFoundException):
            await publish_with_retry(sns, "arn:t", "hi")


class DynamoDbTests(unittest.IsolatedAsyncioTestCase):
    async def test_query_pages_follow_last_evaluated_key(self):
        ddb = fake_client("dynamodb")
        query = {"TableName": "orders", "KeyConditionExpression": "pk = :p"}
        query["ExpressionAttributeValues"] = {":p": {"S": "c1"}}
        ddb.add_response(
            "query",
            {
                "Items": [{"pk": {"S": "c1"}, "sk": {"S": "1"}}],
                "LastEvaluatedKey": {"sk": {"S": "1"}},
            },
            query,
        )
        ddb.add_response(
            "query",
            {"Items": [{"pk": {"S": "c1"}, "sk": {"S": "2"}}]},
            {**query, "ExclusiveStartKey": {"sk": {"S": "1"}}},
        )
        pages = ddb.get_paginator("query").paginate(**query)
        items = [item async for item in pages.search("Items[].sk.S")]
        self.assertEqual(items, ["1", "2"])

    async def test_conditional_write_failure(self):
        ddb = fake_client("dynamodb")
        ddb.add_client_error(
            "put_item", "ConditionalCheckFailedException", "The conditional request failed"
        )
        with self.assertRaises(ddb.exceptions.ConditionalCheckFailedException):
            await ddb.put_item(
                TableName="orders",
                Item={"pk": {"S": "1"}},
                ConditionExpression="attribute_not_exists(pk)",
            )

    async def test_python_values_are_refused_like_botocore(self):
        ddb = fake_client("dynamodb")
        with self.assertRaisesRegex(ParamValidationError, r"Item\.pk"):
            await ddb.put_item(TableName="orders", Item={"pk": "1"})


class LambdaTests(unittest.IsolatedAsyncioTestCase):
    async def test_function_error_payload(self):
        awslambda = fake_client("lambda")
        awslambda.add_response(
            "invoke",
            {
                "StatusCode": 200,
                "FunctionError": "Unhandled",
                "Payload": b'{"errorMessage": "boom"}',
            },
            {"FunctionName": "resize", "Payload": b'{"w": 1}'},
        )
        response = await awslambda.invoke(FunctionName="resize", Payload=b'{"w": 1}')
        self.assertEqual(response["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(await response["Payload"].read()), {"errorMessage": "boom"})

    async def test_too_many_requests(self):
        awslambda = fake_client("lambda")
        awslambda.add_client_error("invoke", "TooManyRequestsException", "Rate exceeded", 429)
        with self.assertRaises(awslambda.exceptions.TooManyRequestsException):
            await awslambda.invoke(FunctionName="resize")


class StepFunctionsTests(unittest.IsolatedAsyncioTestCase):
    async def test_start_and_history_pages(self):
        sfn = fake_client("stepfunctions")
        sfn.add_response(
            "start_execution",
            {"executionArn": "arn:exec", "startDate": "2024-01-01T00:00:00Z"},
            {"stateMachineArn": "arn:sm", "name": "order-1", "input": "{}"},
        )
        event = {"timestamp": "2024-01-01T00:00:00Z", "type": "ExecutionStarted", "id": 1}
        sfn.add_response("get_execution_history", {"events": [event], "nextToken": "n"})
        sfn.add_response("get_execution_history", {"events": [{**event, "id": 2}]})
        arn = (await sfn.start_execution(stateMachineArn="arn:sm", name="order-1", input="{}"))[
            "executionArn"
        ]
        history = (
            await sfn.get_paginator("get_execution_history")
            .paginate(executionArn=arn)
            .build_full_result()
        )
        self.assertEqual([e["id"] for e in history["events"]], [1, 2])

    async def test_execution_already_exists(self):
        sfn = fake_client("stepfunctions")
        sfn.add_client_error("start_execution", "ExecutionAlreadyExists", "exists")
        with self.assertRaises(sfn.exceptions.ExecutionAlreadyExists):
            await sfn.start_execution(stateMachineArn="arn:sm", name="order-1")


class TranslateTests(unittest.IsolatedAsyncioTestCase):
    """Amazon Translate: no moto backend exists, so a fake is the only local option."""

    def test_moto_has_no_translate_backend(self):
        from moto.backend_index import backend_url_patterns

        self.assertNotIn("translate", {name for name, _ in backend_url_patterns})

    async def test_translate_and_its_errors(self):
        translate = fake_client("translate")
        translate.add_response(
            "translate_text",
            {"TranslatedText": "bonjour", "SourceLanguageCode": "en", "TargetLanguageCode": "fr"},
            {"Text": "hello", "SourceLanguageCode": "en", "TargetLanguageCode": "fr"},
        )
        translate.add_client_error("translate_text", "TextSizeLimitExceededException", "too long")
        response = await translate.translate_text(
            Text="hello", SourceLanguageCode="en", TargetLanguageCode="fr"
        )
        self.assertEqual(response["TranslatedText"], "bonjour")
        with self.assertRaises(translate.exceptions.TextSizeLimitExceededException):
            await translate.translate_text(
                Text="x" * 10, SourceLanguageCode="en", TargetLanguageCode="fr"
            )
        with self.assertRaisesRegex(ParamValidationError, '"TargetLanguageCode"'):
            await translate.translate_text(Text="hello", SourceLanguageCode="en")
