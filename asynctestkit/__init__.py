"""unittest-native async testing for MongoDB and AWS applications.

Importing this package is cheap: pymongo, motor, beanie, moto and aioboto3 are
loaded only when the part that needs them is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from asynctestkit.case import AsyncTestCase, EventLoopMixin

if TYPE_CHECKING:
    from asynctestkit.aws.case import AwsTestCase, MotoMixin
    from asynctestkit.mongo.case import MongoMixin, MongoTestCase
    from asynctestkit.mongo_aws import MongoAwsTestCase

__version__ = "0.1.0"

__all__ = [
    "AsyncTestCase",
    "AwsTestCase",
    "EventLoopMixin",
    "MongoAwsTestCase",
    "MongoMixin",
    "MongoTestCase",
    "MotoMixin",
]

# Public names defined in modules that are imported on first access.
_LAZY = {
    "AwsTestCase": "asynctestkit.aws.case",
    "MotoMixin": "asynctestkit.aws.case",
    "MongoMixin": "asynctestkit.mongo.case",
    "MongoTestCase": "asynctestkit.mongo.case",
    "MongoAwsTestCase": "asynctestkit.mongo_aws",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'asynctestkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
