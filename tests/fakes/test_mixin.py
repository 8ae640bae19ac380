"""FakeAwsMixin: inner TestCases are run and what happened is asserted, in order."""

import unittest

import aiobotocore.session

from asynctestkit import AsyncTestCase
from asynctestkit.fakes import FakeAwsMixin, FakeClient
from tests._support import run_suite
from tests.fakes import _app

REAL_CREATE_CLIENT = aiobotocore.session.AioSession.create_client


def patched():
    return aiobotocore.session.AioSession.create_client is not REAL_CREATE_CLIENT


class FakeAwsMixinTests(unittest.TestCase):
    def test_leftover_queued_response_fails_the_test_at_its_end(self):
        events = []

        class Inner(FakeAwsMixin, AsyncTestCase):
            async def test_forgets_to_upload(self):
                self.fake_aws_client("s3").add_response("put_object", {})
                self.addCleanup(events.append, "user cleanup")
                events.append("test")

        result = run_suite(Inner("test_forgets_to_upload"))
        self.assertEqual(events, ["test", "user cleanup"])
        self.assertEqual(result.errors, [])
        self.assertEqual(len(result.failures), 1)
        message = result.failures[0][1]
        self.assertIn(
            "test_forgets_to_upload: the fake AWS clients were not used as programmed:", message
        )
        self.assertIn("1 queued response(s) were never used: s3.put_object.", message)
        self.assertFalse(patched())

    def test_a_call_the_code_under_test_swallowed_still_fails(self):
        class Inner(FakeAwsMixin, AsyncTestCase):
            async def test_swallowed(self):
                try:
                    await _app.notify("arn:t", "hi")
                except Exception:
                    pass  # the code under test logs and carries on

        result = run_suite(Inner("test_swallowed"))
        self.assertEqual(len(result.failures), 1)
        self.assertIn(
            "Unexpected call sns.publish(TopicArn='arn:t', Message='hi')", result.failures[0][1]
        )

    def test_patched_from_async_set_up_to_the_last_cleanup(self):
        events = []

        class Inner(FakeAwsMixin, AsyncTestCase):
            async def asyncSetUp(self):
                # No super() call: the mixin must not depend on it.
                events.append(("asyncSetUp", patched()))
                self.s3 = self.fake_aws_client("s3")
                self.s3.add_response(
                    "put_object", {}, {"Bucket": "invoices", "Key": "o1.pdf", "Body": b"1"}
                )

            async def test_upload(self):
                events.append(("test", patched()))
                await _app.upload_invoice("o1", b"1")
                self.addAsyncCleanup(self.cleanup)

            async def cleanup(self):
                events.append(("cleanup", patched()))

            async def asyncTearDown(self):
                events.append(("asyncTearDown", patched()))

        result = run_suite(Inner("test_upload"))
        self.assertEqual((result.failures, result.errors), ([], []))
        self.assertEqual(
            events,
            [("asyncSetUp", True), ("test", True), ("asyncTearDown", True), ("cleanup", True)],
        )
        self.assertFalse(patched())

    def test_each_test_gets_its_own_fakes(self):
        seen = []

        class Inner(FakeAwsMixin, AsyncTestCase):
            async def test_a(self):
                seen.append(self.fake_aws_client("sqs"))
                self.fake_aws_client("sqs").add_response("send_message", {"MessageId": "a"})
                await self.fake_aws_client("sqs").send_message(QueueUrl="u", MessageBody="m")

            async def test_b(self):
                seen.append(self.fake_aws_client("sqs"))
                self.assertEqual(self.fake_aws_client("sqs").mock_calls, [])

        result = run_suite(Inner("test_a"), Inner("test_b"), Inner("test_b"), Inner("test_a"))
        self.assertEqual((result.testsRun, result.failures, result.errors), (4, [], []))
        self.assertEqual(len({id(client) for client in seen}), 4)

    def test_lenient_client_and_session_property(self):
        class Inner(FakeAwsMixin, AsyncTestCase):
            async def test_lenient(self):
                ddb = self.fake_aws_client("dynamodb", lenient=True)
                self.assertIs(self.fake_aws_session.fake_client("dynamodb"), ddb)
                self.assertEqual(await _app.table_status("orders"), "ACTIVE")

        # The minimal DescribeTable response has no Table: the app code's KeyError is the
        # test's failure, and nothing is left over.
        result = run_suite(Inner("test_lenient"))
        self.assertEqual(len(result.errors), 1)
        self.assertIn("KeyError: 'Table'", result.errors[0][1])
        self.assertEqual(result.failures, [])

    def test_works_on_a_plain_isolated_asyncio_test_case(self):
        class Inner(FakeAwsMixin, unittest.IsolatedAsyncioTestCase):
            async def test_leftover(self):
                self.assertTrue(patched())
                self.assertIsInstance(self.fake_aws_client("s3"), FakeClient)
                self.fake_aws_client("s3").add_response("delete_object", {})

        result = run_suite(Inner("test_leftover"))
        self.assertEqual(len(result.failures), 1)
        self.assertIn("s3.delete_object", result.failures[0][1])
        self.assertFalse(patched())
