"""unittest-native async testing for MongoDB and AWS applications.

Importing this package is cheap: pymongo, motor, beanie, moto and aioboto3 are
loaded only when the part that needs them is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asynctestkit._lazy import lazy_attributes
from asynctestkit.case import AsyncTestCase, EventLoopMixin, LeftoverWarning

if TYPE_CHECKING:
    from asynctestkit.aws.case import AwsTestCase, MotoMixin
    from asynctestkit.mongo.case import MongoMixin, MongoTestCase
    from asynctestkit.mongo_aws import MongoAwsTestCase

__version__ = "0.1.0"

__all__ = [
    "AsyncTestCase",
    "AwsTestCase",
    "EventLoopMixin",
    "LeftoverWarning",
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

__getattr__, __dir__ = lazy_attributes(globals(), _LAZY)
