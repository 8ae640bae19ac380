"""The public surface of asynctestkit.fakes, and what importing it costs."""

import subprocess
import sys
import textwrap
import unittest

import asynctestkit.fakes

DOCUMENTED = [
    "Aioboto3Patch",
    "FakeAwsMixin",
    "FakeClient",
    "FakeSession",
    "FakeStreamingBody",
    "FakeWaiter",
    "fake_client",
    "patch_aioboto3",
]


class PublicSurfaceTests(unittest.TestCase):
    def test_all_is_what_docs_fakes_md_documents(self):
        self.assertEqual(asynctestkit.fakes.__all__, DOCUMENTED)
        for name in DOCUMENTED:
            self.assertTrue(hasattr(asynctestkit.fakes, name), name)

    def test_importing_the_fakes_loads_no_aws_library(self):
        code = textwrap.dedent(
            """
            import sys
            import asynctestkit.fakes
            aws = {"aioboto3", "aiobotocore", "botocore", "boto3", "moto", "aiohttp"}
            heavy = sorted(name for name in sys.modules if name.split(".")[0] in aws)
            print(heavy)
            """
        )
        output = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
        ).stdout
        self.assertEqual(output.strip(), "[]")
