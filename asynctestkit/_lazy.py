"""The public surface's plumbing: names loaded on first access and deprecated aliases
(module ``__getattr__``, PEP 562), and public objects shown under their public module."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any


def lazy_attributes(
    namespace: dict[str, Any],
    names: Mapping[str, str],
    before: Callable[[str], None] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose ``names`` live in other modules.

    ``names`` maps each public name to the module defining it; ``before(module)`` runs
    ahead of the import (e.g. to name the extra to install). A loaded value is cached in
    ``namespace``, so each name is looked up once.
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if before is not None:
            before(module)
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return __getattr__, __dir__


def deprecated_aliases(
    namespace: dict[str, Any],
    templates: Iterable[str] = (),
    others: Mapping[str, str | None] = MappingProxyType({}),
) -> Callable[[str], Any]:
    """``__getattr__`` for a module whose public-looking names gained a leading ``_``.

    The old names still work, with a DeprecationWarning that names the replacement:
    ``others`` maps each old name to what to use instead (None: its value); message
    ``templates`` have none (the messages are documented instead).
    """
    module = namespace["__name__"]
    documented = "message templates are private now; every message is in docs/troubleshooting.md"
    advice = dict.fromkeys(templates, documented) | dict(others)

    def __getattr__(name: str) -> Any:
        if name not in advice:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = namespace[f"_{name}"]
        instead = advice[name] or f"use its value, {value!r}"
        warnings.warn(
            f"{module}.{name} is deprecated and will be removed: {instead}.",
            DeprecationWarning,
            stacklevel=2,
        )
        return value

    return __getattr__


def public_in(module: str, *objects: Any) -> None:
    """Show ``objects``, defined in a private module, under the public ``module`` users import
    them from: in reprs, tracebacks, pickles and the API docs.

    Called where they are defined when the package loads them lazily (an object must show
    the same module whichever import reached it first), else where the package re-exports
    them.
    """
    for obj in objects:
        obj.__module__ = module
