"""Fail loudly when a botocore client is about to send a request anywhere but the test server.

The environment already points every SDK at the test endpoint; this catches what it cannot:
an explicit ``endpoint_url``, a hard-coded region endpoint, a client configured to ignore
``AWS_ENDPOINT_URL``. It is a ``before-send`` handler added to botocore's built-in
handlers, so every session created while it is installed (boto3, aiobotocore, aioboto3)
carries it; it runs after moto's own in-process stubber, which answers ``mock_aws``
requests without any network.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from asynctestkit import _botocore_compat
from asynctestkit._lazy import public_in
from asynctestkit._lease import Lease

REAL_AWS_REQUEST = (
    "asynctestkit blocked a request to {url} ({operation}): during AWS tests every client "
    "must reach the test server at {allowed}. Build clients without endpoint_url (the "
    "environment sets AWS_ENDPOINT_URL), or use self.aws_client(...)."
)
_OTHER_ENDPOINT = (
    "uninstall({url!r}): the guard was never installed for that endpoint's host in this "
    "process; pass uninstall() the endpoint_url given to install()."
)


class RealAwsRequestError(RuntimeError):
    """A client tried to reach an endpoint other than the test server."""


public_in("asynctestkit.aws", RealAwsRequestError)


def _add_handler() -> bool:
    _botocore_compat.append_last_handler("before-send", _before_send)
    return True


def _remove_handler(_: bool) -> None:
    _botocore_compat.remove_handler(_before_send)


# A forked child stays guarded: its copy of botocore carries the handler, and a child
# forked during a test must not reach real AWS either.
_lease: Lease[bool] = Lease(
    "The real-AWS request guard",
    _add_handler,
    _remove_handler,
    keep=False,
    survives_fork=True,
    calls=("install()", "uninstall()"),
)
_allowed: Counter[str] = Counter()  # host -> how many installs allow it
_violations: list[str] = []


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _allowed_host(host: str) -> bool:
    return host in _allowed or _is_loopback(host)


def _before_send(request: Any, **kwargs: Any) -> None:
    # A session made while the guard was installed keeps this handler for good.
    if not _lease.in_force:
        return
    parts = urlsplit(str(request.url))
    host = parts.hostname or ""
    if _allowed_host(host):
        return
    # Path only: a query string may hold a presigned credential.
    url = f"{parts.scheme}://{parts.netloc}{parts.path}"
    operation = str(kwargs.get("event_name", "before-send")).split(".", 1)[-1]
    message = REAL_AWS_REQUEST.format(
        url=url, operation=operation, allowed=", ".join(sorted(_allowed)) or "127.0.0.1"
    )
    _violations.append(message)
    raise RealAwsRequestError(message)


def install(endpoint_url: str) -> None:
    """Block requests to hosts other than ``endpoint_url``'s (and loopback) until uninstall()."""
    host = urlsplit(endpoint_url).hostname or ""
    with _lease.lock:
        _lease.acquire()
        _allowed[host] += 1


def uninstall(endpoint_url: str) -> None:
    """Undo one install(); the handler leaves botocore's list with the last one."""
    host = urlsplit(endpoint_url).hostname or ""
    with _lease.lock:
        if _lease.count and not _allowed[host]:
            raise RuntimeError(_OTHER_ENDPOINT.format(url=endpoint_url))
        _lease.release()
        _allowed[host] -= 1
        if _allowed[host] <= 0:
            del _allowed[host]


def take_violations() -> list[str]:
    """Return and forget the requests blocked since the last call."""
    with _lease.lock:
        taken = list(_violations)
        _violations.clear()
    return taken
