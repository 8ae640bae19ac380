"""The "did you mean" part of an error message, the same everywhere."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(value: object, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """`` Did you mean 'a' or 'b'?`` for the close matches of ``value``, or ``''``."""
    matches = difflib.get_close_matches(str(value), list(choices), n=3, cutoff=cutoff)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(match) for match in matches) + "?"
