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

import functools
import secrets
import string
import sys
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from asynctestkit.aws._server import MotoServer

_KEY_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "/+"
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
            access_key_id="AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16)),
            secret_access_key="".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40)),
        )
        self._server.register_access_key(account.access_key_id, account.account_id)
        return account

    def drop(self, account: AwsAccount) -> None:
        """Forget the key and free the account's moto state (it is never used again)."""
        self._server.forget_access_key(account.access_key_id)
        _free_moto_account(account.account_id)


def _free_moto_account(account_id: str) -> None:
    """Drop every moto object of ``account_id``, and the garbage moto's tracker kept alive."""
    from moto.core.base_backend import AccountSpecificBackend, BackendDict, backend_lock
    from moto.core.model_instances import model_data

    with backend_lock:
        for backends in list(BackendDict._instances):  # type: ignore[misc]
            backends.pop(account_id, None)
        # S3 bucket names are global (as on AWS): free the names this account held,
        # so the next test can create a bucket of the same name.
        s3_models = sys.modules.get("moto.s3.models")
        if s3_models is not None:
            names = s3_models.s3_backends.bucket_accounts
            for name, (_, owner) in list(names.items()):
                if owner == account_id:
                    names.pop(name, None)
        # An lru_cache keyed by the AccountSpecificBackend instance (so never hit) keeps
        # the last 128 of them, each with all its regions' state, alive.
        cache_clear = getattr(AccountSpecificBackend._generate_regions, "cache_clear", None)
        if cache_clear is not None:
            cache_clear()
        # moto's instance tracker (for its dashboard) holds every model object ever made
        # until reset(): every bucket, key, queue and message of every test, and the
        # copies moto makes per request (a received SQS message, a listed key version).
        for models in list(model_data.values()):
            for model in list(models.values()):
                tracked = vars(model).get("instances_tracked")
                if hasattr(model, "dispose"):
                    # S3 keys and uploads: collected undisposed, one warns ("S3 key was not
                    # disposed of in time") in whichever test runs then; dispose ours now.
                    if isinstance(tracked, list) and tracked:
                        _untrack_disposed(tracked, account_id)
                elif isinstance(tracked, list):
                    model.instances_tracked = _WeakInstances(tracked)  # type: ignore[attr-defined]


def _untrack_disposed(tracked: list[Any], account_id: str) -> None:
    """Dispose of the account's objects in ``tracked`` and stop tracking them."""
    count = len(tracked)  # the server's threads may append meanwhile: leave those be
    kept = []
    for instance in tracked[:count]:
        if getattr(instance, "account_id", None) == account_id:
            instance.dispose()
        else:
            kept.append(instance)
    tracked[:count] = kept


class _WeakInstances:
    """moto's ``instances_tracked`` list, holding its objects weakly.

    moto only appends to it and iterates it (its dashboard); objects nothing else holds
    are freed, as they would be without moto's tracker. Order is kept.
    """

    def __init__(self, instances: list[Any]) -> None:
        self._refs: list[Callable[[], Any]] = []
        self._pruned_at = 0
        for instance in instances:
            self.append(instance)

    def append(self, instance: Any) -> None:
        try:
            ref: Callable[[], Any] = weakref.ref(instance)
        except TypeError:  # not weakly referenceable: held, as moto would
            ref = functools.partial(_same, instance)
        self._refs.append(ref)
        # Dead references cost a few bytes each: drop them whenever the list has doubled.
        if len(self._refs) > 2 * self._pruned_at + 64:
            self._refs = [ref for ref in self._refs if ref() is not None]
            self._pruned_at = len(self._refs)

    def __iter__(self) -> Iterator[Any]:
        alive = (ref() for ref in list(self._refs))
        return (instance for instance in alive if instance is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _same(instance: Any) -> Any:
    return instance


class StsAccounts:
    """Accounts on an external endpoint, through STS AssumeRole into the new account."""

    def __init__(self, session: Any, endpoint_url: str, region: str) -> None:
        self._session = session
        self._endpoint_url = endpoint_url
        self._region = region

    async def create(self) -> AwsAccount:
        account_id = _new_account_id()
        async with self._session.client(
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
