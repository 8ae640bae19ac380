"""Which SDK sessions the toolkit keeps real while fakes are patched in.

``MotoMixin`` builds its own aiobotocore session (and aioboto3 session, when aioboto3 is
installed) for ``aws_client()``; ``FakeAwsMixin`` on the same class patches
``create_client`` and ``Session.client`` so the code under test gets fakes. The patch asks
:func:`is_kept_real` and hands a marked session its real clients. This module sits between
``asynctestkit.aws`` and ``asynctestkit.fakes`` so neither imports the other's internals.
"""

from __future__ import annotations

from typing import Any

_MARK = "_asynctestkitKeptReal"


def keep_real(session: Any) -> None:
    """Mark ``session``: the fakes patch leaves its clients real."""
    setattr(session, _MARK, True)


def is_kept_real(session: Any) -> bool:
    """True for a session marked with :func:`keep_real`."""
    return bool(vars(session).get(_MARK, False))
