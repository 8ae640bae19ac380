"""Fake aioboto3 / aiobotocore clients: AsyncMocks specced from the botocore service model.

Use a fake when the test is about how *your* code reacts to what AWS says (a throttling
error, a page boundary, a service moto lacks); use the moto server (``AwsTestCase``) when
the test is about what your code does to AWS state. See docs/fakes.md.

Importing this module is cheap: botocore and aiobotocore load when the first fake is made.
"""

from __future__ import annotations

from asynctestkit._lazy import public_in
from asynctestkit.fakes._body import FakeStreamingBody
from asynctestkit.fakes._client import FakeClient, FakeWaiter, fake_client
from asynctestkit.fakes._mixin import FakeAwsMixin
from asynctestkit.fakes._session import Aioboto3Patch, FakeSession, patch_aioboto3

__all__ = [
    "Aioboto3Patch",
    "FakeAwsMixin",
    "FakeClient",
    "FakeSession",
    "FakeStreamingBody",
    "FakeWaiter",
    "fake_client",
    "patch_aioboto3",
]

public_in(
    __name__,
    Aioboto3Patch,
    FakeAwsMixin,
    FakeClient,
    FakeSession,
    FakeStreamingBody,
    FakeWaiter,
    fake_client,
    patch_aioboto3,
)
