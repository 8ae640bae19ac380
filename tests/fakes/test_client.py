"""FakeClient: autospec, Stubber vocabulary, strict and lenient modes, bodies, pages, waiters."""

import inspect
import unittest
from unittest import mock

from botocore.exceptions import (
    ClientError,
    OperationNotPageableError,
    ParamValidationError,
    StubAssertionError,
    UnknownClientMethodError,
    UnknownServiceError,
    WaiterError,
)
from botocore.session import get_session
from botocore.stub import ANY, Stubber
from botocore.validate import validate_parameters

from asynctestkit.fakes import FakeClient, FakeStreamingBody, fake_client
from tests._sdks import needs_aioboto3, without_aioboto3


class AutospecTests(unittest.TestCase):
    def test_exactly_the_model_operations_exist_as_async_mocks(self):
        sqs = fake_client("sqs")
        model = get_session().get_service_model("sqs")
        expected = set(sqs.meta.method_to_api_mapping)
        self.assertEqual(len(expected), len(model.operation_names))
        self.assertLessEqual(expected, set(dir(sqs)))
        for name in expected:
            self.assertIsInstance(getattr(sqs, name), mock.AsyncMock, name)
        self.assertIs(sqs.send_message, sqs.send_message)

    def test_unknown_operation_names_close_matches(self):
        s3 = fake_client("s3")
        with self.assertRaises(AttributeError) as caught:
            s3.get_objekt
        self.assertEqual(
            str(caught.exception),
            "s3 client has no operation 'get_objekt'. Did you mean 'get_object' or "
            "'get_object_acl' or 'put_object'? The fake has exactly the operations of the botocore "
            "s3 model, as snake_case methods (see client.meta.method_to_api_mapping).",
        )
        self.assertFalse(hasattr(s3, "send_message"))

    def test_unknown_service_names_close_matches(self):
        with self.assertRaises(UnknownServiceError) as caught:
            fake_client("dynamo")
        self.assertIn("Unknown service: 'dynamo'. Did you mean 'dynamodb'?", str(caught.exception))

    def test_meta_exceptions_and_pagination_as_on_a_real_client(self):
        s3 = fake_client("s3", region_name="eu-west-1")
        self.assertEqual(s3.meta.region_name, "eu-west-1")
        self.assertEqual(s3.meta.service_model.service_name, "s3")
        self.assertEqual(s3.meta.method_to_api_mapping["get_object"], "GetObject")
        self.assertTrue(s3.can_paginate("list_objects_v2"))
        self.assertFalse(s3.can_paginate("get_object"))
        with self.assertRaises(OperationNotPageableError):
            s3.get_paginator("get_object")
        self.assertTrue(issubclass(s3.exceptions.NoSuchKey, ClientError))
        self.assertIs(s3.exceptions.NoSuchKey, fake_client("s3").exceptions.NoSuchKey)
        self.assertIn("bucket_exists", s3.waiter_names)

    def test_stubber_signatures_are_identical(self):
        for name in ("add_response", "add_client_error", "assert_no_pending_responses"):
            with self.subTest(name):
                ours = inspect.signature(getattr(FakeClient, name))
                theirs = inspect.signature(getattr(Stubber, name))
                self.assertEqual(
                    [(p.name, p.default, p.kind) for p in ours.parameters.values()],
                    [(p.name, p.default, p.kind) for p in theirs.parameters.values()],
                )


class StubberVocabularyTests(unittest.IsolatedAsyncioTestCase):
    async def test_queued_response_is_returned_and_recorded(self):
        sqs = fake_client("sqs")
        sqs.add_response(
            "send_message", {"MessageId": "m1"}, {"QueueUrl": "u", "MessageBody": "hi"}
        )
        response = await sqs.send_message(QueueUrl="u", MessageBody="hi")
        self.assertEqual(response["MessageId"], "m1")
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        sqs.send_message.assert_awaited_once_with(QueueUrl="u", MessageBody="hi")
        self.assertEqual(sqs.mock_calls, [mock.call.send_message(QueueUrl="u", MessageBody="hi")])
        sqs.assert_no_pending_responses()

    async def test_response_is_validated_against_the_output_shape_like_stubber(self):
        sqs = fake_client("sqs")
        with self.assertRaises(ParamValidationError) as caught:
            sqs.add_response("send_message", {"MessageId": 1})
        self.assertEqual(
            str(caught.exception),
            "Parameter validation failed:\nInvalid type for parameter MessageId, "
            "value: 1, type: <class 'int'>, valid types: <class 'str'>",
        )
        with self.assertRaisesRegex(ValueError, "Did you mean 'send_message'"):
            sqs.add_response("send_mesage", {})

    async def test_modeled_client_error_raises_the_real_class(self):
        s3 = fake_client("s3")
        s3.add_client_error("get_object", "NoSuchKey", "gone", 404)
        with self.assertRaises(s3.exceptions.NoSuchKey) as caught:
            await s3.get_object(Bucket="b", Key="k")
        self.assertIsInstance(caught.exception, ClientError)
        self.assertEqual(
            caught.exception.response["Error"], {"Code": "NoSuchKey", "Message": "gone"}
        )
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertEqual(caught.exception.operation_name, "GetObject")

    async def test_unmodeled_error_is_a_plain_client_error(self):
        sqs = fake_client("sqs")
        sqs.add_client_error("send_message", "Throttling", "slow down", 400)
        with self.assertRaises(ClientError) as caught:
            await sqs.send_message(QueueUrl="u", MessageBody="m")
        self.assertIs(type(caught.exception), ClientError)
        self.assertEqual(caught.exception.response["Error"]["Code"], "Throttling")

    async def test_modeled_fields_are_validated_against_the_error_shape(self):
        dynamodb = fake_client("dynamodb")
        with self.assertRaises(ParamValidationError):
            dynamodb.add_client_error(
                "put_item",
                "ConditionalCheckFailedException",
                modeled_fields={"Item": "not a map"},
            )
        dynamodb.add_client_error(
            "put_item",
            "ConditionalCheckFailedException",
            modeled_fields={"Item": {"id": {"S": "1"}}},
        )
        with self.assertRaises(dynamodb.exceptions.ConditionalCheckFailedException) as caught:
            await dynamodb.put_item(TableName="t", Item={"id": {"S": "1"}})
        self.assertEqual(caught.exception.response["Item"], {"id": {"S": "1"}})

    async def test_expected_params_mismatch_shows_a_readable_diff(self):
        s3 = fake_client("s3")
        s3.add_response("get_object", {}, {"Bucket": "b", "Key": "a.txt", "Range": "bytes=0-1"})
        with self.assertRaises(StubAssertionError) as caught:
            await s3.get_object(Bucket="b", Key="b.txt", VersionId="3")
        message = str(caught.exception)
        self.assertIsInstance(caught.exception, AssertionError)
        self.assertIn(
            "Differences (expected_params vs the call):\n"
            "  Key: expected 'a.txt', passed 'b.txt'\n"
            "  Range: expected 'bytes=0-1', not passed\n"
            "  VersionId: not expected, passed '3'",
            message,
        )
        # Like Stubber, the response stays queued.
        with self.assertRaisesRegex(AssertionError, r"1 queued response\(s\) were never used"):
            s3.assert_no_pending_responses()

    async def test_expected_params_accept_any(self):
        s3 = fake_client("s3")
        s3.add_response("get_object", {}, {"Bucket": "b", "Key": ANY})
        await s3.get_object(Bucket="b", Key="whatever")
        s3.assert_no_pending_responses()

    async def test_queues_are_per_operation_fifo(self):
        s3 = fake_client("s3")
        s3.add_response("head_object", {"ContentLength": 1})
        s3.add_response("get_object", {"ContentLength": 2})
        s3.add_response("head_object", {"ContentLength": 3})
        self.assertEqual((await s3.get_object(Bucket="b", Key="k"))["ContentLength"], 2)
        self.assertEqual((await s3.head_object(Bucket="b", Key="k"))["ContentLength"], 1)
        self.assertEqual((await s3.head_object(Bucket="b", Key="k"))["ContentLength"], 3)

    async def test_pending_responses_are_named(self):
        s3 = fake_client("s3")
        s3.add_response("put_object", {})
        s3.add_client_error("get_object", "NoSuchKey")
        with self.assertRaises(AssertionError) as caught:
            s3.assert_no_pending_responses()
        self.assertEqual(
            str(caught.exception),
            "2 queued response(s) were never used: s3.put_object, s3.get_object. The code "
            "under test did not make these calls; see s3.mock_calls for the calls it made.",
        )


class ValidationTests(unittest.IsolatedAsyncioTestCase):
    async def test_bad_parameters_raise_param_validation_error_even_with_return_value(self):
        sqs = fake_client("sqs")
        sqs.send_message.return_value = {"MessageId": "x"}
        with self.assertRaises(ParamValidationError) as caught:
            await sqs.send_message(QueueUrl="u", Body="typo")
        self.assertIn('Unknown parameter in input: "Body"', str(caught.exception))
        # The rejected call is still recorded, as called and as awaited.
        self.assertEqual(sqs.send_message.await_count, 1)
        self.assertEqual(sqs.send_message.call_count, 1)
        self.assertEqual((await sqs.send_message(QueueUrl="u", MessageBody="m"))["MessageId"], "x")

    async def test_positional_arguments_are_refused_like_aiobotocore(self):
        sqs = fake_client("sqs")
        with self.assertRaisesRegex(
            TypeError, r"^send_message\(\) only accepts keyword arguments\.$"
        ):
            await sqs.send_message("u", "m")

    async def test_botocore_parameter_handlers_run(self):
        s3 = fake_client("s3")
        with self.assertRaisesRegex(ParamValidationError, "Invalid bucket name"):
            await s3.get_object(Bucket="no/slashes", Key="k")
        # An idempotency token botocore fills in is not reported missing.
        sfn = fake_client("stepfunctions")
        sfn.add_response("start_execution", {"executionArn": "a", "startDate": "2024-01-01"})
        await sfn.start_execution(stateMachineArn="arn")


class ProgrammingTests(unittest.IsolatedAsyncioTestCase):
    async def test_side_effect_wins_over_the_queue(self):
        sqs = fake_client("sqs")
        sqs.add_response("send_message", {"MessageId": "queued"})
        sqs.send_message.side_effect = [{"MessageId": "effect"}]
        self.assertEqual(
            (await sqs.send_message(QueueUrl="u", MessageBody="m"))["MessageId"], "effect"
        )
        sqs.send_message.side_effect = None
        self.assertEqual(
            (await sqs.send_message(QueueUrl="u", MessageBody="m"))["MessageId"], "queued"
        )

    async def test_side_effect_exception(self):
        sqs = fake_client("sqs")
        sqs.send_message.side_effect = sqs.exceptions.QueueDoesNotExist(
            {"Error": {"Code": "QueueDoesNotExist", "Message": "no"}}, "SendMessage"
        )
        with self.assertRaises(sqs.exceptions.QueueDoesNotExist):
            await sqs.send_message(QueueUrl="u", MessageBody="m")

    async def test_strict_mode_names_the_call_and_is_remembered(self):
        sqs = fake_client("sqs")
        with self.assertRaises(AssertionError) as caught:
            await sqs.receive_message(QueueUrl="u", MaxNumberOfMessages=2)
        self.assertIn(
            "Unexpected call sqs.receive_message(QueueUrl='u', MaxNumberOfMessages=2): "
            "nothing is queued for it",
            str(caught.exception),
        )
        # Code under test may swallow the error; the end-of-test check still sees it.
        self.assertEqual(len(sqs._asynctestkitProblems()), 1)

    async def test_lenient_mode_returns_a_minimal_valid_response(self):
        sfn = fake_client("stepfunctions", lenient=True)
        response = await sfn.start_execution(stateMachineArn="arn")
        self.assertEqual(set(response), {"executionArn", "startDate", "ResponseMetadata"})
        s3 = FakeClient("s3", lenient=True)
        body = (await s3.get_object(Bucket="b", Key="k"))["Body"]
        self.assertEqual(await body.read(), b"")

    def test_minimal_responses_validate_for_every_operation(self):
        from asynctestkit.fakes._responses import minimal_response

        for service in (
            "s3",
            "sqs",
            "sns",
            "dynamodb",
            "lambda",
            "stepfunctions",
            "ec2",
            "translate",
        ):
            model = get_session().get_service_model(service)
            for name in model.operation_names:
                operation = model.operation_model(name)
                response = minimal_response(operation)
                del response["ResponseMetadata"]
                for key, value in list(response.items()):
                    if isinstance(value, FakeStreamingBody):
                        response[key] = b""
                if operation.output_shape is not None:
                    with self.subTest(f"{service}.{name}"):
                        validate_parameters(response, operation.output_shape)


class StreamingBodyTests(unittest.IsolatedAsyncioTestCase):
    async def test_bytes_and_str_bodies_read_like_aiobotocore(self):
        s3 = fake_client("s3")
        s3.add_response("get_object", {"Body": "héllo\nworld\n", "ContentLength": 13})
        body = (await s3.get_object(Bucket="b", Key="k"))["Body"]
        self.assertEqual(await body.read(2), b"h\xc3")
        self.assertEqual(
            [chunk async for chunk in body.iter_chunks(4)], [b"\xa9llo", b"\nwor", b"ld\n"]
        )
        self.assertEqual(await body.read(), b"")

        s3.add_response("get_object", {"Body": b"a\nb\r\nc"})
        async with (await s3.get_object(Bucket="b", Key="k"))["Body"] as body:
            self.assertEqual(
                [line async for line in body.iter_lines(chunk_size=2)], [b"a", b"b", b"c"]
            )

    async def test_lambda_payload_is_streamed_too(self):
        awslambda = fake_client("lambda")
        awslambda.add_response("invoke", {"StatusCode": 200, "Payload": b'{"ok": true}'})
        response = await awslambda.invoke(FunctionName="f", Payload=b"{}")
        self.assertEqual(await response["Payload"].read(), b'{"ok": true}')


class PaginatorTests(unittest.IsolatedAsyncioTestCase):
    def queue_two_pages(self, s3):
        s3.add_response(
            "list_objects_v2",
            {"Contents": [{"Key": "a"}], "IsTruncated": True, "NextContinuationToken": "t1"},
            {"Bucket": "b"},
        )
        s3.add_response(
            "list_objects_v2",
            {"Contents": [{"Key": "b"}], "IsTruncated": False},
            {"Bucket": "b", "ContinuationToken": "t1"},
        )

    async def test_async_for_yields_the_queued_pages(self):
        s3 = fake_client("s3")
        self.queue_two_pages(s3)
        keys = []
        async for page in s3.get_paginator("list_objects_v2").paginate(Bucket="b"):
            keys += [item["Key"] for item in page["Contents"]]
        self.assertEqual(keys, ["a", "b"])
        s3.assert_no_pending_responses()

    async def test_build_full_result_and_search(self):
        s3 = fake_client("s3")
        self.queue_two_pages(s3)
        result = await s3.get_paginator("list_objects_v2").paginate(Bucket="b").build_full_result()
        self.assertEqual(result["Contents"], [{"Key": "a"}, {"Key": "b"}])
        self.queue_two_pages(s3)
        found = s3.get_paginator("list_objects_v2").paginate(Bucket="b").search("Contents[].Key")
        self.assertEqual([key async for key in found], ["a", "b"])

    async def test_page_parameters_are_validated(self):
        s3 = fake_client("s3")
        with self.assertRaisesRegex(ParamValidationError, 'Unknown parameter in input: "Bukket"'):
            async for _ in s3.get_paginator("list_objects_v2").paginate(Bukket="b"):
                pass


class WaiterTests(unittest.IsolatedAsyncioTestCase):
    async def test_wait_returns_when_nothing_is_queued(self):
        s3 = fake_client("s3")
        waiter = s3.get_waiter("bucket_exists")
        self.assertIs(waiter, s3.get_waiter("bucket_exists"))
        self.assertIsNone(await waiter.wait(Bucket="b"))
        waiter.wait.assert_awaited_once_with(Bucket="b")
        s3.head_bucket.assert_not_awaited()

    async def test_wait_polls_the_queued_responses_without_sleeping(self):
        s3 = fake_client("s3")
        s3.add_client_error("head_bucket", "404", http_status_code=404)
        s3.add_response("head_bucket", {})
        await s3.get_waiter("bucket_exists").wait(Bucket="b", WaiterConfig={"Delay": 30})
        self.assertEqual(s3.head_bucket.await_count, 2)
        s3.assert_no_pending_responses()

    async def test_waiter_error_after_max_attempts(self):
        sqs = fake_client("dynamodb")
        for _ in range(2):
            sqs.add_response("describe_table", {"Table": {"TableStatus": "CREATING"}})
        with self.assertRaises(WaiterError):
            await sqs.get_waiter("table_exists").wait(
                TableName="t", WaiterConfig={"MaxAttempts": 2}
            )

    async def test_unknown_waiter_and_bad_parameters(self):
        s3 = fake_client("s3")
        with self.assertRaisesRegex(
            ValueError, "Waiter does not exist: bucket_exist. Did you mean 'bucket_exists'"
        ):
            s3.get_waiter("bucket_exist")
        with self.assertRaises(ParamValidationError):
            await s3.get_waiter("bucket_exists").wait(Bukket="b")


class TransferMethodTests(unittest.IsolatedAsyncioTestCase):
    def test_without_aioboto3_the_fake_has_none_like_aiobotocore(self):
        with without_aioboto3():
            s3 = fake_client("s3")
            self.assertNotIn("upload_fileobj", dir(s3))
            with self.assertRaises(AttributeError) as caught:
                s3.upload_fileobj  # noqa: B018
        self.assertEqual(
            str(caught.exception),
            "s3 client has no 'upload_fileobj': it is one of aioboto3's S3 transfer methods, "
            "and aioboto3 is not installed (a plain aiobotocore client has none either). "
            "Install it with: pip install 'asynctestkit[aioboto3]'",
        )

    @needs_aioboto3
    async def test_aioboto3_transfer_helpers_run_on_the_fake(self):
        import io

        s3 = fake_client("s3")
        self.assertLessEqual({"upload_fileobj", "download_fileobj", "copy"}, set(dir(s3)))
        s3.add_response(
            "put_object", {"ETag": '"e"'}, {"Bucket": "b", "Key": "k", "Body": b"hello"}
        )
        await s3.upload_fileobj(io.BytesIO(b"hello"), "b", "k")
        s3.upload_fileobj.assert_awaited_once()
        s3.add_response("head_object", {"ContentLength": 5})
        s3.add_response(
            "get_object", {"Body": b"hello"}, {"Bucket": "b", "Key": "k", "Range": "bytes=0-4"}
        )
        target = io.BytesIO()
        await s3.download_fileobj("b", "k", target)
        self.assertEqual(target.getvalue(), b"hello")
        s3.assert_no_pending_responses()
        self.assertFalse(hasattr(fake_client("sqs"), "upload_fileobj"))


class MiscTests(unittest.IsolatedAsyncioTestCase):
    async def test_async_with_yields_the_client(self):
        async with fake_client("s3") as s3:
            self.assertIsInstance(s3, FakeClient)
        await s3.close()

    async def test_generate_presigned_url_validates_like_botocore(self):
        s3 = fake_client("s3")
        url = await s3.generate_presigned_url(
            "get_object", Params={"Bucket": "b", "Key": "a b"}, ExpiresIn=60
        )
        self.assertTrue(url.startswith("https://s3.us-east-1.amazonaws.com/b/a%20b?"), url)
        self.assertIn("X-Amz-Expires=60", url)
        with self.assertRaises(UnknownClientMethodError):
            await s3.generate_presigned_url("get_objekt")
        with self.assertRaises(ParamValidationError):
            await s3.generate_presigned_url("get_object", Params={"Bucket": "b"})
