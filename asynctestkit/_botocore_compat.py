"""Every private name of botocore and aiobotocore the toolkit touches, in one room.

Upstream files, as of botocore 1.40 / 1.43 and aiobotocore 2.25 / 3.10:

- ``botocore/session.py``: ``create_loader`` (looked up as a module global when a session
  is made) and ``Session._register_builtin_handlers``;
- ``botocore/hooks.py``: ``accepts_kwargs`` (looked up as a module global on every
  ``register``), ``EventAliaser._event_aliases`` and ``._alias_name_cache`` (and
  ``EventAliaser.__copy__``, which every client calls on its session's emitter);
- ``botocore/loaders.py``: ``Loader._cache``, the dict ``instance_cache`` reads;
- ``botocore/regions.py``: ``EndpointProvider`` (imported there from
  ``botocore.endpoint_provider``, looked up as a module global when a client is made);
- ``botocore/handlers.py``: ``BUILTIN_HANDLERS``, ``REGISTER_FIRST``, ``REGISTER_LAST``;
- ``botocore/stub.py``: ``Stubber._queue`` and ``Stubber._add_response``;
- ``aiobotocore/httpsession.py``: ``AIOHTTPSession`` builds its SSL context in
  ``_create_connector`` (2.x, synchronous) or ``_build_ssl_contexts`` (3.x, run in a
  thread by an asynchronous ``_create_connector``), from ``_verify``, ``_cert_file``,
  ``_get_ssl_context`` and ``get_cert_path``.

``tests/test_compat.py`` checks each name in :data:`PRIVATE_NAMES` by name, so a release
that moves one fails there; at run time a missing name raises ``AttributeError`` here
instead of silently skipping a patch.
"""

from __future__ import annotations

import contextlib
import inspect
import weakref
from collections.abc import Callable
from typing import Any

#: (module, attribute path) of every private or internal module or class attribute used.
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("botocore.session", "create_loader"),
    ("botocore.session", "Session._register_builtin_handlers"),
    ("botocore.hooks", "accepts_kwargs"),
    ("botocore.utils", "EVENT_ALIASES"),
    ("botocore.regions", "EndpointProvider"),
    ("botocore.handlers", "BUILTIN_HANDLERS"),
    ("botocore.handlers", "REGISTER_FIRST"),
    ("botocore.handlers", "REGISTER_LAST"),
    ("botocore.stub", "Stubber._add_response"),
    ("aiobotocore.httpsession", "AIOHTTPSession._create_connector"),
    ("aiobotocore.httpsession", "AIOHTTPSession._get_ssl_context"),
    ("aiobotocore.httpsession", "get_cert_path"),
)
#: (module, class, attribute) of every private attribute set in ``__init__`` that is used.
PRIVATE_INSTANCE_NAMES: tuple[tuple[str, str, str], ...] = (
    ("botocore.hooks", "EventAliaser", "_alias_name_cache"),
    ("botocore.hooks", "EventAliaser", "_event_aliases"),
    ("botocore.loaders", "Loader", "_cache"),
    ("botocore.stub", "Stubber", "_queue"),
    ("aiobotocore.httpsession", "AIOHTTPSession", "_verify"),
    ("aiobotocore.httpsession", "AIOHTTPSession", "_cert_file"),
)
#: What each known AIOHTTPSession layout adds (see _share_ssl_contexts).
AIOBOTOCORE_LAYOUTS: dict[str, tuple[str, ...]] = {
    "3.x": ("_build_ssl_contexts",),
    "2.x": ("_max_pool_connections", "_connector_args"),
}


def aiobotocore_layout() -> str:
    """Which AIOHTTPSession layout is installed: '3.x' or '2.x'; loud if neither."""
    from aiobotocore import httpsession

    session_class = httpsession.AIOHTTPSession
    if hasattr(session_class, "_build_ssl_contexts"):
        return "3.x"
    if not inspect.iscoroutinefunction(session_class._create_connector):
        return "2.x"
    import aiobotocore

    raise RuntimeError(UNKNOWN_AIOBOTOCORE.format(version=aiobotocore.__version__))


UNKNOWN_AIOBOTOCORE = (
    "asynctestkit does not know this aiobotocore's AIOHTTPSession (aiobotocore {version}: "
    "no _build_ssl_contexts, and _create_connector is a coroutine function). Install an "
    "aiobotocore that asynctestkit supports (pip install 'asynctestkit[aws]'), or upgrade "
    "asynctestkit."
)


def builtin_handlers() -> list[Any]:
    """botocore's list of (event, handler[, position]) every new session registers."""
    from botocore import handlers

    result: list[Any] = handlers.BUILTIN_HANDLERS
    return result


def register_position(spec: Any) -> str:
    """'first', 'last' or 'middle': where a BUILTIN_HANDLERS entry registers."""
    from botocore import handlers

    if len(spec) == 2:
        return "middle"
    return "first" if spec[2] is handlers.REGISTER_FIRST else "last"


def append_last_handler(event_name: str, handler: Callable[..., Any]) -> None:
    """Add ``handler`` to botocore's built-in handlers, registered after the others."""
    from botocore import handlers

    handlers.BUILTIN_HANDLERS.append((event_name, handler, handlers.REGISTER_LAST))


def remove_handler(handler: Callable[..., Any]) -> None:
    """Take ``handler`` out of botocore's built-in handlers."""
    from botocore import handlers

    handlers.BUILTIN_HANDLERS[:] = [
        spec for spec in handlers.BUILTIN_HANDLERS if spec[1] is not handler
    ]


def stubber_queue(stubber: Any) -> Any:
    """The deque of queued responses a botocore ``Stubber`` keeps."""
    return stubber._queue


def share_session_data(
    loader_caches: dict[tuple[tuple[str, ...], tuple[str, ...]], dict[Any, Any]],
    alias_cache: dict[str, str],
    accepts_kwargs_cache: weakref.WeakKeyDictionary[Any, bool],
    ssl_contexts: dict[str | None, Any],
    endpoint_providers: dict[tuple[Any, ...], tuple[Any, Any, Any]],
) -> Callable[[], None]:
    """Make every new botocore session share these caches; return the undo function."""
    import botocore.hooks
    import botocore.session
    from botocore.utils import EVENT_ALIASES

    create_loader = botocore.session.create_loader
    register_builtin_handlers = botocore.session.Session._register_builtin_handlers
    accepts_kwargs = botocore.hooks.accepts_kwargs
    copy_aliaser = botocore.hooks.EventAliaser.__copy__

    def shared_create_loader(search_path_string: str | None = None) -> Any:
        loader = create_loader(search_path_string)
        key = (tuple(loader.search_paths), tuple(loader.extras_types))
        loader._cache = loader_caches.setdefault(key, {})
        return loader

    def shared_register_builtin_handlers(self: Any, events: Any) -> None:
        # botocore's session always wraps its emitter in an EventAliaser; only one with
        # botocore's own aliases can share their resolved names.
        if events._event_aliases is EVENT_ALIASES:
            events._alias_name_cache = alias_cache
        register_builtin_handlers(self, events)

    def shared_copy_aliaser(self: Any) -> Any:
        # A client copies its session's emitter, aliases included (a copy of botocore's
        # own, as the cache is shared only then), and would resolve every event name
        # again (~1-2 ms a client and its first requests).
        copied = copy_aliaser(self)
        if self._alias_name_cache is alias_cache:
            copied._alias_name_cache = alias_cache
        return copied

    def cached_accepts_kwargs(func: Callable[..., Any]) -> bool:
        target = getattr(func, "__func__", func)  # a bound method has its function's kwargs
        try:
            return accepts_kwargs_cache[target]
        except KeyError:
            pass
        except TypeError:  # not weakly referenceable or not hashable
            return bool(accepts_kwargs(func))
        result = bool(accepts_kwargs(func))
        with contextlib.suppress(TypeError):
            accepts_kwargs_cache[target] = result
        return result

    undo_ssl = _share_ssl_contexts(ssl_contexts)
    undo_providers = _share_endpoint_providers(endpoint_providers)
    botocore.session.create_loader = shared_create_loader
    botocore.session.Session._register_builtin_handlers = shared_register_builtin_handlers  # type: ignore[method-assign]
    botocore.hooks.accepts_kwargs = cached_accepts_kwargs
    botocore.hooks.EventAliaser.__copy__ = shared_copy_aliaser  # type: ignore[method-assign]

    def undo() -> None:
        botocore.session.create_loader = create_loader
        botocore.hooks.EventAliaser.__copy__ = copy_aliaser  # type: ignore[method-assign]
        botocore.session.Session._register_builtin_handlers = register_builtin_handlers  # type: ignore[method-assign]
        botocore.hooks.accepts_kwargs = accepts_kwargs
        undo_ssl()
        undo_providers()

    return undo


def _share_endpoint_providers(
    providers: dict[tuple[Any, ...], tuple[Any, Any, Any]],
) -> Callable[[], None]:
    """Clients of one rule set share one parsed ``EndpointProvider`` (~1.5 ms a client).

    A provider is a pure function of its arguments (its one state, the endpoint cache, is
    keyed by the call's parameters), and with the shared loader every client of a service
    is handed the same rule set and partitions: those, by identity, and the other
    arguments (botocore 1.43 adds ``excluded_params`` for S3) by value are the key. The
    entry keeps the two objects alive, so an id is never reused for another.
    """
    import botocore.regions

    endpoint_provider = botocore.regions.EndpointProvider

    def shared_endpoint_provider(ruleset_data: Any, partition_data: Any, **options: Any) -> Any:
        def build() -> Any:
            return endpoint_provider(
                ruleset_data=ruleset_data, partition_data=partition_data, **options
            )

        # botocore 1.43 passes S3's excluded parameters as a set: compared as a frozenset.
        others = tuple(
            (name, frozenset(value) if isinstance(value, set) else value)
            for name, value in sorted(options.items())
        )
        try:
            key = (id(ruleset_data), id(partition_data), *others)
            entry = providers.get(key)
        except TypeError:  # another argument that is not hashable: no sharing
            return build()
        if entry is None or entry[0] is not ruleset_data or entry[1] is not partition_data:
            entry = providers[key] = (ruleset_data, partition_data, build())
        return entry[2]

    botocore.regions.EndpointProvider = shared_endpoint_provider  # type: ignore[assignment,misc]

    def undo() -> None:
        botocore.regions.EndpointProvider = endpoint_provider  # type: ignore[misc]

    return undo


def _share_ssl_contexts(contexts: dict[str | None, Any]) -> Callable[[], None]:
    """Clients that verify against the default CA bundle share one SSL context per bundle."""
    try:
        from aiobotocore import httpsession
    except ImportError:
        return _nothing  # botocore alone (sync boto3): nothing of aiobotocore's to share
    session_class = httpsession.AIOHTTPSession

    def wanted(self: Any, proxy_url: str | None) -> bool:
        # The common case only: no proxy, no client certificate, verification on.
        return not proxy_url and bool(self._verify) and not self._cert_file

    def context_for(self: Any, build: Callable[[], Any]) -> Any:
        ca_certs = httpsession.get_cert_path(self._verify)
        context = contexts.get(ca_certs)
        if context is None:
            context = contexts[ca_certs] = build()
        return context

    if aiobotocore_layout() == "3.x":
        # aiobotocore 3.x: _create_connector awaits _build_ssl_contexts in a thread.
        build_ssl_contexts = session_class._build_ssl_contexts

        def shared_build_ssl_contexts(self: Any, proxy_url: str | None) -> Any:
            if not wanted(self, proxy_url):
                return build_ssl_contexts(self, proxy_url)
            return context_for(self, lambda: build_ssl_contexts(self, proxy_url)[0]), None

        session_class._build_ssl_contexts = shared_build_ssl_contexts

        def undo() -> None:
            session_class._build_ssl_contexts = build_ssl_contexts

        return undo

    create_connector = session_class._create_connector
    import aiohttp

    def shared_create_connector(self: Any, proxy_url: str | None) -> Any:
        # aiobotocore 2.x: the same steps as AIOHTTPSession._create_connector.
        if not wanted(self, proxy_url):
            return create_connector(self, proxy_url)

        def build() -> Any:
            context = self._get_ssl_context()
            ca_certs = httpsession.get_cert_path(self._verify)
            if ca_certs:
                context.load_verify_locations(ca_certs, None, None)
            return context

        return aiohttp.TCPConnector(
            limit=self._max_pool_connections, ssl=context_for(self, build), **self._connector_args
        )

    session_class._create_connector = shared_create_connector

    def undo_connector() -> None:
        session_class._create_connector = create_connector

    return undo_connector


def _nothing() -> None:
    pass
