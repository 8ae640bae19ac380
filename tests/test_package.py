"""The package's public surface and its promise to stay light to import."""

import sys
import textwrap
import unittest

import asynctestkit
from asynctestkit._extras import require
from tests._support import run_python

PUBLIC = [
    "AsyncTestCase",
    "AwsTestCase",
    "EventLoopMixin",
    "LeftoverWarning",
    "MongoAwsTestCase",
    "MongoMixin",
    "MongoTestCase",
    "MotoMixin",
]
HEAVY = ["pymongo", "motor", "beanie", "moto", "boto3", "botocore", "aioboto3", "aiobotocore"]


def run_code(code):
    return run_python("-c", textwrap.dedent(code))


class PublicSurfaceTests(unittest.TestCase):
    def test_all_is_the_documented_surface_sorted(self):
        self.assertEqual(asynctestkit.__all__, PUBLIC)
        self.assertEqual(asynctestkit.__all__, sorted(asynctestkit.__all__))

    def test_unknown_attribute_raises_attribute_error(self):
        with self.assertRaisesRegex(AttributeError, "has no attribute 'Nope'"):
            asynctestkit.Nope  # noqa: B018

    def test_importing_the_package_imports_no_heavy_dependency(self):
        proc = run_code(
            f"""
            import sys
            import asynctestkit
            heavy = [m for m in {HEAVY!r} if m in sys.modules]
            print(heavy)
            """
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), "[]")

    def test_every_public_class_is_importable_without_the_extras(self):
        # Blocking the heavy modules makes any import of them fail, as on a base install.
        proc = run_code(
            f"""
            import sys
            for name in {HEAVY!r}:
                sys.modules[name] = None
            import asynctestkit
            for name in asynctestkit.__all__:
                assert isinstance(getattr(asynctestkit, name), type), name
            print("ok")
            """
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), "ok")


class MissingExtraTests(unittest.TestCase):
    def test_missing_dependency_names_the_install_line(self):
        saved = sys.modules.get("pymongo", "absent")
        sys.modules["pymongo"] = None
        try:
            with self.assertRaises(ImportError) as caught:
                require("pymongo", "mongo", "MongoTestCase")
        finally:
            if saved == "absent":
                del sys.modules["pymongo"]
            else:
                sys.modules["pymongo"] = saved
        self.assertEqual(
            str(caught.exception),
            "MongoTestCase needs the 'pymongo' package, which is not installed. "
            "Install it with: pip install 'asynctestkit[mongo]'",
        )
