"""The fake against a real aiobotocore client stubbed with AioStubber, on the same inputs."""

import datetime
import unittest

from aiobotocore.session import get_session
from aiobotocore.stub import AioStubber

from asynctestkit.fakes import FakeStreamingBody, fake_client
from asynctestkit.fakes._responses import minimal_response

RESPONSES = {
    "start_execution": {"executionArn": "arn:x", "startDate": datetime.datetime(2024, 1, 1)},
}


def valid_response(service, operation):
    """A response both stubbers accept: the lenient fake's minimal one."""
    meta = fake_client(service).meta
    api_name = meta.method_to_api_mapping[operation]
    response = minimal_response(meta.service_model.operation_model(api_name))
    del response["ResponseMetadata"]
    return {
        key: b"" if isinstance(value, FakeStreamingBody) else value
        for key, value in response.items()
    }


# (service, operation, parameters): each is rejected before anything would be sent.
BAD_CALLS = [
    ("s3", "get_object", {"Bucket": "b", "Kei": "k"}),
    ("s3", "get_object", {"Bucket": "a/b", "Key": "k"}),
    ("s3", "put_object", {"Bucket": "b", "Key": "k", "Body": 3}),
    ("s3", "put_object", {"Bucket": "b", "Key": "k", "Metadata": {"a": "\u00e9"}}),
    ("s3", "list_objects_v2", {"Bucket": "b", "MaxKeys": "3"}),
    ("s3", "list_buckets", {"Foo": 1}),
    ("s3", "copy_object", {"Bucket": "b", "Key": "k", "CopySource": {"Key": "x"}}),
    ("sqs", "send_message", {"QueueUrl": "u"}),
    ("sqs", "send_message", {"QueueUrl": "u", "MessageBody": "x", "DelaySeconds": "1"}),
    ("sqs", "send_message_batch", {"QueueUrl": "u", "Entries": [{"Id": "1"}]}),
    ("sns", "publish", {"Message": 1}),
    ("sns", "publish", {"TopicArn": "t", "Message": "m", "MessageAttributes": {"a": {}}}),
    ("dynamodb", "put_item", {"TableName": "t", "Item": {"id": "1"}}),
    ("dynamodb", "get_item", {"TableName": "", "Key": {"id": {"S": "1"}}}),
    ("dynamodb", "query", {"TableName": "t", "Limit": 0}),
    ("lambda", "invoke", {"FunctionName": "f", "Payload": 5}),
    ("lambda", "invoke", {"FunctionName": "f", "InvocationType": 1}),
    ("stepfunctions", "start_execution", {"stateMachineArn": "a", "input": {}}),
    ("stepfunctions", "describe_execution", {}),
    ("translate", "translate_text", {"Text": "hi", "SourceLanguageCode": "en"}),
]

GOOD_CALLS = [
    ("s3", "get_object", {"Bucket": "b", "Key": "k"}, {"ContentLength": 2, "ETag": '"e"'}),
    ("sqs", "send_message", {"QueueUrl": "u", "MessageBody": "m"}, {"MessageId": "m1"}),
    ("stepfunctions", "start_execution", {"stateMachineArn": "a"}, RESPONSES["start_execution"]),
]


async def outcome(client, operation, params):
    try:
        return ("ok", await getattr(client, operation)(**params))
    except Exception as error:
        # By name: a modeled error class (botocore 1.43 models S3's AccessDenied) is made
        # per exceptions factory, so even two real clients' classes are not the same object.
        return (f"{type(error).__module__}.{type(error).__qualname__}", str(error))


class AioStubberParityTests(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.session = get_session()
        self.real = {}

    async def real_client(self, service):
        if service not in self.real:
            context = self.session.create_client(
                service,
                region_name="us-east-1",
                aws_access_key_id="fake",
                aws_secret_access_key="fake",
                endpoint_url="http://127.0.0.1:9",
            )
            client = await context.__aenter__()  # enterAsyncContext is 3.11+
            self.addAsyncCleanup(context.__aexit__, None, None, None)
            self.real[service] = client
        return self.real[service]

    async def test_bad_parameters_fail_with_the_same_type_and_message(self):
        for service, operation, params in BAD_CALLS:
            with self.subTest(f"{service}.{operation}({params})"):
                real = await self.real_client(service)
                with AioStubber(real) as stubber:
                    stubber.add_response(operation, valid_response(service, operation))
                    expected = await outcome(real, operation, params)
                fake = fake_client(service)
                fake.add_response(operation, valid_response(service, operation))
                self.assertNotEqual(expected[0], "ok")
                self.assertEqual(await outcome(fake, operation, params), expected)

    async def test_bad_responses_fail_with_the_same_type_and_message(self):
        cases = [
            ("sqs", "send_message", {"MessageId": 1}),
            ("stepfunctions", "start_execution", {"executionArn": "a"}),
            ("s3", "delete_bucket", {"Unexpected": 1}),
        ]
        for service, operation, response in cases:
            with self.subTest(f"{service}.{operation}"):
                real = await self.real_client(service)
                errors = []
                for target in (AioStubber(real), fake_client(service)):
                    try:
                        target.add_response(operation, response)
                    except Exception as error:
                        errors.append((type(error), str(error)))
                self.assertEqual(len(errors), 2)
                self.assertEqual(errors[0], errors[1])

    async def test_good_calls_return_the_same_data_and_errors(self):
        for service, operation, params, response in GOOD_CALLS:
            with self.subTest(f"{service}.{operation}"):
                real = await self.real_client(service)
                with AioStubber(real) as stubber:
                    stubber.add_response(operation, response, params)
                    stubber.add_client_error(operation, "AccessDenied", "no", 403)
                    expected = await outcome(real, operation, params)
                    expected_error = await outcome(real, operation, params)
                fake = fake_client(service)
                fake.add_response(operation, response, params)
                fake.add_client_error(operation, "AccessDenied", "no", 403)
                status, data = await outcome(fake, operation, params)
                self.assertEqual(status, "ok")
                data.pop("ResponseMetadata")
                self.assertEqual(data, expected[1])
                self.assertEqual(await outcome(fake, operation, params), expected_error)

    async def test_modeled_errors_have_the_same_class_name_and_message(self):
        real = await self.real_client("s3")
        fake = fake_client("s3")
        results = []
        for client, stubber in ((real, AioStubber(real)), (fake, fake)):
            stubber.add_client_error("get_object", "NoSuchKey", "gone", 404)
            if stubber is not fake:
                stubber.activate()
            try:
                await client.get_object(Bucket="b", Key="k")
            except client.exceptions.NoSuchKey as error:
                results.append((type(error).__name__, str(error), error.response["Error"]))
            finally:
                if stubber is not fake:
                    stubber.deactivate()
        self.assertEqual(len(results), 2)
        self.assertEqual(results[0], results[1])
