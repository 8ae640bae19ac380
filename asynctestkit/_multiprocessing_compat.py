"""multiprocessing's preparation data, in one room (CPython 3.11 to 3.15: ``spawn.py``,
``popen_forkserver.py``, ``popen_spawn_posix.py``).

A ``forkserver`` child (Python 3.14's default start method on Linux) is forked from a
server process that started once, and has the environment the parent had *then*: an
``AWS_*`` variable a test class set since is missing, and one it removed is back. The
parent sends every new ``spawn`` or ``forkserver`` child one dict, built by
``spawn.get_preparation_data`` and unpickled by the child first, before the process object
and its target. Once ``carry_environment`` was called, that dict also holds the current
values of the named variables (set or unset), in a form whose unpickling applies them to
the child's ``os.environ``: code under test that starts processes gets the test's AWS
environment under every start method, as it does under ``fork``. The names stay carried for
the rest of the process, so a fork server started during a class can't hand that class's
environment to a child started after it. Unpickling calls stdlib functions only: the child
has not yet got the parent's ``sys.path`` and may not be able to import asynctestkit.
``tests/test_compat.py`` checks the names used here.
"""

from __future__ import annotations

import importlib
import operator
import os
from collections.abc import Callable, Iterable
from multiprocessing import spawn
from typing import Any

_KEY = "asynctestkit_environment"  # spawn.prepare() reads only the keys it knows
_carried: set[str] = set()
_original: Callable[[str], dict[str, Any]] | None = None


def carry_environment(names: Iterable[str]) -> None:
    """Give every ``spawn``/``forkserver`` child started from now on these variables as
    they are in this process at its start."""
    global _original
    _carried.update(names)
    if _original is None:
        _original = spawn.get_preparation_data
        spawn.get_preparation_data = _get_preparation_data


def _get_preparation_data(name: str) -> dict[str, Any]:
    assert _original is not None
    data = _original(name)
    values = {variable: os.environ.get(variable) for variable in sorted(_carried)}
    environ = _Stdlib("os", "environ")
    calls = [
        _Call(operator.methodcaller("pop", variable, None), environ)
        for variable, value in values.items()
        if value is None
    ]
    calls.append(
        _Call(
            operator.methodcaller(
                "update",
                {variable: value for variable, value in values.items() if value is not None},
            ),
            environ,
        )
    )
    data[_KEY] = tuple(calls)
    return data


class _Call:
    """Unpickles as ``func(*args)``, with ``func`` a stdlib callable."""

    def __init__(self, func: Callable[..., Any], *args: Any) -> None:
        self._func, self._args = func, args

    def __reduce__(self) -> tuple[Any, ...]:
        return self._func, self._args


class _Stdlib(_Call):
    """Unpickles as the object ``module.name`` of a stdlib module."""

    def __init__(self, module: str, name: str) -> None:
        super().__init__(getattr, _Call(importlib.import_module, module), name)
