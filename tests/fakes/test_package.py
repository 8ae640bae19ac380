"""The public surface of asynctestkit.fakes, and what importing it costs."""

import textwrap
import unittest
from pathlib import Path

import asynctestkit.fakes
from tests._support import run_python

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
        page = (Path(__file__).resolve().parents[2] / "docs" / "fakes.md").read_text()
        for name in DOCUMENTED:
            self.assertTrue(hasattr(asynctestkit.fakes, name), name)
            self.assertIn(f"`{name}", page)

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
        output = run_python("-c", code, check=True, timeout=60).stdout
        self.assertEqual(output.strip(), "[]")

    def test_without_the_aws_extra_the_error_names_the_install_line(self):
        code = textwrap.dedent(
            """
            import sys

            class Missing:
                def find_spec(self, name, path=None, target=None):
                    if name.split(".")[0] in {"aioboto3", "aiobotocore", "botocore"}:
                        raise ImportError(f"No module named {name!r}")

            sys.meta_path.insert(0, Missing())
            from asynctestkit.fakes import fake_client, patch_aioboto3
            for make in (lambda: fake_client("s3"), lambda: patch_aioboto3().start()):
                try:
                    make()
                except ImportError as error:
                    print(error)
            """
        )
        output = run_python("-c", code, check=True, timeout=60).stdout
        self.assertEqual(
            output.splitlines(),
            [
                "asynctestkit.fakes needs the 'aiobotocore' package, which is not installed. "
                "Install it with: pip install 'asynctestkit[aws]'",
                "asynctestkit.fakes.patch_aioboto3 needs the 'aiobotocore' package, which is "
                "not installed. Install it with: pip install 'asynctestkit[aws]'",
            ],
        )
