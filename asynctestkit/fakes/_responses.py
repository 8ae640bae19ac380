"""Turn queued responses into what a client returns, and make minimal valid ones."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from asynctestkit.fakes._body import FakeStreamingBody

if TYPE_CHECKING:
    from botocore.model import OperationModel, Shape

# Recursive shapes (a tree of nested structures) only need their required part; a bound
# keeps a pathological model from recursing for ever.
_MAX_DEPTH = 20


def streaming_member(operation_model: OperationModel) -> str | None:
    """The output member that aiobotocore hands back as a StreamingBody, if any."""
    output = operation_model.output_shape
    if output is None or not operation_model.has_streaming_output:
        return None
    payload: str | None = output.serialization.get("payload")
    return payload


def _metadata() -> dict[str, Any]:
    # A real client's every response has it; waiters' status matchers read it.
    return {"HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}


def materialize(operation_model: OperationModel, parsed: dict[str, Any]) -> dict[str, Any]:
    """What the client returns for ``parsed``: streaming payloads become bodies.

    Like a real client's, the response carries ``ResponseMetadata`` (added when the
    queued response has none).
    """
    member = streaming_member(operation_model)
    response = dict(parsed)
    response.setdefault("ResponseMetadata", _metadata())
    if member is not None and isinstance(response.get(member), (bytes, bytearray, str)):
        response[member] = FakeStreamingBody(response[member])
    return response


def minimal_response(operation_model: OperationModel) -> dict[str, Any]:
    """The smallest response that validates against the operation's output shape."""
    output = operation_model.output_shape
    response: dict[str, Any] = {} if output is None else _minimal(output, 0)
    response["ResponseMetadata"] = _metadata()
    member = streaming_member(operation_model)
    if member is not None:
        response[member] = FakeStreamingBody(b"")
    return response


def _minimal(shape: Shape, depth: int) -> Any:
    kind = shape.type_name
    low = shape.metadata.get("min", 0)
    if kind == "structure":
        if depth >= _MAX_DEPTH:
            return {}
        names = list(shape.members)
        required = shape.required_members
        if shape.is_tagged_union and names and not required:
            required = names[:1]
        return {name: _minimal(shape.members[name], depth + 1) for name in required}
    if kind == "list":
        return [_minimal(shape.member, depth + 1) for _ in range(int(low))]
    if kind == "map":
        return {}
    if kind == "string":
        enum = shape.enum
        if enum:
            return enum[0]
        length = max(int(low), 1 if shape.serialization.get("hostLabel") else 0)
        return "x" * length
    if kind in ("integer", "long"):
        return int(low)
    if kind in ("float", "double"):
        return float(low)
    if kind == "boolean":
        return False
    if kind == "timestamp":
        return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    if kind == "blob":
        return b""
    # "document": any JSON value is valid.
    return {}
