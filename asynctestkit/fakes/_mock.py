"""The AsyncMock that stands for one client operation.

This is the one place that overrides a private CPython method:
``AsyncMock._execute_mock_call``. On CPython 3.11 to 3.15 it is the
coroutine a call to an AsyncMock returns; it records the await (``await_count``,
``await_args``), then answers from ``side_effect``, else ``return_value``, else ``wraps``.
We check the call first, so a bad call fails the way botocore fails whatever the test
programmed, and we pass the default answer (the fake's response queue) as ``wraps`` so
``side_effect`` and ``return_value`` still win, in CPython's order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest.mock import DEFAULT, AsyncMock

Check = Callable[[tuple[Any, ...], dict[str, Any]], None]


class OperationMock(AsyncMock):
    """An ``AsyncMock`` whose calls are validated before they are answered."""

    _asynctestkitCheck: Check | None = None

    async def _execute_mock_call(self, /, *args: Any, **kwargs: Any) -> Any:
        check = self._asynctestkitCheck
        if check is not None:
            try:
                check(args, kwargs)
            except Exception as error:
                # Let CPython record the await and raise the error as a side effect
                # would, so a rejected call still shows in await_args_list.
                saved: Any = getattr(self, "_mock_side_effect")  # noqa: B009
                self._mock_side_effect = error
                try:
                    return await super()._execute_mock_call(*args, **kwargs)
                finally:
                    self._mock_side_effect = saved
        return await super()._execute_mock_call(*args, **kwargs)


def operation_mock(name: str, check: Check, answer: Callable[..., Any]) -> OperationMock:
    """A new OperationMock named ``name`` that validates with ``check``."""
    mock = OperationMock(name=name, wraps=answer)
    mock._asynctestkitCheck = check
    return mock


def is_programmed(mock: AsyncMock) -> bool:
    """True if the test set ``side_effect`` or ``return_value`` on ``mock``."""
    # Reading mock.return_value would create (and so set) a child mock.
    return mock.side_effect is not None or mock._mock_return_value is not DEFAULT
