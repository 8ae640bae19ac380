"""AWS accounts on the test server: one per class and, by default, one per test.

Clients the code under test builds read credentials from the environment, so an account
must be reachable through an access key alone. On the in-process server the key is
registered with the server, which tells moto the account in its ``x-moto-account-id``
header (no request, O(1) per call; moto's own key-to-account lookup scans every account
on every request, which grows with the number of tests). On an external endpoint
(``ASYNCTESTKIT_AWS_ENDPOINT``: a shared moto server, LocalStack) the key comes from
STS ``AssumeRole`` on a role in the new account, which both map to that account.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol

from asynctestkit.aws import _moto_compat
from asynctestkit.aws._server import MotoServer

# Never hand out moto's default account or an all-zero one: code under test that
# hard-codes either would then pass by accident.
_RESERVED = frozenset({"123456789012", "000000000000"})
_BASE_ACCESS_KEY = "AKIAASYNCTESTKIT0000"
_BASE_SECRET = "asynctestkit-base-secret"


@dataclass(frozen=True)
class AwsAccount:
    """An account on the test server and the credentials that act in it."""

    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    def client_kwargs(self) -> dict[str, Any]:
        """Credentials as keyword arguments for ``Session.client(...)``."""
        kwargs: dict[str, Any] = {
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
        }
        if self.session_token is not None:
            kwargs["aws_session_token"] = self.session_token
        return kwargs


def _new_account_id() -> str:
    while True:
        account_id = f"{secrets.randbelow(10**12):012d}"
        if account_id not in _RESERVED:
            return account_id


class Accounts(Protocol):
    """Makes and drops accounts on one endpoint."""

    async def create(self) -> AwsAccount: ...

    def drop(self, account: AwsAccount) -> None: ...


class LocalAccounts:
    """Accounts on the in-process server: a registered key, no request at all."""

    def __init__(self, server: MotoServer) -> None:
        self._server = server

    async def create(self) -> AwsAccount:
        account = AwsAccount(
            account_id=_new_account_id(),
            # As AWS's: 16 characters of A-Z2-7 after AKIA; a 40-character base64 secret.
            access_key_id="AKIA" + base64.b32encode(secrets.token_bytes(10)).decode(),
            secret_access_key=base64.b64encode(secrets.token_bytes(30)).decode(),
        )
        self._server.register_access_key(account.access_key_id, account.account_id)
        return account

    def drop(self, account: AwsAccount) -> None:
        """Forget the key and free the account's moto state (it is never used again)."""
        self._server.forget_access_key(account.access_key_id)
        _moto_compat.free_account(account.account_id)


class StsAccounts:
    """Accounts on an external endpoint, through STS AssumeRole into the new account."""

    def __init__(self, session: Any, endpoint_url: str, region: str) -> None:
        self._session = session
        self._endpoint_url = endpoint_url
        self._region = region

    async def create(self) -> AwsAccount:
        account_id = _new_account_id()
        async with self._session.create_client(
            "sts",
            endpoint_url=self._endpoint_url,
            region_name=self._region,
            aws_access_key_id=_BASE_ACCESS_KEY,
            aws_secret_access_key=_BASE_SECRET,
        ) as sts:
            response = await sts.assume_role(
                RoleArn=f"arn:aws:iam::{account_id}:role/asynctestkit",
                RoleSessionName="asynctestkit",
            )
        credentials = response["Credentials"]
        return AwsAccount(
            account_id=account_id,
            access_key_id=credentials["AccessKeyId"],
            secret_access_key=credentials["SecretAccessKey"],
            session_token=credentials.get("SessionToken"),
        )

    def drop(self, account: AwsAccount) -> None:
        """Nothing to free remotely: the account is simply never used again."""
