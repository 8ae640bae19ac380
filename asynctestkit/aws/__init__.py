"""AWS on a moto server for tests: ``AwsTestCase``, ``MotoMixin`` and ``MotoServer``.

Importing this package is cheap; moto, botocore and aioboto3 load when a server starts
or a test case class is set up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asynctestkit._lazy import lazy_attributes

if TYPE_CHECKING:
    from asynctestkit.aws._guard import RealAwsRequestError
    from asynctestkit.aws._server import MotoServer
    from asynctestkit.aws.case import AwsTestCase, MotoMixin

__all__ = ["AwsTestCase", "MotoMixin", "MotoServer", "RealAwsRequestError"]

_LAZY = {
    "AwsTestCase": "asynctestkit.aws.case",
    "MotoMixin": "asynctestkit.aws.case",
    "MotoServer": "asynctestkit.aws._server",
    "RealAwsRequestError": "asynctestkit.aws._guard",
}

__getattr__, __dir__ = lazy_attributes(globals(), _LAZY)
