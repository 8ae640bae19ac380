"""FakeClient: an aiobotocore client made of AsyncMocks, specced from the service model."""

from __future__ import annotations

import functools
from pprint import pformat
from types import TracebackType
from typing import TYPE_CHECKING, Any
from unittest.mock import AsyncMock, NonCallableMock

from asynctestkit import _botocore_compat
from asynctestkit._extras import require
from asynctestkit._hints import did_you_mean
from asynctestkit.fakes._mock import OperationMock, is_programmed, operation_mock
from asynctestkit.fakes._models import ServiceSpec, service_spec, validate_call
from asynctestkit.fakes._responses import materialize, minimal_response

if TYPE_CHECKING:
    from aiobotocore.paginate import AioPaginator
    from botocore.client import ClientMeta
    from botocore.errorfactory import ClientExceptions
    from botocore.stub import Stubber
    from botocore.waiter import SingleWaiterConfig

UNEXPECTED_CALL = (
    "Unexpected call {call}: nothing is queued for it and it has no return_value or "
    "side_effect. Queue an answer with {client}.add_response({name!r}, {{...}}) or "
    "{client}.add_client_error({name!r}, ...), set {client}.{name}.return_value, or make "
    "the fake lenient (lenient=True) to get a minimal valid response."
)
PARAMS_MISMATCH = (
    "Expected parameters:\n{expected},\nbut received:\n{received}\n"
    "Differences (expected_params vs the call):\n{diff}"
)
PENDING = (
    "{count} queued response(s) were never used: {items}. The code under test did not "
    "make these calls; see {client}.mock_calls for the calls it made."
)
NO_TRANSFER = (
    "{service} client has no {name!r}: it is one of aioboto3's S3 transfer methods, and "
    "aioboto3 is not installed (a plain aiobotocore client has none either). Install it "
    "with: pip install 'asynctestkit[aioboto3]'"
)
UNKNOWN_WAITER = "Waiter does not exist: {name}.{hint} The {service} waiters are: {choices}."


class FakeClient:
    """A fake aiobotocore client: one ``AsyncMock`` per operation of the botocore model.

    Calls are validated like botocore validates them, then answered from what the test
    programmed (``return_value``/``side_effect``), else from the queue filled with the
    ``botocore.stub.Stubber`` vocabulary, else it fails (or, when ``lenient``, returns
    the smallest valid response).

    Example::

        s3 = FakeClient("s3")
        s3.add_response("get_object", {"Body": b"hi"}, {"Bucket": "b", "Key": "k"})
        response = await s3.get_object(Bucket="b", Key="k")
        assert await response["Body"].read() == b"hi"
    """

    meta: ClientMeta
    exceptions: ClientExceptions
    lenient: bool

    def __init__(
        self,
        service_name: str,
        region_name: str = "us-east-1",
        *,
        lenient: bool = False,
        endpoint_url: str | None = None,
    ) -> None:
        # service_spec first: it names the extra to install when botocore is missing.
        spec = service_spec(service_name)

        from botocore.client import ClientMeta
        from botocore.config import Config
        from botocore.hooks import HierarchicalEmitter

        self._asynctestkitSpec: ServiceSpec = spec
        self.lenient = lenient
        if endpoint_url is None:
            prefix = spec.service_model.endpoint_prefix
            endpoint_url = f"https://{prefix}.{region_name}.amazonaws.com"
        self.meta = ClientMeta(
            events=HierarchicalEmitter(),
            client_config=Config(region_name=region_name),
            endpoint_url=endpoint_url,
            service_model=spec.service_model,
            method_to_api_mapping=spec.py_to_api,
            partition="aws",
        )
        self.exceptions = spec.exceptions
        # Every operation mock is attached to this parent, so mock_calls keeps the order
        # of calls across operations.
        self._asynctestkitRecorder = NonCallableMock(name=spec.name)
        self._asynctestkitStubber = _stubber(self)
        self._asynctestkitUnexpected: list[str] = []
        self._asynctestkitWaiters: dict[str, FakeWaiter] = {}

    def __repr__(self) -> str:
        return f"<FakeClient {self._asynctestkitSpec.name} {self.meta.region_name}>"

    def __getattr__(self, name: str) -> OperationMock:
        # Only reached for names the instance does not have: create the operation's mock
        # on first use, so a fake of a 700-operation service costs nothing up front.
        spec: ServiceSpec | None = self.__dict__.get("_asynctestkitSpec")
        if spec is None or name.startswith("__"):
            raise AttributeError(name)
        mock: OperationMock
        if name in _TRANSFER_METHODS.get(spec.name, ()):
            if not _has_aioboto3():
                # As on a real aiobotocore client: these come from aioboto3.
                raise AttributeError(NO_TRANSFER.format(service=spec.name, name=name))
            mock = _transfer_mock(self, name)
        elif name not in spec.py_to_api:
            raise AttributeError(spec.unknown_operation(name))
        else:
            mock = operation_mock(
                f"{spec.name}.{name}",
                functools.partial(self._asynctestkitCheck, name),
                functools.partial(self._asynctestkitAnswer, name),
            )
        self._asynctestkitRecorder.attach_mock(mock, name)
        self.__dict__[name] = mock
        return mock

    def __dir__(self) -> list[str]:
        spec = self._asynctestkitSpec
        names = set(spec.py_to_api)
        if _has_aioboto3():
            names |= set(_TRANSFER_METHODS.get(spec.name, ()))
        return sorted(set(super().__dir__()) | names)

    async def __aenter__(self) -> FakeClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def close(self) -> None:
        """Nothing to release; here because real clients have it."""

    @property
    def mock_calls(self) -> list[Any]:
        """Every operation call made on this client, in order (``call.get_object(...)``)."""
        return list(self._asynctestkitRecorder.mock_calls)

    # The Stubber vocabulary, with botocore.stub.Stubber's exact signatures.

    def add_response(
        self,
        method: str,
        service_response: dict[str, Any],
        expected_params: dict[str, Any] | None = None,
    ) -> None:
        """Queue ``service_response`` (validated against the output shape) for ``method``."""
        self._asynctestkitStubber.add_response(method, service_response, expected_params)

    def add_client_error(
        self,
        method: str,
        service_error_code: str = "",
        service_message: str = "",
        http_status_code: int = 400,
        service_error_meta: dict[str, Any] | None = None,
        expected_params: dict[str, Any] | None = None,
        response_meta: dict[str, Any] | None = None,
        modeled_fields: dict[str, Any] | None = None,
    ) -> None:
        """Queue an error; a modeled code raises its real class (``exceptions.NoSuchKey``)."""
        self._asynctestkitStubber.add_client_error(
            method,
            service_error_code,
            service_message,
            http_status_code,
            service_error_meta,
            expected_params,
            response_meta,
            modeled_fields,
        )

    def assert_no_pending_responses(self) -> None:
        """Fail if a queued response or error was never used."""
        self._asynctestkitStubber.assert_no_pending_responses()

    # What the rest of a real client offers.

    def can_paginate(self, operation_name: str) -> bool:
        spec = self._asynctestkitSpec
        return self._asynctestkitApiName(operation_name) in spec.page_config

    def get_paginator(self, operation_name: str) -> AioPaginator:
        """aiobotocore's own paginator, calling this fake: ``async for page in ...``."""
        from aiobotocore.paginate import AioPaginator
        from botocore.exceptions import OperationNotPageableError

        if not self.can_paginate(operation_name):
            raise OperationNotPageableError(operation_name=operation_name)
        spec = self._asynctestkitSpec
        api_name = spec.py_to_api[operation_name]
        return AioPaginator(
            getattr(self, operation_name),
            spec.page_config[api_name],
            spec.service_model.operation_model(api_name),
        )

    @property
    def waiter_names(self) -> list[str]:
        return sorted(self._asynctestkitSpec.waiter_names)

    def get_waiter(self, waiter_name: str) -> FakeWaiter:
        """The waiter ``waiter_name``; the same object each time, so a test can program it."""
        waiter = self._asynctestkitWaiters.get(waiter_name)
        if waiter is not None:
            return waiter
        spec = self._asynctestkitSpec
        model_name = spec.waiter_names.get(waiter_name)
        if model_name is None or spec.waiter_model is None:
            choices = ", ".join(sorted(spec.waiter_names)) or "(none)"
            hint = did_you_mean(waiter_name, sorted(spec.waiter_names))
            raise ValueError(
                UNKNOWN_WAITER.format(
                    name=waiter_name, hint=hint, service=spec.name, choices=choices
                )
            )
        waiter = FakeWaiter(self, model_name, spec.waiter_model.get_waiter(model_name))
        self._asynctestkitWaiters[waiter_name] = waiter
        return waiter

    async def generate_presigned_url(
        self,
        ClientMethod: str,
        Params: dict[str, Any] | None = None,
        ExpiresIn: int = 3600,
        HttpMethod: str | None = None,
    ) -> str:
        """A URL shaped like a presigned one (nothing is signed), after botocore's checks."""
        from urllib.parse import quote

        from botocore.exceptions import UnknownClientMethodError

        spec = self._asynctestkitSpec
        if ClientMethod not in spec.py_to_api:
            raise UnknownClientMethodError(method_name=ClientMethod)
        params = dict(Params or {})
        validate_call(spec, ClientMethod, (), params, self.meta.region_name)
        if spec.name == "s3" and "Bucket" in params:
            path = f"/{params['Bucket']}/{quote(str(params.get('Key', '')))}"
        else:
            path = "/"
        return (
            f"{self.meta.endpoint_url}{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Expires={ExpiresIn}&X-Amz-Signature=fake"
        )

    # Internals.

    def _asynctestkitApiName(self, operation_name: str) -> str:
        api_name = self._asynctestkitSpec.api_name(operation_name)
        if api_name is None:
            raise ValueError(self._asynctestkitSpec.unknown_operation(operation_name))
        return api_name

    def _asynctestkitCheck(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        validate_call(self._asynctestkitSpec, name, args, kwargs, self.meta.region_name)

    def _asynctestkitHasAnswer(self, name: str) -> bool:
        """True if the test queued or programmed an answer for ``name``."""
        api_name = self._asynctestkitSpec.py_to_api[name]
        queued = any(item["operation_name"] == api_name for item in self._asynctestkitQueue)
        return queued or is_programmed(getattr(self, name))

    @property
    def _asynctestkitQueue(self) -> Any:
        return _botocore_compat.stubber_queue(self._asynctestkitStubber)

    async def _asynctestkitAnswer(self, name: str, /, **params: Any) -> Any:
        from botocore.exceptions import StubAssertionError

        spec = self._asynctestkitSpec
        api_name = spec.py_to_api[name]
        operation_model = spec.service_model.operation_model(api_name)
        queue = self._asynctestkitQueue
        index = next(
            (i for i, item in enumerate(queue) if item["operation_name"] == api_name), None
        )
        if index is None:
            if self.lenient:
                return minimal_response(operation_model)
            client = f"{spec.name}"
            message = UNEXPECTED_CALL.format(
                call=_format_call(f"{spec.name}.{name}", params), client=client, name=name
            )
            self._asynctestkitUnexpected.append(message)
            raise StubAssertionError(operation_name=api_name, reason=message)
        item = queue[index]
        expected = item["expected_params"]
        if expected is not None and not _params_match(expected, params):
            # Like Stubber: the response stays queued, so the leftover shows at the end too.
            raise StubAssertionError(
                operation_name=api_name,
                reason=PARAMS_MISMATCH.format(
                    expected=pformat(expected),
                    received=pformat(params),
                    diff=_params_diff(expected, params),
                ),
            )
        del queue[index]
        http_response, parsed = item["response"]
        if http_response.status_code >= 300:
            code = parsed.get("Error", {}).get("Code")
            raise self.exceptions.from_code(code)(parsed, api_name)
        return materialize(operation_model, parsed)

    def _asynctestkitProblems(self) -> list[str]:
        """What an end-of-test check reports: unused responses, refused calls."""
        problems = list(self._asynctestkitUnexpected)
        try:
            self.assert_no_pending_responses()
        except AssertionError as error:
            problems.append(str(error))
        return problems


class FakeWaiter:
    """A waiter whose ``wait`` is an AsyncMock answered by the client's queued responses.

    With nothing queued for the waiter's operation, ``wait`` returns at once; otherwise
    botocore's own acceptors run over the queued responses, without sleeping between polls.
    """

    def __init__(self, client: FakeClient, name: str, config: SingleWaiterConfig) -> None:
        from botocore import xform_name

        self.name = name
        self.config = config
        self._asynctestkitClient = client
        self._asynctestkitOperation = xform_name(config.operation)
        service = client._asynctestkitSpec.name
        self.wait = AsyncMock(
            name=f"{service}.get_waiter({xform_name(name)!r}).wait",
            side_effect=self._asynctestkitWait,
        )

    async def _asynctestkitWait(self, **kwargs: Any) -> None:
        from aiobotocore.waiter import AIOWaiter, NormalizedOperationMethod

        client = self._asynctestkitClient
        operation = self._asynctestkitOperation
        waiter_config = dict(kwargs.pop("WaiterConfig", None) or {})
        client._asynctestkitCheck(operation, (), kwargs)
        if not client._asynctestkitHasAnswer(operation):
            return None
        # The fake answers at once, so polling again can not change anything by waiting.
        waiter_config["Delay"] = 0
        method = NormalizedOperationMethod(getattr(client, operation))
        waiter = AIOWaiter(self.name, self.config, method)
        await waiter.wait(WaiterConfig=waiter_config, **kwargs)


# aioboto3 adds these to S3 clients; they are made of S3 operations, so aioboto3's own code
# runs on the fake and the operations it calls are validated and answered as usual. Without
# aioboto3 the fake has none, like a plain aiobotocore client.
_TRANSFER_METHODS = {
    "s3": ("copy", "download_file", "download_fileobj", "upload_file", "upload_fileobj"),
}


def _has_aioboto3() -> bool:
    try:
        import aioboto3  # noqa: F401
    except ImportError:
        return False
    return True


def _transfer_mock(client: FakeClient, name: str) -> OperationMock:
    inject = require("aioboto3.s3.inject", extra="aioboto3", feature=f"FakeClient.{name}")
    implementation = functools.partial(getattr(inject, name), client)
    return OperationMock(name=f"s3.{name}", wraps=implementation)


def _stubber(client: FakeClient) -> Stubber:
    stubber: Stubber = _stubber_class()(client)
    return stubber


@functools.cache
def _stubber_class() -> type[Stubber]:
    from botocore.stub import Stubber

    class QueueStubber(Stubber):  # type: ignore[misc]
        # botocore's Stubber, used for its queue and its response validation only: it is
        # never activated, the fake answers calls itself.

        client: FakeClient

        # Stubber._add_response: the one place both add_response paths go through.
        def _add_response(self, method: str, service_response: Any, expected_params: Any) -> None:
            self._asynctestkitCheckMethod(method)
            super()._add_response(method, service_response, expected_params)

        def add_client_error(self, method: str, *args: Any, **kwargs: Any) -> None:
            self._asynctestkitCheckMethod(method)
            super().add_client_error(method, *args, **kwargs)

        def assert_no_pending_responses(self) -> None:
            queue = _botocore_compat.stubber_queue(self)
            if queue:
                spec = self.client._asynctestkitSpec
                api_to_py = {api: py for py, api in spec.py_to_api.items()}
                items = ", ".join(
                    f"{spec.name}.{api_to_py[item['operation_name']]}" for item in queue
                )
                raise AssertionError(
                    PENDING.format(count=len(queue), items=items, client=spec.name)
                )

        def _asynctestkitCheckMethod(self, method: str) -> None:
            spec = self.client._asynctestkitSpec
            if method not in spec.py_to_api:
                raise ValueError(spec.unknown_operation(method))

    return QueueStubber


def _format_call(name: str, params: dict[str, Any]) -> str:
    args = ", ".join(f"{key}={value!r}" for key, value in params.items())
    return f"{name}({args})"


def _params_match(expected: dict[str, Any], params: dict[str, Any]) -> bool:
    # Same rule as Stubber: every expected key equal (stub.ANY matches anything), no extras.
    if sorted(expected) != sorted(params):
        return False
    return all(expected[key] == params[key] for key in expected)


def _params_diff(expected: dict[str, Any], params: dict[str, Any]) -> str:
    lines = []
    for key in sorted(set(expected) | set(params)):
        if key not in params:
            lines.append(f"  {key}: expected {expected[key]!r}, not passed")
        elif key not in expected:
            lines.append(f"  {key}: not expected, passed {params[key]!r}")
        elif expected[key] != params[key]:
            lines.append(f"  {key}: expected {expected[key]!r}, passed {params[key]!r}")
    return "\n".join(lines)


def fake_client(
    service_name: str, region_name: str = "us-east-1", *, lenient: bool = False
) -> FakeClient:
    """A new FakeClient; also usable as ``async with fake_client("s3") as s3:``."""
    return FakeClient(service_name, region_name, lenient=lenient)
