"""Refuse the commonest hook slips when a test class is defined, not as a raw error later.

Without these checks ``asyncSetUpClass`` written without ``@classmethod`` fails with
"missing 1 required positional argument: 'cls'", one written without ``async`` with
"object NoneType can't be used in 'await' expression", and an ``async def setUpClass``
never runs at all (unittest calls it without awaiting it).
"""

from __future__ import annotations

import inspect
import types
from typing import Any, NamedTuple

_NOT_CLASSMETHOD = (
    "{cls}.{name} must be a classmethod: unittest calls it on the class, not on a test. "
    "Put @classmethod on the line above '{keyword}def {name}(cls):'."
)
_NOT_ASYNC = (
    "{cls}.{name} must be a coroutine function: asynctestkit awaits it on the class loop. "
    "Write it as 'async def {name}({first}):'."
)
_NOT_SYNC = (
    "{cls}.{name} is a coroutine function, but unittest calls it without awaiting it, so "
    "its body would never run. Make it a plain 'def {name}({first}):' and {fix}."
)


class Hook(NamedTuple):
    """How a hook must be written; ``fix`` says where async work goes if it must be sync."""

    name: str
    on_class: bool
    is_async: bool
    fix: str = ""


def check_hooks(cls: type, hooks: tuple[Hook, ...]) -> None:
    """Raise TypeError for the first hook of ``cls`` (or a base) written the wrong way."""
    for hook in hooks:
        owner = next((base for base in cls.__mro__ if hook.name in vars(base)), None)
        if owner is None:
            continue
        value = vars(owner)[hook.name]
        first = "cls" if hook.on_class else "self"
        keyword = "async " if hook.is_async else ""
        where = {"cls": owner.__qualname__, "name": hook.name}
        if isinstance(value, classmethod):
            func = value.__func__
            if not hook.on_class:
                continue  # an unusual choice, but not one of the slips checked here
        elif isinstance(value, (types.FunctionType, staticmethod)):
            if hook.on_class:
                raise TypeError(_NOT_CLASSMETHOD.format(**where, keyword=keyword))
            func = value
        else:
            continue  # a mock or another callable: trust it
        if not isinstance(func, types.FunctionType):
            continue
        is_async = inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
            inspect.unwrap(func)
        )
        if hook.is_async and not is_async and not inspect.isasyncgenfunction(func):
            raise TypeError(_NOT_ASYNC.format(**where, first=first))
        if not hook.is_async and is_async:
            raise TypeError(_NOT_SYNC.format(**where, first=first, fix=hook.fix))


def hooks_of(cls: Any, base: tuple[Hook, ...]) -> tuple[Hook, ...]:
    """``base`` plus the async class hooks that mixins declare (``asyncSetUpTestData``)."""
    extra = {name for k in cls.__mro__ for name in vars(k).get("_asynctestkitAsyncClassHooks", ())}
    return base + tuple(Hook(name, True, True) for name in sorted(extra))
