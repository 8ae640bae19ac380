"""FakeSession and patch_aioboto3, driving unchanged application code (tests/fakes/_app.py)."""

import unittest

import aiobotocore.session
from aiobotocore.session import get_session

from asynctestkit.fakes import FakeClient, FakeSession, patch_aioboto3
from asynctestkit.fakes._session import NO_RESOURCE
from tests._sdks import needs_aioboto3, without_aioboto3
from tests._support import run_suite
from tests.fakes import _app

REAL_CREATE_CLIENT = aiobotocore.session.AioSession.create_client


def patched():
    return aiobotocore.session.AioSession.create_client is not REAL_CREATE_CLIENT


class FakeSessionTests(unittest.IsolatedAsyncioTestCase):
    async def test_one_client_per_service_programmed_before_it_is_opened(self):
        session = FakeSession(region_name="eu-central-1")
        sqs = session.fake_client("sqs")
        sqs.add_response("send_message", {"MessageId": "m1"})
        async with session.client("sqs") as opened:
            self.assertIs(opened, sqs)
            self.assertEqual(
                (await opened.send_message(QueueUrl="u", MessageBody="b"))["MessageId"], "m1"
            )
        self.assertEqual(sqs.meta.region_name, "eu-central-1")
        self.assertIsNot(session.fake_client("s3"), sqs)
        # A client the code under test opens first gets the region it asked for.
        async with session.client("sns", region_name="ap-south-1") as sns:
            self.assertEqual(sns.meta.region_name, "ap-south-1")

    async def test_client_context_is_not_the_client(self):
        # As with aioboto3, the client exists only inside `async with`.
        context = FakeSession().client("s3")
        self.assertFalse(hasattr(context, "get_object"))

    async def test_resource_is_a_clear_error(self):
        with self.assertRaises(NotImplementedError) as caught:
            FakeSession().resource("dynamodb")
        self.assertEqual(str(caught.exception), NO_RESOURCE.format(service="dynamodb"))

    async def test_session_wide_pending_check(self):
        session = FakeSession()
        session.fake_client("s3").add_response("put_object", {})
        with self.assertRaisesRegex(AssertionError, "s3.put_object"):
            session.assert_no_pending_responses()


class PatchContextManagerTests(unittest.IsolatedAsyncioTestCase):
    async def test_app_code_gets_the_programmed_fake(self):
        with patch_aioboto3() as session:
            s3 = session.fake_client("s3")
            s3.add_response(
                "put_object",
                {"ETag": '"e"'},
                {"Bucket": "invoices", "Key": "o1.pdf", "Body": b"%PDF"},
            )
            self.assertEqual(await _app.upload_invoice("o1", b"%PDF"), "s3://invoices/o1.pdf")
            s3.put_object.assert_awaited_once()
            s3.assert_no_pending_responses()
        self.assertFalse(patched())

    async def test_async_with_and_every_way_of_opening_a_client(self):
        async with patch_aioboto3(FakeSession()) as session:
            session.fake_client("sqs").add_response(
                "get_queue_attributes", {"Attributes": {"ApproximateNumberOfMessages": "7"}}
            )
            session.fake_client("sns").add_response("publish", {"MessageId": "n1"})
            session.fake_client("dynamodb").add_response(
                "describe_table", {"Table": {"TableStatus": "ACTIVE"}}
            )
            self.assertEqual(await _app.queue_depth("https://q"), 7)  # AioSession() by name
            self.assertEqual(await _app.notify("arn:t", "hi"), "n1")  # session made at import
            self.assertEqual(await _app.table_status("orders"), "ACTIVE")  # get_session()
            session.assert_no_pending_responses()

    async def test_without_aioboto3_only_aiobotocore_is_patched(self):
        with without_aioboto3():
            with patch_aioboto3() as session:
                session.fake_client("sns").add_response("publish", {"MessageId": "n3"})
                self.assertEqual(await _app.notify("arn:t", "hi"), "n3")
                self.assertTrue(patched())
        self.assertFalse(patched())

    async def test_nesting_restores_in_order(self):
        outer, inner = FakeSession(), FakeSession()
        with patch_aioboto3(outer):
            with patch_aioboto3(inner):
                async with get_session().create_client("s3") as s3:
                    self.assertIs(s3, inner.fake_client("s3"))
            async with get_session().create_client("s3") as s3:
                self.assertIs(s3, outer.fake_client("s3"))
        self.assertFalse(patched())

    def test_stop_without_start_is_a_clear_error(self):
        with self.assertRaisesRegex(RuntimeError, r"stop\(\) was called more times than start\(\)"):
            patch_aioboto3().stop()

    def test_bad_decorator_target(self):
        with self.assertRaisesRegex(
            TypeError, "decorates a function, a coroutine function or a unittest.TestCase"
        ):
            patch_aioboto3()(42)


@needs_aioboto3
class PatchAioboto3Tests(unittest.IsolatedAsyncioTestCase):
    """The same app code on aioboto3 (tests/fakes/_app_aioboto3.py)."""

    async def asyncSetUp(self):
        import aioboto3

        from tests.fakes import _app_aioboto3

        self.app = _app_aioboto3
        self.real_client = aioboto3.Session.client
        self.session_class = aioboto3.Session

    async def test_app_code_gets_the_programmed_fake(self):
        with patch_aioboto3() as session:
            s3 = session.fake_client("s3")
            s3.add_response(
                "put_object",
                {"ETag": '"e"'},
                {"Bucket": "invoices", "Key": "o1.pdf", "Body": b"%PDF"},
            )
            self.assertEqual(await self.app.upload_invoice("o1", b"%PDF"), "s3://invoices/o1.pdf")
            s3.assert_no_pending_responses()
        self.assertIs(self.session_class.client, self.real_client)
        self.assertFalse(patched())

    async def test_every_way_of_opening_a_client(self):
        async with patch_aioboto3(FakeSession()) as session:
            session.fake_client("sqs").add_response(
                "get_queue_attributes", {"Attributes": {"ApproximateNumberOfMessages": "7"}}
            )
            session.fake_client("sns").add_response("publish", {"MessageId": "n1"})
            self.assertEqual(await self.app.queue_depth("https://q"), 7)  # from aioboto3 import
            self.assertEqual(await self.app.notify("arn:t", "hi"), "n1")  # made at import
            session.assert_no_pending_responses()

    async def test_resource_in_app_code_fails_clearly(self):
        with patch_aioboto3():
            with self.assertRaisesRegex(NotImplementedError, "fakes the client layer only"):
                await self.app.count_rows("orders")

    async def test_nesting_restores_in_order(self):
        outer, inner = FakeSession(), FakeSession()
        with patch_aioboto3(outer):
            with patch_aioboto3(inner):
                async with self.session_class().client("s3") as s3:
                    self.assertIs(s3, inner.fake_client("s3"))
            async with self.session_class().client("s3") as s3:
                self.assertIs(s3, outer.fake_client("s3"))
        self.assertIs(self.session_class.client, self.real_client)


fake_aws = patch_aioboto3()


class PatchDecoratorTests(unittest.IsolatedAsyncioTestCase):
    @fake_aws
    async def test_coroutine_function(self):
        fake_aws.session.fake_client("sns").add_response("publish", {"MessageId": "n2"})
        self.assertEqual(await _app.notify("arn:t", "hi"), "n2")

    def test_sync_function(self):
        @patch_aioboto3()
        def opened():
            return patched()

        self.assertTrue(opened())
        self.assertFalse(patched())


class_session = FakeSession()


@patch_aioboto3(class_session)
class PatchClassTests(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.patched_in_set_up_class = patched()

    async def asyncSetUp(self):
        async with get_session().create_client("s3") as s3:
            self.s3 = s3

    async def test_patched_from_set_up_class_on(self):
        self.assertTrue(self.patched_in_set_up_class)
        self.assertIsInstance(self.s3, FakeClient)
        self.assertIs(self.s3, class_session.fake_client("s3"))

    def test_undone_by_the_class_cleanups(self):
        class Inner(unittest.TestCase):
            def test_inside(self):
                inside.append(aiobotocore.session.AioSession.create_client)

        inside = []
        decorated = patch_aioboto3()(Inner)
        before = aiobotocore.session.AioSession.create_client
        result = run_suite(decorated("test_inside"))
        self.assertEqual((result.testsRun, result.failures, result.errors), (1, [], []))
        self.assertIsNot(inside[0], before)
        self.assertIs(aiobotocore.session.AioSession.create_client, before)
