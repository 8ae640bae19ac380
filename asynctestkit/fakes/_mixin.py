"""FakeAwsMixin: per-test fake AWS clients for AsyncTestCase."""

from __future__ import annotations

import unittest
from typing import TYPE_CHECKING

from asynctestkit.fakes._client import FakeClient
from asynctestkit.fakes._session import Aioboto3Patch, FakeSession

LEFTOVERS = "{test}: the fake AWS clients were not used as programmed:\n{problems}"

if TYPE_CHECKING:
    _Base = unittest.IsolatedAsyncioTestCase
else:
    _Base = object


class FakeAwsMixin(_Base):
    """Fake aioboto3 clients for each test, patched in, checked at the end of the test.

    From before ``asyncSetUp`` to the last cleanup, ``aioboto3.Session().client(...)``
    and aiobotocore's ``create_client`` in the code under test return this test's fakes;
    a queued response left unused, or a call nothing was queued for, fails the test.

    Example::

        class SendTests(FakeAwsMixin, AsyncTestCase):
            async def test_send(self):
                sqs = self.fake_aws_client("sqs")
                sqs.add_response("send_message", {"MessageId": "m1"})
                await notify("hello")  # opens aioboto3.Session().client("sqs")
    """

    _asynctestkitFakeAws: FakeSession | None = None

    async def _asynctestkitSetUp(self) -> None:
        parent = getattr(super(), "_asynctestkitSetUp", None)
        if parent is not None:
            await parent()
        self._asynctestkitFakeAwsStart()

    async def asyncSetUp(self) -> None:
        # On a plain IsolatedAsyncioTestCase (no _asynctestkitSetUp hook) this is the
        # earliest per-test hook; starting twice is a no-op.
        self._asynctestkitFakeAwsStart()
        await super().asyncSetUp()

    @property
    def fake_aws_session(self) -> FakeSession:
        """This test's FakeSession (the one the code under test gets)."""
        return self._asynctestkitFakeAwsStart()

    def fake_aws_client(self, service_name: str, *, lenient: bool = False) -> FakeClient:
        """This test's FakeClient for ``service_name``, the one the code under test opens."""
        client = self._asynctestkitFakeAwsStart().fake_client(service_name)
        if lenient:
            client.lenient = True
        return client

    def _asynctestkitFakeAwsStart(self) -> FakeSession:
        session = self._asynctestkitFakeAws
        if session is None:
            session = FakeSession()
            patch = Aioboto3Patch(session)
            patch.start()
            self._asynctestkitFakeAws = session
            self.addCleanup(self._asynctestkitFakeAwsStop, patch)
        return session

    def _asynctestkitFakeAwsStop(self, patch: Aioboto3Patch) -> None:
        session = self._asynctestkitFakeAws
        self._asynctestkitFakeAws = None
        patch.stop()
        if session is None:
            return
        try:
            session.assert_no_pending_responses()
        except AssertionError as error:
            raise self.failureException(LEFTOVERS.format(test=self.id(), problems=error)) from None
