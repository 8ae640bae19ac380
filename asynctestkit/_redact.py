"""Credentials never appear in a message: URIs are redacted before they are shown."""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?<=://)([^:@/]*):([^@/]*)@")
# A query key, or an authMechanismProperties item (AWS_SESSION_TOKEN:...), that names a
# secret; its value runs to the next '&' or ','.
_SECRET = re.compile(
    r"(?i)((?:^|[?&,=])[^=&,:?]*(?:password|secret|token)[^=&,:?]*(?:=|:|%3A))[^&,]*"
)


def redact_uri(uri: str) -> str:
    """``uri`` with its password and every secret-looking parameter replaced by ``***``."""
    base, question, query = uri.partition("?")
    return _USERINFO.sub(r"\1:***@", base) + question + _SECRET.sub(r"\1***", query)
