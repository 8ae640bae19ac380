"""AWS on a moto server for tests: ``AwsTestCase``, ``MotoMixin`` and ``MotoServer``.

Importing this package is cheap; moto, botocore and aioboto3 load when a server starts
or a test case class is set up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asynctestkit.aws._server import MotoServer
    from asynctestkit.aws.case import AwsTestCase, MotoMixin

__all__ = ["AwsTestCase", "MotoMixin", "MotoServer"]

_LAZY = {
    "AwsTestCase": "asynctestkit.aws.case",
    "MotoMixin": "asynctestkit.aws.case",
    "MotoServer": "asynctestkit.aws._server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'asynctestkit.aws' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
