"""Every private name of moto the toolkit touches, in one room.

Upstream files, as of moto 5.2.5:

- ``moto/core/base_backend.py``: ``BackendDict._instances`` (every BackendDict made),
  ``backend_lock``, and ``AccountSpecificBackend._generate_regions``, an ``lru_cache``;
- ``moto/core/model_instances.py``: ``model_data``, and the ``instances_tracked`` list
  moto's metaclass (``InstanceTrackerMeta``) puts on each model class;
- ``moto/s3/models.py``: ``s3_backends.bucket_accounts`` (global bucket names);
- ``moto/moto_server/werkzeug_app.py``: ``DomainDispatcherApplication`` with its
  ``backend_url_patterns`` and ``get_backend_for_host`` (copied below, cached),
  ``create_backend_app``;
- ``moto/backends.py``: ``list_of_moto_modules``;
- ``moto/core/request.py``: ``should_preserve_original_header_name`` and
  ``PRESERVED_HEADER_NAMES_ENVIRON_KEY``.

``tests/test_compat.py`` checks each name in :data:`PRIVATE_NAMES` by name, so a release
that moves one fails there; at run time a missing name raises here, never skips silently
(a skipped cache_clear brought the soak leak back without a sound).
"""

from __future__ import annotations

import functools
import sys
import weakref
from collections.abc import Callable, Iterator
from typing import Any

from asynctestkit._extras import require

#: (module, attribute path) of every private or internal moto name used below.
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("moto.core.base_backend", "BackendDict._instances"),
    ("moto.core.base_backend", "backend_lock"),
    ("moto.core.base_backend", "AccountSpecificBackend._generate_regions.cache_clear"),
    ("moto.core.model_instances", "model_data"),
    ("moto.core.base_backend", "InstanceTrackerMeta"),
    ("moto.s3.models", "s3_backends.bucket_accounts"),
    ("moto.moto_server.werkzeug_app", "DomainDispatcherApplication.get_backend_for_host"),
    ("moto.moto_server.werkzeug_app", "create_backend_app"),
    ("moto.backends", "list_of_moto_modules"),
    ("moto.core.request", "should_preserve_original_header_name"),
    ("moto.core.request", "PRESERVED_HEADER_NAMES_ENVIRON_KEY"),
)
#: (module, class, attribute) of private attributes set in ``__init__`` that are used.
PRIVATE_INSTANCE_NAMES: tuple[tuple[str, str, str], ...] = (
    ("moto.moto_server.werkzeug_app", "DomainDispatcherApplication", "backend_url_patterns"),
)
#: A model class moto tracks instances of (``instances_tracked``), for the check above.
TRACKED_MODEL = ("moto.sqs.models", "Queue")

_FEATURE = "The moto server"
_MOVED = (
    "asynctestkit relies on moto's {name}, which this moto ({version}) does not have. "
    "Install a moto that asynctestkit supports (pip install 'asynctestkit[aws]') or upgrade "
    "asynctestkit."
)


def dispatcher_app(route_cache_size: int) -> Any:
    """moto's host dispatcher, with its routing decision cached per host."""
    werkzeug_app = require("moto.moto_server.werkzeug_app", "aws", _FEATURE)
    backends = require("moto.backends", "aws", _FEATURE)
    modules = frozenset(backends.list_of_moto_modules())
    routes: dict[str | None, Any] = {}
    dispatcher = werkzeug_app.DomainDispatcherApplication(werkzeug_app.create_backend_app)
    patterns = dispatcher.backend_url_patterns

    # moto lists its own package directory and tries ~300 URL patterns for every request
    # (about a third of its time per S3 call); the answer depends on the host alone. Same
    # rules as DomainDispatcherApplication.get_backend_for_host (moto 5.2.5), minus the
    # print for unknown amazonaws.com hosts.
    def get_backend_for_host(host: str | None) -> Any:
        if host is None:
            return None
        try:
            return routes[host]
        except KeyError:
            pass
        backend: Any = None
        if host == "moto_api" or host in modules:
            backend = host
        else:
            for name, pattern in patterns:
                if pattern.match(f"http://{host}"):
                    backend = name
                    break
        if len(routes) >= route_cache_size:
            routes.clear()
        routes[host] = backend
        return backend

    if not callable(getattr(type(dispatcher), "get_backend_for_host", None)):
        # Assigning it would then change nothing: every request would pay the slow route.
        raise AttributeError(
            _MOVED.format(
                name="DomainDispatcherApplication.get_backend_for_host", version=_version()
            )
        )
    dispatcher.get_backend_for_host = get_backend_for_host
    return dispatcher


def header_preservation() -> tuple[Callable[[str], bool], str]:
    """moto's rule for keeping a header's spelling, and the environ key it reads them from."""
    request = require("moto.core.request", "aws", _FEATURE)
    return request.should_preserve_original_header_name, request.PRESERVED_HEADER_NAMES_ENVIRON_KEY


def free_account(account_id: str) -> None:
    """Drop every moto object of ``account_id``, and the garbage moto's tracker kept alive."""
    from moto.core.base_backend import AccountSpecificBackend, BackendDict, backend_lock
    from moto.core.model_instances import model_data

    with backend_lock:
        for backends in list(BackendDict._instances):  # type: ignore[misc]
            backends.pop(account_id, None)
        # S3 bucket names are global (as on AWS): free the names this account held,
        # so the next test can create a bucket of the same name.
        s3_models = sys.modules.get("moto.s3.models")
        if s3_models is not None:
            names = s3_models.s3_backends.bucket_accounts
            for name, (_, owner) in list(names.items()):
                if owner == account_id:
                    names.pop(name, None)
        # An lru_cache keyed by the AccountSpecificBackend instance (so never hit) keeps
        # the last 128 of them, each with all its regions' state, alive.
        AccountSpecificBackend._generate_regions.cache_clear()
        # moto's instance tracker (for its dashboard) holds every model object ever made
        # until reset(): every bucket, key, queue and message of every test, and the
        # copies moto makes per request (a received SQS message, a listed key version).
        for models in list(model_data.values()):
            for model in list(models.values()):
                tracked = vars(model).get("instances_tracked")
                if hasattr(model, "dispose"):
                    # S3 keys and uploads: collected undisposed, one warns ("S3 key was not
                    # disposed of in time") in whichever test runs then; dispose ours now.
                    if isinstance(tracked, list) and tracked:
                        _untrack_disposed(tracked, account_id)
                elif isinstance(tracked, list):
                    model.instances_tracked = _WeakInstances(tracked)  # type: ignore[attr-defined]


def _untrack_disposed(tracked: list[Any], account_id: str) -> None:
    """Dispose of the account's objects in ``tracked`` and stop tracking them."""
    count = len(tracked)  # the server's threads may append meanwhile: leave those be
    kept = []
    for instance in tracked[:count]:
        if getattr(instance, "account_id", None) == account_id:
            instance.dispose()
        else:
            kept.append(instance)
    tracked[:count] = kept


class _WeakInstances:
    """moto's ``instances_tracked`` list, holding its objects weakly.

    moto only appends to it and iterates it (its dashboard); objects nothing else holds
    are freed, as they would be without moto's tracker. Order is kept.
    """

    def __init__(self, instances: list[Any]) -> None:
        self._refs: list[Callable[[], Any]] = []
        self._pruned_at = 0
        for instance in instances:
            self.append(instance)

    def append(self, instance: Any) -> None:
        try:
            ref: Callable[[], Any] = weakref.ref(instance)
        except TypeError:  # not weakly referenceable: held, as moto would
            ref = functools.partial(_same, instance)
        self._refs.append(ref)
        # Dead references cost a few bytes each: drop them whenever the list has doubled.
        if len(self._refs) > 2 * self._pruned_at + 64:
            self._refs = [ref for ref in self._refs if ref() is not None]
            self._pruned_at = len(self._refs)

    def __iter__(self) -> Iterator[Any]:
        alive = (ref() for ref in list(self._refs))
        return (instance for instance in alive if instance is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _same(instance: Any) -> Any:
    return instance


def _version() -> str:
    from importlib.metadata import version

    return version("moto")
