"""Methods usable from a test and from class set-up alike (``self.x()`` and ``cls.x()``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class class_or_instance:  # lower case: a decorator, like classmethod
    """Bind to the instance when called on one, else to the class."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.__func__ = func
        self.__doc__ = func.__doc__
        self.__name__ = func.__name__

    def __get__(self, obj: Any, owner: type) -> Callable[..., Any]:
        return self.__func__.__get__(owner if obj is None else obj, owner)  # type: ignore[no-any-return]
