"""Import optional dependencies with an error that says what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

MISSING_EXTRA = (
    "{feature} needs the {package!r} package, which is not installed. "
    "Install it with: pip install 'asynctestkit[{extra}]'"
)


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module``, or raise ImportError naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = module.split(".", 1)[0]
        message = MISSING_EXTRA.format(feature=feature, package=package, extra=extra)
        raise ImportError(message, name=module) from exc
