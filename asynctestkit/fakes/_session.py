"""FakeSession and patch_aioboto3: hand fakes to the code under test.

The patch reaches aiobotocore's ``AioSession.create_client`` always, and aioboto3's
``Session.client`` / ``Session.resource`` when aioboto3 is installed (it is optional).
"""

from __future__ import annotations

import functools
import inspect
import unittest
from contextlib import ExitStack
from types import TracebackType
from typing import Any, NoReturn, TypeVar, cast
from unittest import mock

from asynctestkit._extras import require
from asynctestkit._real_session import is_kept_real
from asynctestkit._resource import StartStop
from asynctestkit.fakes._client import FakeClient

T = TypeVar("T")

NO_RESOURCE = (
    "FakeSession.resource({service!r}) is not faked: asynctestkit.fakes fakes the client "
    "layer only. In the code under test use session.client({service!r}) (the resource "
    "layer is a thin wrapper over it), or test resource code against the moto server with "
    "asynctestkit.AwsTestCase."
)
BAD_TARGET = (
    "patch_aioboto3() decorates a function, a coroutine function or a unittest.TestCase "
    "subclass, not {target!r}. To patch a block of code, use it as a context manager: "
    "`with patch_aioboto3() as session:`."
)
NOT_STARTED = "patch_aioboto3: stop() was called more times than start()."


class _ClientContext:
    """What ``session.client(...)`` returns: ``async with`` it to get the client."""

    def __init__(self, client: FakeClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<client context for {self._client!r}>"

    async def __aenter__(self) -> FakeClient:
        return self._client

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


class FakeSession:
    """Looks like ``aioboto3.Session``; hands out one FakeClient per service.

    A test programs ``session.fake_client("s3")`` before the code under test opens
    ``session.client("s3")``: both are the same client.

    Example::

        session = FakeSession()
        session.fake_client("sqs").add_response("send_message", {"MessageId": "1"})
        async with session.client("sqs") as sqs:
            await sqs.send_message(QueueUrl="https://q", MessageBody="hi")
    """

    def __init__(self, region_name: str = "us-east-1", *, lenient: bool = False) -> None:
        self.region_name = region_name
        self.lenient = lenient
        self._asynctestkitClients: dict[str, FakeClient] = {}

    def __repr__(self) -> str:
        return f"<FakeSession {self.region_name} clients={sorted(self._asynctestkitClients)}>"

    def fake_client(self, service_name: str, region_name: str | None = None) -> FakeClient:
        """The session's FakeClient for ``service_name``, created on first use."""
        client = self._asynctestkitClients.get(service_name)
        if client is None:
            client = FakeClient(service_name, region_name or self.region_name, lenient=self.lenient)
            self._asynctestkitClients[service_name] = client
        return client

    def client(
        self, service_name: str, region_name: str | None = None, **kwargs: Any
    ) -> _ClientContext:
        """Like ``aioboto3.Session.client``: ``async with session.client("s3") as s3``."""
        return _ClientContext(self.fake_client(service_name, region_name))

    def resource(self, service_name: str, *args: Any, **kwargs: Any) -> NoReturn:
        raise NotImplementedError(NO_RESOURCE.format(service=service_name))

    def get_available_services(self) -> list[str]:
        from asynctestkit.fakes._models import available_services

        return list(available_services())

    def assert_no_pending_responses(self) -> None:
        """Fail if any client of this session has unused responses or refused calls."""
        problems = [
            problem
            for client in self._asynctestkitClients.values()
            for problem in client._asynctestkitProblems()
        ]
        if problems:
            raise AssertionError("\n".join(problems))


class Aioboto3Patch(StartStop["FakeSession"]):
    """What ``patch_aioboto3()`` returns: a context manager and a decorator."""

    def __init__(self, session: FakeSession) -> None:
        self.session = session
        self._asynctestkitStacks: list[ExitStack] = []

    def start(self) -> FakeSession:
        """Patch aiobotocore's (and, if installed, aioboto3's) sessions; undo with ``stop()``."""
        feature = "asynctestkit.fakes.patch_aioboto3"
        aiobotocore_session = require("aiobotocore.session", extra="aws", feature=feature)
        session = self.session
        # What is patched now (the real methods, or an outer patch, which delegates in turn):
        # sessions kept real (the moto side of MotoMixin) keep real clients.
        outer_create_client = aiobotocore_session.AioSession.create_client

        def create_client(
            real: Any, service_name: str, region_name: str | None = None, *a: Any, **kw: Any
        ) -> Any:
            if is_kept_real(real):
                return outer_create_client(real, service_name, region_name, *a, **kw)
            return session.client(service_name, region_name)

        stack = ExitStack()
        # Patching the methods, not the names, reaches sessions made before the patch and
        # modules that did `from aiobotocore.session import get_session`.
        stack.enter_context(
            mock.patch.object(aiobotocore_session.AioSession, "create_client", create_client)
        )
        try:
            import aioboto3.session as aioboto3_session
        except ImportError:
            aioboto3_session = None  # aioboto3 is optional: aiobotocore alone is patched
        if aioboto3_session is not None:
            outer_client = aioboto3_session.Session.client
            outer_resource = aioboto3_session.Session.resource

            def client(
                real: Any, service_name: str, region_name: str | None = None, *a: Any, **kw: Any
            ) -> Any:
                if is_kept_real(real):
                    return outer_client(real, service_name, region_name, *a, **kw)
                return session.client(service_name, region_name or real.region_name)

            def resource(real: Any, service_name: str, *a: Any, **kw: Any) -> Any:
                if is_kept_real(real):
                    return outer_resource(real, service_name, *a, **kw)
                session.resource(service_name)

            stack.enter_context(mock.patch.object(aioboto3_session.Session, "client", client))
            stack.enter_context(mock.patch.object(aioboto3_session.Session, "resource", resource))
        self._asynctestkitStacks.append(stack)
        return session

    def stop(self) -> None:
        if not self._asynctestkitStacks:
            raise RuntimeError(NOT_STARTED)
        self._asynctestkitStacks.pop().close()

    def __call__(self, target: T) -> T:
        if isinstance(target, type) and issubclass(target, unittest.TestCase):
            return cast(T, self._decorate_class(target))
        if inspect.iscoroutinefunction(target):
            return cast(T, self._decorate_async(target))
        if callable(target) and not isinstance(target, type):
            return cast(T, self._decorate_sync(target))
        raise TypeError(BAD_TARGET.format(target=target))

    def _decorate_class(self, cls: type[unittest.TestCase]) -> type[unittest.TestCase]:
        # Like time-machine: patch from setUpClass to the class cleanups, so
        # asyncSetUpClass, asyncSetUp and every test see the fakes.
        original = cls.setUpClass.__func__  # type: ignore[attr-defined]
        patch = self

        @functools.wraps(original)
        def setUpClass(klass: type[unittest.TestCase]) -> None:
            patch.start()
            klass.addClassCleanup(patch.stop)
            original(klass)

        cls.setUpClass = classmethod(setUpClass)  # type: ignore[assignment,method-assign]
        return cls

    def _decorate_async(self, func: Any) -> Any:
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return await func(*args, **kwargs)

        return wrapper

    def _decorate_sync(self, func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper


def patch_aioboto3(session: FakeSession | None = None) -> Aioboto3Patch:
    """Make aiobotocore's ``create_client`` (and ``aioboto3.Session().client(...)``) hand out fakes.

    A context manager (sync or async, yielding the FakeSession) and a decorator for
    functions, coroutine functions and TestCase classes. Without ``session`` a new
    FakeSession is made once, reachable as ``.session``.
    """
    return Aioboto3Patch(session if session is not None else FakeSession())
