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
import threading
from typing import Any
from urllib.parse import urlsplit

from asynctestkit._lazy import public_in

REAL_AWS_REQUEST = (
    "asynctestkit blocked a request to {url} ({operation}): during AWS tests every client "
    "must reach the test server at {allowed}. Build clients without endpoint_url (the "
    "environment sets AWS_ENDPOINT_URL), or use self.aws_client(...)."
)
NOT_INSTALLED = "uninstall() was called more often than install(): pair every install()."


class RealAwsRequestError(RuntimeError):
    """A client tried to reach an endpoint other than the test server."""


public_in("asynctestkit.aws", RealAwsRequestError)

_lock = threading.Lock()
_installs = 0
_allowed: dict[str, int] = {}  # host -> how many installs allow it
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
    if not _installs:
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
    global _installs
    from botocore import handlers

    host = urlsplit(endpoint_url).hostname or ""
    with _lock:
        _allowed[host] = _allowed.get(host, 0) + 1
        _installs += 1
        if _installs == 1:
            handlers.BUILTIN_HANDLERS.append(("before-send", _before_send, handlers.REGISTER_LAST))


def uninstall(endpoint_url: str) -> None:
    """Undo one install(); the handler leaves botocore's list with the last one."""
    global _installs
    from botocore import handlers

    host = urlsplit(endpoint_url).hostname or ""
    with _lock:
        if _installs <= 0 or host not in _allowed:
            raise RuntimeError(NOT_INSTALLED)
        _installs -= 1
        _allowed[host] -= 1
        if not _allowed[host]:
            del _allowed[host]
        if _installs == 0:
            handlers.BUILTIN_HANDLERS[:] = [
                spec for spec in handlers.BUILTIN_HANDLERS if spec[1] is not _before_send
            ]


def take_violations() -> list[str]:
    """Return and forget the requests blocked since the last call."""
    with _lock:
        taken = list(_violations)
        _violations.clear()
    return taken
