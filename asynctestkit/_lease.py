"""One process-wide resource shared through a lease count, and what a fork does to it.

Both shared servers (the embedded MongoDB server, the moto server) and the two botocore
patches AWS classes install (the real-AWS guard, the loaded-data cache) are held this
way: the first lease starts the resource, every user releases exactly once, and a release
without a lease fails with one message whatever the resource.

A forked child (unittest-parallel's workers, a multiprocessing pool under ``fork``, an
``os.fork()`` in app code) holds none of its parent's leases. A *server* is threads and
sockets, and the threads stay behind in the parent: the child's first lease starts its own
server, so its requests never reach the parent's, which knows nothing of the child's
databases or AWS accounts. A *patch* is plain memory the child has a copy of: it stays in
force in the child for good (a child forked mid-test stays guarded), and the child's own
leases come and go on top of it. ``forkserver`` and ``spawn`` children import everything
afresh and start from nothing.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_RELEASED_TOO_OFTEN = (
    "{what}: {release} was called more often than {acquire} in this process. Release each "
    "lease exactly once, e.g. with addClassCleanup right after acquiring (a forked child "
    "holds none of its parent's leases)."
)
_STOPPED_WHILE_LEASED = (
    "{what} still has {count} lease(s) in this process; it stops at interpreter exit. "
    "Release the leases instead of stopping it."
)

_leases: weakref.WeakSet[Lease[Any]] = weakref.WeakSet()


class Lease(Generic[T]):
    """A resource started on the first :meth:`acquire`, fork-aware.

    ``keep=True`` (servers): zero leases leave it running (the next class would otherwise
    pay a restart, and a client the app cached at module level would lose its port); it
    stops at interpreter exit, in the process that started it only. ``keep=False``
    (patches): the last release stops it.

    ``survives_fork``: a patch (True) stays in force in a forked child; a server (False)
    is left to the parent, and ``abandon`` (if given) lets go of the child's copies of its
    sockets without touching the parent's threads.
    """

    def __init__(
        self,
        what: str,
        start: Callable[[], T],
        stop: Callable[[T], None],
        *,
        keep: bool,
        survives_fork: bool,
        abandon: Callable[[T], None] | None = None,
        calls: tuple[str, str] = ("acquire()", "release()"),
    ) -> None:
        self.what = what
        self._calls = calls
        self._start = start
        self._stop = stop
        self._keep = keep
        self._survives_fork = survives_fork
        self._abandon = abandon
        self.lock = threading.RLock()
        self._resource: T | None = None
        self._count = 0
        # A patch a forked child inherited in force: never stopped in the child.
        self._inherited = False
        # A server a forked child inherited: held so its sockets are never collected here.
        self._orphans: list[T] = []
        _leases.add(self)
        if keep:
            atexit.register(_stop_at_exit, weakref.ref(self))

    @property
    def count(self) -> int:
        """Leases held in this process."""
        return self._count

    @property
    def in_force(self) -> bool:
        """True while the resource is started (or inherited in force) in this process."""
        return self._resource is not None or self._inherited

    @property
    def resource(self) -> T | None:
        """This process's resource, if started."""
        return self._resource

    def acquire(self) -> T:
        """Take a lease, starting the resource on first use."""
        with self.lock:
            if self._resource is None:
                self._resource = self._start()
            self._count += 1
            return self._resource

    def release(self) -> None:
        """Give back one lease; the last one stops a ``keep=False`` resource."""
        with self.lock:
            if self._count <= 0:
                acquire, release = self._calls
                raise RuntimeError(
                    _RELEASED_TOO_OFTEN.format(what=self.what, acquire=acquire, release=release)
                )
            self._count -= 1
            if self._count == 0 and not self._keep and not self._inherited:
                resource, self._resource = self._resource, None
                if resource is not None:
                    self._stop(resource)

    def stop(self) -> None:
        """Stop a kept resource now; refused while leases are held."""
        with self.lock:
            if self._count:
                raise RuntimeError(_STOPPED_WHILE_LEASED.format(what=self.what, count=self._count))
            resource, self._resource = self._resource, None
        if resource is not None:
            self._stop(resource)

    def _after_fork_in_child(self) -> None:
        self.lock = threading.RLock()  # another thread may have held it at the fork
        self._count = 0
        if self._survives_fork:
            self._inherited = self._inherited or self._resource is not None
            return
        resource, self._resource = self._resource, None
        if resource is not None:
            self._orphans.append(resource)
            if self._abandon is not None:
                self._abandon(resource)


def _stop_at_exit(ref: weakref.ref[Lease[Any]]) -> None:
    # In a forked child _resource is the child's own server or None, never the parent's.
    lease = ref()
    if lease is None:
        return
    resource, lease._resource = lease._resource, None
    if resource is not None:
        lease._stop(resource)


def _after_fork_in_child() -> None:
    for lease in list(_leases):
        lease._after_fork_in_child()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_after_fork_in_child)
