"""AWS plumbing shared by the service: clients and retries on throttling."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiobotocore.session import get_session
from botocore.exceptions import ClientError

THROTTLING_CODES = frozenset(
    {"Throttling", "ThrottlingException", "RequestThrottled", "SlowDown", "TooManyRequests"}
)
ATTEMPTS = 4
BASE_DELAY = 0.02


def client(service_name: str) -> Any:
    """An aiobotocore client context; endpoint, region and credentials come from the
    environment.

    A new session each time: a session caches the credentials it first resolved. (On
    aioboto3 this is ``aioboto3.Session().client(service_name)``; the tests are the same.)
    """
    return get_session().create_client(service_name)


async def with_retries(operation: Callable[..., Awaitable[Any]], /, **params: Any) -> Any:
    """Call ``operation(**params)``, backing off while AWS answers with a throttling error."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await operation(**params)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code not in THROTTLING_CODES or attempt == ATTEMPTS:
                raise
            await asyncio.sleep(BASE_DELAY * 2 ** (attempt - 1))
    raise AssertionError("unreachable")
