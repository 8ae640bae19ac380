"""botocore service models, loaded once per process and shared by every fake."""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from asynctestkit import _botocore_compat
from asynctestkit._extras import require
from asynctestkit._hints import did_you_mean

if TYPE_CHECKING:
    from botocore.errorfactory import ClientExceptions
    from botocore.model import OperationModel, ServiceModel
    from botocore.session import Session as BotocoreSession
    from botocore.waiter import WaiterModel

FEATURE = "asynctestkit.fakes"

UNKNOWN_SERVICE = (
    "Unknown service: {name!r}.{hint} botocore {version} knows {count} services; "
    "list them with botocore.session.get_session().get_available_services()."
)
UNKNOWN_OPERATION = (
    "{service} client has no operation {name!r}.{hint} "
    "The fake has exactly the operations of the botocore {service} model, "
    "as snake_case methods (see client.meta.method_to_api_mapping)."
)

_lock = threading.Lock()


@dataclass
class ServiceSpec:
    """Everything a fake needs from one service's botocore model."""

    service_model: ServiceModel
    service_id: str
    py_to_api: dict[str, str]
    exceptions: ClientExceptions
    page_config: dict[str, Any]
    waiter_model: WaiterModel | None
    _waiter_names: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.service_model.service_name)

    @property
    def waiter_names(self) -> dict[str, str]:
        """snake_case waiter name -> model waiter name."""
        return self._waiter_names

    def api_name(self, py_name: str) -> str | None:
        return self.py_to_api.get(py_name)

    def operation_model(self, py_name: str) -> OperationModel:
        return self.service_model.operation_model(self.py_to_api[py_name])

    def unknown_operation(self, name: str) -> str:
        hint = did_you_mean(name, sorted(self.py_to_api))
        return UNKNOWN_OPERATION.format(service=self.name, name=name, hint=hint)


@functools.cache
def botocore_session() -> BotocoreSession:
    """The one botocore session whose loader reads the service models."""
    require("aiobotocore", extra="aws", feature=FEATURE)
    session_module = require("botocore.session", extra="aws", feature=FEATURE)
    session: BotocoreSession = session_module.Session()
    return session


@functools.cache
def available_services() -> tuple[str, ...]:
    return tuple(botocore_session().get_available_services())


def service_spec(service_name: str) -> ServiceSpec:
    """The cached ServiceSpec for ``service_name``; the model is parsed once per process."""
    spec = _SPECS.get(service_name)
    if spec is None:
        with _lock:
            spec = _SPECS.get(service_name)
            if spec is None:
                spec = _load(service_name)
                _SPECS[service_name] = spec
    return spec


_SPECS: dict[str, ServiceSpec] = {}


def _load(service_name: str) -> ServiceSpec:
    session = botocore_session()  # first: it names the extra to install if botocore is missing

    import botocore
    from botocore import xform_name
    from botocore.errorfactory import ClientExceptionsFactory
    from botocore.exceptions import DataNotFoundError, UnknownServiceError
    from botocore.waiter import WaiterModel

    if not isinstance(service_name, str) or service_name not in available_services():
        services = list(available_services())
        message = UNKNOWN_SERVICE.format(
            name=service_name,
            hint=did_you_mean(str(service_name), services),
            version=botocore.__version__,
            count=len(services),
        )
        error = UnknownServiceError(service_name=service_name, known_service_names="")
        error.args = (message,)
        raise error
    model = session.get_service_model(service_name)
    loader = session.get_component("data_loader")
    py_to_api = {xform_name(name): name for name in model.operation_names}
    try:
        page_config = loader.load_service_model(service_name, "paginators-1")["pagination"]
    except DataNotFoundError:
        page_config = {}
    try:
        waiter_model: WaiterModel | None = WaiterModel(
            loader.load_service_model(service_name, "waiters-2")
        )
    except DataNotFoundError:
        waiter_model = None
    waiter_names = (
        {xform_name(name): name for name in waiter_model.waiter_names} if waiter_model else {}
    )
    return ServiceSpec(
        service_model=model,
        service_id=model.service_id.hyphenize(),
        py_to_api=py_to_api,
        exceptions=ClientExceptionsFactory().create_client_exceptions(model),
        page_config=page_config,
        waiter_model=waiter_model,
        _waiter_names=waiter_names,
    )


@functools.cache
def _parameter_emitter() -> Any:
    """An event emitter with botocore's own parameter handlers, and nothing else.

    A real client runs these before validating (they fill idempotency tokens, check S3
    bucket names, alias renamed parameters), so the fake runs them too.
    """
    from botocore.hooks import EventAliaser, HierarchicalEmitter

    emitter = EventAliaser(HierarchicalEmitter())
    register = {
        "first": emitter.register_first,
        "middle": emitter.register,
        "last": emitter.register_last,
    }
    for spec in _botocore_compat.builtin_handlers():
        event_name = spec[0]
        if event_name.startswith(("provide-client-params", "before-parameter-build")):
            register[_botocore_compat.register_position(spec)](event_name, spec[1])
    return emitter


def validate_call(
    spec: ServiceSpec, py_name: str, args: tuple[Any, ...], kwargs: dict[str, Any], region: str
) -> None:
    """Raise what a real aiobotocore client raises for this call before it sends anything."""
    from botocore.hooks import first_non_none_response
    from botocore.validate import validate_parameters

    if args:
        raise TypeError(f"{py_name}() only accepts keyword arguments.")
    operation_model = spec.operation_model(py_name)
    context: dict[str, Any] = {
        "client_region": region,
        "has_streaming_input": operation_model.has_streaming_input,
        "auth_type": operation_model.resolved_auth_type,
    }
    emitter = _parameter_emitter()
    # Handlers rewrite top-level keys only; a shallow copy keeps the caller's dict intact.
    params: dict[str, Any] = dict(kwargs)
    responses = emitter.emit(
        f"provide-client-params.{spec.service_id}.{operation_model.name}",
        params=params,
        model=operation_model,
        context=context,
    )
    params = first_non_none_response(responses, default=params)
    emitter.emit(
        f"before-parameter-build.{spec.service_id}.{operation_model.name}",
        params=params,
        model=operation_model,
        context=context,
    )
    if operation_model.input_shape is not None:
        validate_parameters(params, operation_model.input_shape)
