"""A process-wide cache of what botocore loads per session, installed while AWS tests run.

botocore keeps loaded service models, endpoint rule sets and event-name aliases per
``Session``; a fresh ``aioboto3.Session().client("s3")`` (the pattern handler code uses)
parses megabytes of JSON again and inspects every built-in handler's signature, about
50 ms, and leaves cyclic garbage behind. While installed, every new session's data loader
shares one cache per search path, its event aliaser (and its clients' copies) shares
resolved names, clients of one service share one parsed endpoint rule set (about 1.5 ms
a client), and handler signature checks are remembered per function. All of these
are pure functions of their inputs, and botocore already hands the same cached objects
to every client of one session, so sharing them across sessions returns the same values.

aiobotocore also builds an SSL context and parses the whole CA bundle (about 20 ms) for
the first request of every client, even one that only speaks plain HTTP to the test
server; while installed, clients that verify against the default bundle share one
context per bundle path (an ``ssl.SSLContext`` is meant to be shared by connections).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from asynctestkit import _botocore_compat
from asynctestkit._lease import Lease

# Keyed by the loader's search paths and extras types; values are botocore's own
# instance_cache dicts, so a loader with another AWS_DATA_PATH never sees these entries.
_loader_caches: dict[tuple[tuple[str, ...], tuple[str, ...]], dict[Any, Any]] = {}
_alias_cache: dict[str, str] = {}
_accepts_kwargs_cache: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
_ssl_contexts: dict[str | None, Any] = {}
_endpoint_providers: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}


def _patch() -> Callable[[], None]:
    return _botocore_compat.share_session_data(
        _loader_caches, _alias_cache, _accepts_kwargs_cache, _ssl_contexts, _endpoint_providers
    )


def _unpatch(undo: Callable[[], None]) -> None:
    undo()


# A forked child keeps the patch in force (its copy of botocore is patched); its own
# install()/uninstall() pairs come and go on top.
_lease: Lease[Callable[[], None]] = Lease(
    "The shared botocore data cache",
    _patch,
    _unpatch,
    keep=False,
    survives_fork=True,
    calls=("install()", "uninstall()"),
)


def install() -> None:
    """Share loaded botocore data across sessions until the matching uninstall()."""
    _lease.acquire()


def uninstall() -> None:
    """Restore botocore's own functions once the last install() is undone."""
    _lease.release()


def installed() -> bool:
    """True while at least one install() is in force."""
    return _lease.in_force
