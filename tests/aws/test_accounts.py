"""Dropping an account frees its moto state: nothing of a finished test stays in memory."""

import asyncio
import gc
import json
import unittest
import urllib.request
import warnings
import weakref

import boto3

from asynctestkit.aws._accounts import LocalAccounts
from asynctestkit.aws._server import MotoServer


def _tracked():
    """Every object in moto's instance tracker (the list behind its dashboard)."""
    from moto.core.model_instances import model_data

    return [
        instance
        for models in list(model_data.values())
        for model in list(models.values())
        for instance in vars(model).get("instances_tracked", ())
    ]


class DropTests(unittest.TestCase):
    def setUp(self):
        self.server = MotoServer()
        self.server.start()
        self.addCleanup(self.server.stop)
        self.accounts = LocalAccounts(self.server)

    def account(self):
        account = asyncio.run(self.accounts.create())
        self.addCleanup(self.accounts.drop, account)
        return account

    def client(self, service, account):
        client = boto3.client(
            service,
            endpoint_url=self.server.endpoint_url,
            region_name="us-east-1",
            **account.client_kwargs(),
        )
        self.addCleanup(client.close)
        return client

    def use(self, account, name):
        """Buckets, keys, versions, a queue and messages, as a test does."""
        s3 = self.client("s3", account)
        s3.create_bucket(Bucket=name)
        s3.put_object(Bucket=name, Key="k", Body=b"v1")
        s3.put_object(Bucket=name, Key="k", Body=b"v2")
        s3.list_object_versions(Bucket=name)  # moto copies every key version for this
        sqs = self.client("sqs", account)
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="m")
        self.assertEqual(len(sqs.receive_message(QueueUrl=url)["Messages"]), 1)
        return s3

    def test_drop_frees_every_object_moto_made_for_the_account(self):
        keeper = self.account()
        kept = self.use(keeper, "kept-bucket")
        before = {id(instance) for instance in _tracked()}
        dropped = self.account()
        self.use(dropped, "dropped-bucket")
        made = [weakref.ref(i) for i in _tracked() if id(i) not in before]
        self.assertGreater(len(made), 10)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.accounts.drop(dropped)
            gc.collect()
        alive = sorted(type(ref()).__name__ for ref in made if ref() is not None)
        # What is left is moto's module-level constants (e.g. the AllUsers grantee).
        self.assertEqual([name for name in alive if name != "FakeGrantee"], [])
        self.assertEqual([str(w.message) for w in caught], [])  # every S3 key was disposed
        # The other account is untouched: its keys still read, the name is still taken.
        body = kept.get_object(Bucket="kept-bucket", Key="k")["Body"].read()
        self.assertEqual(body, b"v2")
        reused = self.account()
        self.client("s3", reused).create_bucket(Bucket="dropped-bucket")

    def test_dashboard_still_lists_live_objects_after_a_drop(self):
        self.use(self.account(), "listed-bucket")
        dropped = self.account()
        self.use(dropped, "gone-bucket")
        self.accounts.drop(dropped)
        url = f"{self.server.endpoint_url}/moto-api/data.json"
        with urllib.request.urlopen(url, timeout=10) as response:
            data = json.load(response)
        names = {bucket["name"] for bucket in data["s3"]["FakeBucket"]}
        self.assertIn("listed-bucket", names)
        self.assertNotIn("gone-bucket", names)
