"""AwsEnvironment: the SDK environment for a class, restored exactly."""

import os
import unittest
from unittest import mock

from asynctestkit.aws._env import AwsEnvironment

USER_ENVIRONMENT = {
    "AWS_PROFILE": "production",
    "AWS_DEFAULT_PROFILE": "production",
    "AWS_ACCESS_KEY_ID": "AKIAREALREALREAL0000",
    "AWS_SECRET_ACCESS_KEY": "real-secret",
    "AWS_SESSION_TOKEN": "real-token",
    "AWS_ENDPOINT_URL_S3": "https://s3.example.com",
    "AWS_ENDPOINT_URL_DYNAMODB": "https://dynamodb.example.com",
    "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token",
    "AWS_ROLE_ARN": "arn:aws:iam::111111111111:role/real",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.2/creds",
    "AWS_DEFAULT_REGION": "ap-south-1",
    "MOTO_ACCOUNT_ID": "999999999999",
    "UNRELATED": "kept",
}


class AwsEnvironmentTests(unittest.TestCase):
    def setUp(self):
        patcher = mock.patch.dict(os.environ, USER_ENVIRONMENT)
        patcher.start()
        self.addCleanup(patcher.stop)
        os.environ.pop("AWS_CONFIG_FILE", None)

    def test_points_every_sdk_at_the_endpoint_and_hides_real_settings(self):
        with AwsEnvironment("http://127.0.0.1:1234", "eu-west-1"):
            self.assertEqual(os.environ["AWS_ENDPOINT_URL"], "http://127.0.0.1:1234")
            self.assertEqual(os.environ["AWS_DEFAULT_REGION"], "eu-west-1")
            self.assertEqual(os.environ["AWS_REGION"], "eu-west-1")
            self.assertEqual(os.environ["AWS_EC2_METADATA_DISABLED"], "true")
            self.assertNotEqual(os.environ["AWS_ACCESS_KEY_ID"], "AKIAREALREALREAL0000")
            for name in (
                "AWS_PROFILE",
                "AWS_DEFAULT_PROFILE",
                "AWS_SESSION_TOKEN",
                "AWS_ENDPOINT_URL_S3",
                "AWS_ENDPOINT_URL_DYNAMODB",
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_ROLE_ARN",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "MOTO_ACCOUNT_ID",
            ):
                self.assertNotIn(name, os.environ)
            config = os.environ["AWS_CONFIG_FILE"]
            self.assertEqual(os.environ["AWS_SHARED_CREDENTIALS_FILE"], config)
            with open(config) as file:
                self.assertEqual(file.read(), "")
            self.assertEqual(os.environ["UNRELATED"], "kept")

    def test_restores_the_environment_exactly(self):
        before = dict(os.environ)
        with AwsEnvironment("http://127.0.0.1:1234", "eu-west-1") as env:
            env.set_credentials("AKIAONEONEONEONE0001", "s1", "token")
            self.assertEqual(os.environ["AWS_SESSION_TOKEN"], "token")
            env.set_credentials("AKIATWOTWOTWOTWO0002", "s2")
            self.assertNotIn("AWS_SESSION_TOKEN", os.environ)
            config = os.environ["AWS_CONFIG_FILE"]
        self.assertEqual(dict(os.environ), before)
        self.assertFalse(os.path.exists(config))

    def test_restore_is_idempotent_and_reentry_is_refused(self):
        before = dict(os.environ)
        env = AwsEnvironment("http://127.0.0.1:1234", "us-east-1")
        with env:
            with self.assertRaisesRegex(RuntimeError, "already applied"):
                env.__enter__()
        env.restore()
        self.assertEqual(dict(os.environ), before)
        with self.assertRaisesRegex(RuntimeError, "not applied: enter it first"):
            env.set_credentials("AKIA", "secret")
