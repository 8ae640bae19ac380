"""AwsTestCase and MotoMixin, tested by running inner TestCases (as CPython's test_async_case)."""

import asyncio
import contextlib
import json
import os
import sys
import time
import unittest
from unittest import mock

import boto3
from aiobotocore.client import AioBaseClient
from aiobotocore.session import get_session

from asynctestkit import AsyncTestCase
from asynctestkit.aws import _server
from asynctestkit.aws._server import MotoServer
from asynctestkit.aws.case import _ENDPOINT_ENV, AwsTestCase, MotoMixin
from tests._sdks import APP_SDKS, HAS_AIOBOTO3, needs_aioboto3, without_aioboto3
from tests._support import problems, run_suite

DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})


class AwsCaseTestBase(unittest.TestCase):
    def setUp(self):
        self.environ = dict(os.environ)
        self.leases = _server.shared_server_leases()

    def tearDown(self):
        self.assertEqual(dict(os.environ), self.environ)
        self.assertEqual(_server.shared_server_leases(), self.leases)

    def assertPassed(self, result, count):
        self.assertEqual(problems(result), [])
        self.assertEqual(result.testsRun, count)


class IsolationTests(AwsCaseTestBase):
    def isolation_case(self, seen):
        class Test(AwsTestCase):
            async def create_everything(self):
                account = self.aws_account_id
                seen.append(account)
                s3 = await self.aws_client("s3")
                sqs = await self.aws_client("sqs")
                sns = await self.aws_client("sns")
                dynamodb = await self.aws_client("dynamodb")
                sfn = await self.aws_client("stepfunctions")
                self.assertEqual((await s3.list_buckets())["Buckets"], [])
                self.assertNotIn("QueueUrls", await sqs.list_queues())
                self.assertEqual((await sns.list_topics())["Topics"], [])
                self.assertEqual((await dynamodb.list_tables())["TableNames"], [])
                self.assertEqual((await sfn.list_state_machines())["stateMachines"], [])
                # The same names in every test: they only clash if state leaks.
                await s3.create_bucket(Bucket="orders")
                await sqs.create_queue(QueueName="orders")
                await sns.create_topic(Name="orders")
                await self.create_table("orders")
                machine = await sfn.create_state_machine(
                    name="orders",
                    definition=DEFINITION,
                    roleArn=f"arn:aws:iam::{account}:role/orders",
                )
                self.assertIn(f":{account}:", machine["stateMachineArn"])
                await dynamodb.put_item(TableName="orders", Item={"pk": {"S": account}})
                item = await dynamodb.get_item(TableName="orders", Key={"pk": {"S": account}})
                self.assertEqual(item["Item"]["pk"], {"S": account})

            async def test_a(self):
                await self.create_everything()

            async def test_b(self):
                await self.create_everything()

        return Test

    def test_state_of_one_test_is_invisible_in_the_next_in_either_order(self):
        for order in (("test_a", "test_b"), ("test_b", "test_a")):
            with self.subTest(order=order):
                seen = []
                result = run_suite(*map(self.isolation_case(seen), order))
                self.assertPassed(result, 2)
                self.assertEqual(len(set(seen)), 2)
                for account in seen:
                    self.assertRegex(account, r"^\d{12}$")

    def test_class_isolation_shares_one_account(self):
        seen = []

        class Test(AwsTestCase):
            aws_isolation = "class"

            @classmethod
            async def asyncSetUpClass(cls):
                seen.append(("class", cls.aws_account_id))
                await cls.create_bucket("from-class")

            async def test_a(self):
                seen.append(("a", self.aws_account_id))
                await self.create_bucket("from-a")

            async def test_b(self):
                seen.append(("b", self.aws_account_id))
                s3 = await self.aws_client("s3")
                names = [bucket["Name"] for bucket in (await s3.list_buckets())["Buckets"]]
                self.assertEqual(sorted(names), ["from-a", "from-class"])

        self.assertPassed(run_suite(Test), 2)
        self.assertEqual([who for who, _ in seen], ["class", "a", "b"])
        self.assertEqual(len({account for _, account in seen}), 1)

    def test_test_isolation_hides_class_resources_from_tests(self):
        class Test(AwsTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                cls.class_account = cls.aws_account_id
                await cls.create_bucket("from-class")

            async def test_fresh_account(self):
                self.assertNotEqual(self.aws_account_id, self.class_account)
                s3 = await self.aws_client("s3")
                self.assertEqual((await s3.list_buckets())["Buckets"], [])

        self.assertPassed(run_suite(Test), 1)


class EnvironmentTests(AwsCaseTestBase):
    def test_environment_is_set_for_the_class_and_restored_exactly(self):
        seen = {}

        class Test(AwsTestCase):
            aws_region = "eu-west-1"

            @classmethod
            async def asyncSetUpClass(cls):
                seen["class key"] = os.environ["AWS_ACCESS_KEY_ID"]

            async def test_environment(self):
                seen["endpoint"] = os.environ["AWS_ENDPOINT_URL"]
                seen["region"] = os.environ["AWS_DEFAULT_REGION"]
                seen["test key"] = os.environ["AWS_ACCESS_KEY_ID"]
                self.assertNotIn("AWS_PROFILE", os.environ)

        with mock.patch.dict(os.environ, {"AWS_PROFILE": "production", "AWS_REGION": "x"}):
            before = dict(os.environ)
            self.assertPassed(run_suite(Test), 1)
            self.assertEqual(dict(os.environ), before)
        self.assertTrue(seen["endpoint"].startswith("http://127.0.0.1:"))
        self.assertEqual(seen["region"], "eu-west-1")
        self.assertNotEqual(seen["class key"], seen["test key"])

    def test_failing_async_set_up_class_still_restores_everything(self):
        events = []

        class Test(AwsTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                events.append(os.environ["AWS_ENDPOINT_URL"])
                raise RuntimeError("set-up broke")

            async def test_never_runs(self):
                events.append("test")

        result = run_suite(Test)
        self.assertEqual(len(result.errors), 1)
        self.assertIn("RuntimeError: set-up broke", result.errors[0][1])
        self.assertEqual(len(events), 1)
        self.assertTrue(events[0].startswith("http://127.0.0.1:"))
        # tearDown compares os.environ and the server leases with what they were.

    def test_app_code_on_every_sdk_reaches_moto_in_the_test_account(self):
        seen = {}

        class Test(AwsTestCase):
            aws_region = "eu-central-1"

            async def test_app_session(self):
                bucket = await self.create_bucket()
                # The code under test: its own session per call, no endpoint, no keys;
                # aiobotocore's get_session(), boto3 in a thread, aioboto3 when installed.
                for sdk, call in APP_SDKS.items():
                    with self.subTest(sdk=sdk):
                        key = f"{sdk}.pdf"
                        await call("s3", "put_object", Bucket=bucket, Key=key, Body=b"%PDF")
                        identity = await call("sts", "get_caller_identity")
                        self.assertEqual(identity["Account"], self.aws_account_id)
                        listing = await call("s3", "list_buckets")
                        seen[sdk] = [b["Name"] for b in listing["Buckets"]]
                        self.assertEqual(seen[sdk], [bucket])
                        await self.assertS3ObjectExists(bucket, key)

        self.assertPassed(run_suite(Test), 1)
        self.assertEqual(set(seen), set(APP_SDKS))

    def test_aws_client_is_an_aiobotocore_client_on_every_install(self):
        seen = {}

        class Test(AwsTestCase):
            async def test_client(self):
                s3 = await self.aws_client("s3")
                seen["client"] = isinstance(s3, AioBaseClient)
                seen["transfer"] = hasattr(s3, "upload_fileobj")

        self.assertPassed(run_suite(Test), 1)
        # aioboto3, when installed, adds its S3 transfer methods to the same clients.
        self.assertEqual(seen, {"client": True, "transfer": HAS_AIOBOTO3})

    def test_without_aioboto3_clients_work_and_resources_name_the_extra(self):
        errors = []

        class Test(AwsTestCase):
            async def test_plain(self):
                s3 = await self.aws_client("s3")
                await s3.create_bucket(Bucket="plain")
                self.assertEqual(len((await s3.list_buckets())["Buckets"]), 1)
                with self.assertRaises(ImportError) as caught:
                    await self.aws_resource("dynamodb")
                errors.append(str(caught.exception))

        with without_aioboto3():
            self.assertPassed(run_suite(Test), 1)
        self.assertEqual(
            errors,
            [
                "aws_resource() needs the 'aioboto3' package, which is not installed. "
                "Install it with: pip install 'asynctestkit[aioboto3]'"
            ],
        )


class DefaultSessionTests(AwsCaseTestBase):
    def test_boto3_default_session_follows_each_tests_account(self):
        identities = []

        def whoami():
            with contextlib.closing(boto3.client("sts")) as sts:
                return sts.get_caller_identity()["Account"]

        class Test(AwsTestCase):
            async def check(self):
                identities.append((self.aws_account_id, await asyncio.to_thread(whoami)))

            async def test_a(self):
                await self.check()

            async def test_b(self):
                await self.check()

        caller_session = boto3.DEFAULT_SESSION
        self.assertPassed(run_suite(Test), 2)
        self.assertIs(boto3.DEFAULT_SESSION, caller_session)
        self.assertEqual([mine for mine, _ in identities], [seen for _, seen in identities])
        self.assertEqual(len({mine for mine, _ in identities}), 2)


class SettingsTests(AwsCaseTestBase):
    def class_error(self, **attributes):
        Test = type("Test", (AwsTestCase,), {"test_x": lambda self: None, **attributes})
        Test.__qualname__ = "Test"
        result = run_suite(Test)
        self.assertEqual(len(result.errors), 1, problems(result))
        return result.errors[0][1].strip().splitlines()[-1]

    def test_unknown_isolation_lists_the_valid_values(self):
        self.assertEqual(
            self.class_error(aws_isolation="tests"),
            "ValueError: Test.aws_isolation = 'tests' is not valid: it must be one of "
            "'class', 'test'. Did you mean 'test'? Fix the class attribute.",
        )

    def test_unknown_region_suggests_close_ones(self):
        message = self.class_error(aws_region="eu-west-9")
        self.assertRegex(
            message,
            r"^ValueError: Test.aws_region = 'eu-west-9' is not a region botocore knows\. "
            r"Did you mean '[^?]*'eu-west-1'[^?]*\? "
            r"Fix the class attribute \(default 'us-east-1'\)\.$",
        )

    def test_bad_endpoint_variable_names_the_fix(self):
        with mock.patch.dict(os.environ, {_ENDPOINT_ENV: "localhost:4566"}):
            before = dict(os.environ)
            message = self.class_error()
            self.assertEqual(dict(os.environ), before)
        self.assertEqual(
            message,
            "ValueError: ASYNCTESTKIT_AWS_ENDPOINT='localhost:4566' is not valid: it must be "
            "an http:// or https:// URL with a host, e.g. http://localhost:4566 for "
            "LocalStack. Fix or unset the environment variable.",
        )

    def test_missing_extra_names_the_install_line(self):
        with mock.patch.dict(sys.modules, {"aiobotocore.session": None}):
            message = self.class_error()
        self.assertEqual(
            message,
            "ImportError: Test needs the 'aiobotocore' package, which is not installed. "
            "Install it with: pip install 'asynctestkit[aws]'",
        )


class ClientTests(AwsCaseTestBase):
    def test_unknown_service_names_close_matches(self):
        messages = []

        class Test(AwsTestCase):
            async def test_client(self):
                with self.assertRaises(ValueError) as caught:
                    await self.aws_client("s4")
                messages.append(str(caught.exception))

        self.assertPassed(run_suite(Test), 1)
        self.assertEqual(
            messages,
            [
                "Service 's4' is not an AWS service botocore knows. "
                "Did you mean 's3' or 'es' or 'ds'?"
            ],
        )

    @needs_aioboto3
    def test_resources_with_aioboto3(self):
        messages = []

        class Test(AwsTestCase):
            async def test_resource(self):
                with self.assertRaises(ValueError) as caught:
                    await self.aws_resource("dynamo")
                messages.append(str(caught.exception))
                await self.create_table("orders")
                table = await (await self.aws_resource("dynamodb")).Table("orders")
                await table.put_item(Item={"pk": self.aws_account_id})
                item = (await table.get_item(Key={"pk": self.aws_account_id}))["Item"]
                messages.append(item["pk"] == self.aws_account_id)

        self.assertPassed(run_suite(Test), 1)
        self.assertEqual(
            messages,
            [
                "Resource 'dynamo' is not an AWS service botocore knows. Did you mean 'dynamodb'?",
                True,
            ],
        )

    def test_clients_close_when_the_test_ends(self):
        clients = []

        class Test(AwsTestCase):
            async def test_client(self):
                s3 = await self.aws_client("s3", region_name="eu-west-2")
                self.assertEqual(s3.meta.region_name, "eu-west-2")
                await s3.list_buckets()
                clients.append(s3)

        server = _server.acquire_shared_server()
        _server.release_shared_server()  # still running: it stops at interpreter exit
        before = set(server._connections)
        self.assertPassed(run_suite(Test), 1)
        # Closed: the server sees every connection of the test's clients go away.
        for _ in range(200):
            if set(server._connections) <= before:
                break
            time.sleep(0.01)
        self.assertLessEqual(set(server._connections), before)
        self.assertEqual(len(clients), 1)

    def test_helpers(self):
        class Test(AwsTestCase):
            aws_region = "eu-west-1"

            async def test_helpers(self):
                bucket = await self.create_bucket()
                s3 = await self.aws_client("s3")
                location = await s3.get_bucket_location(Bucket=bucket)
                self.assertEqual(location["LocationConstraint"], "eu-west-1")
                queue = await self.create_queue("jobs", fifo=True)
                self.assertTrue(queue.endswith("/jobs.fifo"))
                topic = await self.create_topic("events")
                self.assertEqual(topic, f"arn:aws:sns:eu-west-1:{self.aws_account_id}:events")
                table = await self.create_table(hash_key="id", range_key="at")
                dynamodb = await self.aws_client("dynamodb")
                schema = (await dynamodb.describe_table(TableName=table))["Table"]["KeySchema"]
                self.assertEqual([key["AttributeName"] for key in schema], ["id", "at"])

        self.assertPassed(run_suite(Test), 1)

    def test_receive_sqs_messages(self):
        class Test(AwsTestCase):
            async def test_receive(self):
                queue = await self.create_queue()
                sns = await self.aws_client("sns")
                topic = await self.create_topic()
                sqs = await self.aws_client("sqs")
                arn = (await sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"]))[
                    "Attributes"
                ]["QueueArn"]
                await sns.subscribe(
                    TopicArn=topic,
                    Protocol="sqs",
                    Endpoint=arn,
                    Attributes={"RawMessageDelivery": "true"},
                )
                for index in range(12):
                    await sns.publish(TopicArn=topic, Message=f"m{index}")
                messages = await self.receive_sqs_messages(queue, count=12, timeout=5)
                self.assertEqual(
                    sorted(m["Body"] for m in messages), sorted(f"m{i}" for i in range(12))
                )
                # Received messages were deleted.
                self.assertNotIn("Messages", await sqs.receive_message(QueueUrl=queue))

            async def test_too_few(self):
                queue = await self.create_queue()
                sqs = await self.aws_client("sqs")
                await sqs.send_message(QueueUrl=queue, MessageBody="only one")
                await self.receive_sqs_messages(queue, count=2, timeout=0.2)

        result = run_suite(Test)
        self.assertEqual(result.errors, [])
        self.assertEqual(
            [test.id().rsplit(".", 1)[1] for test, _ in result.failures], ["test_too_few"]
        )
        self.assertRegex(
            result.failures[0][1],
            r"AssertionError: Received 1 of 2 message\(s\) from http://\S+ within 0.2 s; "
            r"bodies seen: \['only one'\]",
        )

    def test_receive_sqs_messages_waits_in_real_time_under_the_virtual_clock(self):
        class Test(AwsTestCase):
            virtual_clock = True
            test_timeout = 30

            async def test_late_message(self):
                queue = await self.create_queue()

                def send_later():
                    time.sleep(0.3)
                    with contextlib.closing(boto3.client("sqs")) as sqs:
                        sqs.send_message(QueueUrl=queue, MessageBody="late")

                sender = asyncio.ensure_future(asyncio.to_thread(send_later))
                [message] = await self.receive_sqs_messages(queue, count=1, timeout=10)
                self.assertEqual(message["Body"], "late")
                await sender

            async def test_nothing_comes(self):
                await self.receive_sqs_messages(await self.create_queue(), timeout=0.3)

        result = run_suite(Test)
        self.assertEqual(result.errors, [])
        self.assertEqual(
            [test.id().rsplit(".", 1)[1] for test, _ in result.failures], ["test_nothing_comes"]
        )
        self.assertIn("Received 0 of 1 message(s)", result.failures[0][1])

    def test_assert_s3_object_exists(self):
        class Test(AwsTestCase):
            async def test_present(self):
                bucket = await self.create_bucket("present")
                s3 = await self.aws_client("s3")
                await s3.put_object(Bucket=bucket, Key="a/invoice.pdf", Body=b"12")
                head = await self.assertS3ObjectExists(bucket, "a/invoice.pdf")
                self.assertEqual(head["ContentLength"], 2)

            async def test_typo(self):
                bucket = await self.create_bucket("typo")
                s3 = await self.aws_client("s3")
                await s3.put_object(Bucket=bucket, Key="a/invoice.pdf", Body=b"12")
                await self.assertS3ObjectExists(bucket, "a/invoices.pdf")

            async def test_no_bucket(self):
                await self.assertS3ObjectExists("nowhere", "key", msg="upload missing")

        result = run_suite(Test)
        self.assertEqual(result.errors, [])
        failures = {test.id().rsplit(".", 1)[1]: trace for test, trace in result.failures}
        self.assertEqual(sorted(failures), ["test_no_bucket", "test_typo"])
        self.assertRegex(
            failures["test_typo"],
            r"AssertionError: s3://typo/a/invoices.pdf does not exist in account \d{12}\. "
            r"Did you mean 'a/invoice.pdf'\?",
        )
        self.assertRegex(
            failures["test_no_bucket"],
            r"AssertionError: s3://nowhere/key does not exist in account \d{12}\. "
            r"The bucket 'nowhere' does not exist\. : upload missing",
        )


class GuardTests(AwsCaseTestBase):
    def test_requests_to_real_aws_fail_the_test_even_when_swallowed(self):
        class Test(AwsTestCase):
            async def test_raised(self):
                async with get_session().create_client(
                    "s3", endpoint_url="https://s3.amazonaws.com"
                ) as s3:
                    await s3.list_buckets()

            async def test_swallowed(self):
                try:
                    async with get_session().create_client(
                        "sqs", endpoint_url="https://sqs.eu-west-1.amazonaws.com"
                    ) as sqs:
                        await sqs.list_queues()
                except Exception:
                    pass

            async def test_allowed(self):
                s3 = await self.aws_client("s3")
                await s3.list_buckets()

        result = run_suite(Test)
        failed = sorted(test.id().rsplit(".", 1)[1] for test, _ in result.errors + result.failures)
        self.assertEqual(failed, ["test_raised", "test_raised", "test_swallowed"])
        traces = "\n".join(problems(result))
        self.assertIn(
            "asynctestkit blocked a request to https://s3.amazonaws.com/ (s3.ListBuckets)",
            traces,
        )
        self.assertIn("tried to reach real AWS; the request was blocked", traces)
        self.assertIn("https://sqs.eu-west-1.amazonaws.com/ (sqs.ListQueues)", traces)

    def test_the_toolkits_own_clients_are_guarded_too(self):
        class Test(AwsTestCase):
            async def test_own_client(self):
                s3 = await self.aws_client("s3", endpoint_url="https://s3.amazonaws.com")
                await s3.list_buckets()

        result = run_suite(Test)
        self.assertIn(
            "asynctestkit blocked a request to https://s3.amazonaws.com/ (s3.ListBuckets)",
            "\n".join(problems(result)),
        )


class ExternalEndpointTests(AwsCaseTestBase):
    def test_endpoint_variable_replaces_the_in_process_server(self):
        seen = {}

        with MotoServer() as external:
            endpoint = external.endpoint_url

            class Test(AwsTestCase):
                async def check(self, name):
                    s3 = await self.aws_client("s3")
                    seen[name] = (self.aws_account_id, s3.meta.endpoint_url)
                    self.assertEqual(os.environ["AWS_ENDPOINT_URL"], external.endpoint_url)
                    self.assertEqual((await s3.list_buckets())["Buckets"], [])
                    # Bucket names are global on a shared endpoint, as on AWS: unique ones.
                    await self.create_bucket()
                    async with get_session().create_client("sts") as sts:
                        identity = await sts.get_caller_identity()
                    self.assertEqual(identity["Account"], self.aws_account_id)

                async def test_a(self):
                    await self.check("a")

                async def test_b(self):
                    await self.check("b")

            with mock.patch.dict(os.environ, {_ENDPOINT_ENV: external.endpoint_url}):
                result = run_suite(Test)
        self.assertPassed(result, 2)
        self.assertEqual({url for _, url in seen.values()}, {endpoint})
        self.assertNotEqual(seen["a"][0], seen["b"][0])


class CooperationTests(AwsCaseTestBase):
    def test_mixin_hooks_cooperate_with_other_mixins(self):
        events = []

        class OtherMixin:
            @classmethod
            async def _asynctestkitSetUpClass(cls):
                await super()._asynctestkitSetUpClass()
                events.append(("other class", "AWS_ENDPOINT_URL" in os.environ))

            async def _asynctestkitSetUp(self):
                await super()._asynctestkitSetUp()
                events.append(("other test", self.aws_account_id))

        class Test(OtherMixin, MotoMixin, AsyncTestCase):
            @classmethod
            async def asyncSetUpClass(cls):
                events.append(("user class", cls.aws_account_id))

            async def test_x(self):
                events.append(("test", self.aws_account_id))

        self.assertPassed(run_suite(Test), 1)
        self.assertEqual(
            [name for name, _ in events], ["other class", "user class", "other test", "test"]
        )
        self.assertTrue(events[0][1])
        self.assertEqual(events[2][1], events[3][1])
        self.assertNotEqual(events[1][1], events[3][1])

    def test_subclass_gets_its_own_set_up(self):
        accounts = []

        class Base(AwsTestCase):
            aws_isolation = "class"

            async def test_account(self):
                accounts.append(self.aws_account_id)

        class Child(Base):
            pass

        self.assertPassed(run_suite(Base), 1)
        self.assertPassed(run_suite(Child), 1)
        self.assertEqual(len(set(accounts)), 2)
