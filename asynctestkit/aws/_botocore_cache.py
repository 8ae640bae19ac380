"""A process-wide cache of what botocore loads per session, installed while AWS tests run.

botocore keeps loaded service models, endpoint rule sets and event-name aliases per
``Session``; a fresh ``aioboto3.Session().client("s3")`` (the pattern handler code uses)
parses megabytes of JSON again and inspects every built-in handler's signature, about
50 ms, and leaves cyclic garbage behind. While installed, every new session's data loader
shares one cache per search path, its event aliaser shares resolved names, and handler
signature checks are remembered per function. All of these are pure functions of their
inputs, and botocore already hands the same cached objects to every client of one session,
so sharing them across sessions returns the same values.

aiobotocore also builds an SSL context and parses the whole CA bundle (about 20 ms) for
the first request of every client, even one that only speaks plain HTTP to the test
server; while installed, clients that verify against the default bundle share one
context per bundle path (an ``ssl.SSLContext`` is meant to be shared by connections).
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()
_installs = 0
_originals: dict[str, Any] = {}
# Keyed by the loader's search paths and extras types; values are botocore's own
# instance_cache dicts, so a loader with another AWS_DATA_PATH never sees these entries.
_loader_caches: dict[tuple[tuple[str, ...], tuple[str, ...]], dict[Any, Any]] = {}
_alias_cache: dict[str, str] = {}
_accepts_kwargs_cache: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()
_ssl_contexts: dict[str | None, Any] = {}

NOT_INSTALLED = "uninstall() was called more often than install(): pair every install()."


def install() -> None:
    """Share loaded botocore data across sessions until the matching uninstall()."""
    global _installs
    with _lock:
        _installs += 1
        if _installs == 1:
            _patch()


def uninstall() -> None:
    """Restore botocore's own functions once the last install() is undone."""
    global _installs
    with _lock:
        if _installs <= 0:
            raise RuntimeError(NOT_INSTALLED)
        _installs -= 1
        if _installs == 0:
            _unpatch()


def installed() -> bool:
    """True while at least one install() is in force."""
    return _installs > 0


def _patch() -> None:
    import botocore.hooks
    import botocore.session
    from botocore.utils import EVENT_ALIASES

    create_loader = botocore.session.create_loader
    register_builtin_handlers = botocore.session.Session._register_builtin_handlers
    accepts_kwargs = botocore.hooks.accepts_kwargs

    def shared_create_loader(search_path_string: str | None = None) -> Any:
        loader = create_loader(search_path_string)
        key = (tuple(loader.search_paths), tuple(loader.extras_types))
        loader._cache = _loader_caches.setdefault(key, {})
        return loader

    def shared_register_builtin_handlers(self: Any, events: Any) -> None:
        if getattr(events, "_event_aliases", None) is EVENT_ALIASES:
            events._alias_name_cache = _alias_cache
        register_builtin_handlers(self, events)

    def cached_accepts_kwargs(func: Callable[..., Any]) -> bool:
        target = getattr(func, "__func__", func)  # a bound method has its function's kwargs
        try:
            return _accepts_kwargs_cache[target]
        except KeyError:
            pass
        except TypeError:  # not weakly referenceable or not hashable
            return bool(accepts_kwargs(func))
        result = bool(accepts_kwargs(func))
        with contextlib.suppress(TypeError):
            _accepts_kwargs_cache[target] = result
        return result

    _originals.update(
        create_loader=create_loader,
        register_builtin_handlers=register_builtin_handlers,
        accepts_kwargs=accepts_kwargs,
    )
    botocore.session.create_loader = shared_create_loader
    botocore.session.Session._register_builtin_handlers = shared_register_builtin_handlers  # type: ignore[method-assign]
    botocore.hooks.accepts_kwargs = cached_accepts_kwargs
    _patch_aiohttp_session()


def _patch_aiohttp_session() -> None:
    try:
        import aiohttp
        from aiobotocore import httpsession
    except ImportError:
        return
    session_class = httpsession.AIOHTTPSession
    create_connector = getattr(session_class, "_create_connector", None)
    if create_connector is None:
        return  # another aiobotocore layout: leave it alone

    def shared_create_connector(self: Any, proxy_url: str | None) -> Any:
        # The same steps as AIOHTTPSession._create_connector (aiobotocore 2.x) for the
        # common case: no proxy, no client certificate, verification on.
        if proxy_url or not self._verify or self._cert_file:
            return create_connector(self, proxy_url)
        ca_certs = httpsession.get_cert_path(self._verify)
        context = _ssl_contexts.get(ca_certs)
        if context is None:
            context = self._get_ssl_context()
            if ca_certs:
                context.load_verify_locations(ca_certs, None, None)
            _ssl_contexts[ca_certs] = context
        return aiohttp.TCPConnector(
            limit=self._max_pool_connections, ssl=context, **self._connector_args
        )

    _originals["create_connector"] = create_connector
    session_class._create_connector = shared_create_connector


def _unpatch() -> None:
    import botocore.hooks
    import botocore.session

    botocore.session.create_loader = _originals.pop("create_loader")
    botocore.session.Session._register_builtin_handlers = _originals.pop(  # type: ignore[method-assign]
        "register_builtin_handlers"
    )
    botocore.hooks.accepts_kwargs = _originals.pop("accepts_kwargs")
    create_connector = _originals.pop("create_connector", None)
    if create_connector is not None:
        from aiobotocore import httpsession

        httpsession.AIOHTTPSession._create_connector = create_connector
