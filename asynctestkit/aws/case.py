"""AwsTestCase and MotoMixin: AWS on a moto server, an account per class and per test.

Isolation ladder:

- per process: one moto server (moto's state is process-global anyway), started on first
  use and stopped at interpreter exit; or the endpoint in ``ASYNCTESTKIT_AWS_ENDPOINT``.
- per class: the environment (endpoint, region, credentials), an aiobotocore session and an
  account, for ``asyncSetUpClass`` and, with ``aws_isolation = "class"``, every test.
- per test (``aws_isolation = "test"``, the default): a fresh account, so nothing one
  test creates is visible to another.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, cast
from urllib.parse import urlsplit

from asynctestkit._binding import class_or_instance
from asynctestkit._extras import require
from asynctestkit._hints import did_you_mean
from asynctestkit._lazy import deprecated_aliases
from asynctestkit._real_session import keep_real
from asynctestkit._redact import redact_uri
from asynctestkit.aws import _botocore_cache, _guard
from asynctestkit.aws._accounts import Accounts, AwsAccount, LocalAccounts, StsAccounts
from asynctestkit.aws._env import AwsEnvironment
from asynctestkit.aws._server import MotoServer, acquire_shared_server, release_shared_server
from asynctestkit.case import AsyncTestCase

__all__ = ["AwsTestCase", "MotoMixin"]

_ENDPOINT_ENV = "ASYNCTESTKIT_AWS_ENDPOINT"
_ISOLATION_LEVELS = ("class", "test")

_BAD_ISOLATION = (
    "{cls}.aws_isolation = {value!r} is not valid: it must be one of {valid}.{hint} "
    "Fix the class attribute."
)
_BAD_REGION = (
    "{cls}.aws_region = {value!r} is not a region botocore knows.{hint} "
    "Fix the class attribute (default 'us-east-1')."
)
_BAD_ENDPOINT = (
    "{env}={value!r} is not valid: it must be an http:// or https:// URL with a host, "
    "e.g. http://localhost:4566 for LocalStack. Fix or unset the environment variable."
)
_UNKNOWN_SERVICE = "{what} {name!r} is not an AWS service botocore knows.{hint}"
_NOT_SET_UP = (
    "{cls} has no AWS set-up: {what} needs MotoMixin's class set-up, which runs in "
    "setUpClass. Run the test through its class (unittest, pytest), and if you override "
    "_asynctestkitSetUpClass, await super()._asynctestkitSetUpClass() first."
)
_REAL_AWS_IN_TEST = "{test} tried to reach real AWS; the request was blocked:\n{details}"
_MISSING_OBJECT = "s3://{bucket}/{key} does not exist in account {account}.{hint}"
_TOO_FEW_MESSAGES = (
    "Received {got} of {count} message(s) from {queue} within {timeout:g} s; bodies seen: {bodies}"
)


# The old public names still import, with a DeprecationWarning (hidden from type checkers,
# which then flag the old names).
if not TYPE_CHECKING:
    __getattr__ = deprecated_aliases(
        globals(),
        templates=(
            "BAD_ISOLATION",
            "BAD_REGION",
            "BAD_ENDPOINT",
            "UNKNOWN_SERVICE",
            "NOT_SET_UP",
            "REAL_AWS_IN_TEST",
            "MISSING_OBJECT",
            "TOO_FEW_MESSAGES",
        ),
        others={"ENDPOINT_ENV": None, "ISOLATION_LEVELS": None},
    )


def _unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class _AwsClassState:
    endpoint_url: str
    region: str
    environment: AwsEnvironment
    session: Any  # aiobotocore's AioSession
    resource_session: Any  # an aioboto3 Session over it, or None without aioboto3
    accounts: Accounts
    account: AwsAccount
    clients: dict[str, Any] = field(default_factory=dict)


_prepared = False  # whether _prepare ran once in this process (its imports are done)


def _prepare(feature: str, endpoint: str | None) -> tuple[Any, Any, MotoServer | None]:
    """aiobotocore's session module, aioboto3 (or None: it is optional), the server."""
    session_module = require("aiobotocore.session", "aws", feature)
    try:
        aioboto3: Any = importlib.import_module("aioboto3")
    except ImportError:
        aioboto3 = None
    if endpoint is not None:
        return session_module, aioboto3, None
    require("moto.server", "aws", feature)
    return session_module, aioboto3, acquire_shared_server()


def _new_sessions(session_module: Any, aioboto3: Any) -> tuple[Any, Any]:
    """The class's own sessions, kept real under FakeAwsMixin's patch.

    With aioboto3 installed, an aioboto3 Session wraps the aiobotocore one: it registers
    aioboto3's S3 transfer methods (``upload_fileobj``...) on it, so aws_client() hands
    out the same clients the app gets from aioboto3, and aws_resource() works.
    """
    session = session_module.AioSession()
    keep_real(session)
    if aioboto3 is None:
        return session, None
    resource_session = aioboto3.Session(botocore_session=session)
    keep_real(resource_session)
    return session, resource_session


# The toolkit's own sessions, made once per process: building a botocore session costs a
# few milliseconds (thousands of event handlers), more than the rest of a class's AWS
# set-up, and every client the toolkit makes from it gets its endpoint, region and
# credentials explicitly, never from the session or the environment it was made in. It is
# made while the guard is installed (the guard's handler checks at each request whether
# it is on).
_sessions: dict[tuple[int, bool], tuple[Any, Any]] = {}
_regions: dict[int, list[str]] = {}  # id() of a session in _sessions (kept for good)


def _shared_sessions(session_module: Any, aioboto3: Any) -> tuple[Any, Any]:
    key = (os.getpid(), aioboto3 is not None)  # a forked worker makes its own
    sessions = _sessions.get(key)
    if sessions is None:
        sessions = _sessions[key] = _new_sessions(session_module, aioboto3)
    return sessions


if TYPE_CHECKING:
    _MixinBase = AsyncTestCase
else:
    # A plain mixin at run time; typed as what it is always combined with.
    _MixinBase = object


def _read_endpoint() -> str | None:
    value = os.environ.get(_ENDPOINT_ENV, "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(_BAD_ENDPOINT.format(env=_ENDPOINT_ENV, value=redact_uri(value)))
    return value.rstrip("/")


class MotoMixin(_MixinBase):
    """AWS for an ``AsyncTestCase``: a moto server, its environment, accounts and clients.

    Put it before ``AsyncTestCase`` (or another mixin built on its hooks)::

        class StoreTests(MotoMixin, AsyncTestCase):
            async def test_upload(self):
                s3 = await self.aws_client("s3")
                ...

    ``AwsTestCase`` is exactly that combination.
    """

    #: Region for the environment and for aws_client(); any region botocore knows.
    aws_region: ClassVar[str] = "us-east-1"
    #: "test": a fresh AWS account per test; "class": one account for the whole class.
    aws_isolation: ClassVar[str] = "test"

    #: The 12-digit account the current test (or, in asyncSetUpClass, the class) uses.
    aws_account_id: str

    _asynctestkitAws: ClassVar[_AwsClassState]

    # -- class level ----------------------------------------------------------------

    @classmethod
    async def _asynctestkitSetUpClass(cls) -> None:
        await super()._asynctestkitSetUpClass()
        if cls.aws_isolation not in _ISOLATION_LEVELS:
            raise ValueError(
                _BAD_ISOLATION.format(
                    cls=cls.__qualname__,
                    value=cls.aws_isolation,
                    valid=", ".join(repr(level) for level in _ISOLATION_LEVELS),
                    hint=did_you_mean(cls.aws_isolation, _ISOLATION_LEVELS),
                )
            )
        global _prepared
        endpoint = _read_endpoint()
        # The first time in a thread: the imports of aiobotocore, moto and Flask take
        # ~0.5 s, which would stall the class loop; after that, at once (a thread per
        # class, and its join at class end, cost more than the rest of this set-up).
        if _prepared:
            session_module, aioboto3, server = _prepare(cls.__qualname__, endpoint)
        else:
            session_module, aioboto3, server = await asyncio.to_thread(
                _prepare, cls.__qualname__, endpoint
            )
            _prepared = True
        if server is not None:
            cls.addClassCleanup(release_shared_server)
            endpoint = server.endpoint_url
        assert endpoint is not None

        _botocore_cache.install()
        cls.addClassCleanup(_botocore_cache.uninstall)
        region = cls.aws_region
        environment = AwsEnvironment(endpoint, region)
        environment.__enter__()
        cls.addClassCleanup(environment.restore)
        # Before the class's own session: botocore reads its handlers when a session is
        # made, so a session made earlier would not be guarded.
        _guard.install(endpoint)
        cls.addClassCleanup(_guard.uninstall, endpoint)
        cls.addClassCleanup(_guard.take_violations)
        # After the environment: a session reads AWS_PROFILE and the config file at once.
        # FakeAwsMixin on the same class fakes the code under test's clients, not these.
        session, resource_session = _shared_sessions(session_module, aioboto3)
        regions = await _known_regions(session)
        if region not in regions:
            raise ValueError(
                _BAD_REGION.format(
                    cls=cls.__qualname__, value=region, hint=did_you_mean(region, regions)
                )
            )

        accounts: Accounts = (
            LocalAccounts(server) if server is not None else StsAccounts(session, endpoint, region)
        )
        account = await accounts.create()
        cls.addClassCleanup(accounts.drop, account)
        environment.set_credentials(
            account.access_key_id, account.secret_access_key, account.session_token
        )
        # boto3.client() keeps one default session, and with it the first credentials it
        # saw, for the whole process: start it afresh here and in every test, and give
        # the caller's back when the class ends.
        cls.addClassCleanup(_swap_boto3_default_session, _swap_boto3_default_session(None))
        cls._asynctestkitAws = _AwsClassState(
            endpoint_url=endpoint,
            region=region,
            environment=environment,
            session=session,
            resource_session=resource_session,
            accounts=accounts,
            account=account,
        )
        cls.aws_account_id = account.account_id
        cls.addClassCleanup(cls._asynctestkitAwsForget)

    @classmethod
    def _asynctestkitAwsForget(cls) -> None:
        for name in ("_asynctestkitAws", "aws_account_id"):
            if name in vars(cls):
                delattr(cls, name)

    @classmethod
    def _asynctestkitAwsState(cls, what: str) -> _AwsClassState:
        # vars(), not getattr(): a subclass must never use its parent's environment.
        state: _AwsClassState | None = vars(cls).get("_asynctestkitAws")
        if state is None:
            raise RuntimeError(_NOT_SET_UP.format(cls=cls.__qualname__, what=what))
        return state

    # -- per test -------------------------------------------------------------------

    async def _asynctestkitSetUp(self) -> None:
        await super()._asynctestkitSetUp()
        state = type(self)._asynctestkitAwsState("the test")
        # Registered first, so it runs after the test's own cleanups.
        self.addCleanup(self._asynctestkitAwsCheckGuard)
        account = state.account
        if self.aws_isolation == "test":
            account = await state.accounts.create()
            self.addCleanup(state.accounts.drop, account)
            state.environment.set_credentials(
                account.access_key_id, account.secret_access_key, account.session_token
            )
            self.addCleanup(
                state.environment.set_credentials,
                state.account.access_key_id,
                state.account.secret_access_key,
                state.account.session_token,
            )
        _swap_boto3_default_session(None)
        self.aws_account_id = account.account_id
        self._asynctestkitAwsAccount = account
        self._asynctestkitAwsClients: dict[str, Any] = {}

    def _asynctestkitAwsCheckGuard(self) -> None:
        violations = _guard.take_violations()
        if violations:
            details = "\n".join(f"  {line}" for line in violations)
            raise self.failureException(_REAL_AWS_IN_TEST.format(test=self.id(), details=details))

    # -- clients --------------------------------------------------------------------

    def _asynctestkitAwsTarget(self_or_cls: Any, what: str) -> tuple[_AwsClassState, AwsAccount]:
        cls = cast(
            "type[MotoMixin]", self_or_cls if isinstance(self_or_cls, type) else type(self_or_cls)
        )
        state = cls._asynctestkitAwsState(what)
        if isinstance(self_or_cls, type):
            return state, state.account
        account = getattr(self_or_cls, "_asynctestkitAwsAccount", None)
        return state, account if account is not None else state.account

    @class_or_instance
    async def aws_client(self_or_cls: Any, service_name: str, **kwargs: Any) -> Any:
        """An aiobotocore client on the test server in the current account, open until the
        test ends (or, called on the class in ``asyncSetUpClass``, until the class ends).
        Keyword arguments go to ``create_client`` and override the defaults. With aioboto3
        installed, S3 clients also have its transfer methods (``upload_fileobj``...)."""
        state, account = MotoMixin._asynctestkitAwsTarget(self_or_cls, "aws_client()")
        _check_service(state.session.get_available_services(), service_name, "Service")
        options = {
            "region_name": state.region,
            "endpoint_url": state.endpoint_url,
            **account.client_kwargs(),
            **kwargs,
        }
        context = state.session.create_client(service_name, **options)
        return await _enter(self_or_cls, context)

    @class_or_instance
    async def aws_resource(self_or_cls: Any, service_name: str, **kwargs: Any) -> Any:
        """An aioboto3 resource (``dynamodb``, ``s3``, ``sqs``...), like aws_client().

        Needs aioboto3: ``pip install 'asynctestkit[aioboto3]'``."""
        state, account = MotoMixin._asynctestkitAwsTarget(self_or_cls, "aws_resource()")
        resources = state.resource_session
        if resources is None:
            aioboto3 = require("aioboto3", "aioboto3", "aws_resource()")
            resources = state.resource_session = aioboto3.Session(botocore_session=state.session)
            keep_real(resources)
        _check_service(resources.get_available_resources(), service_name, "Resource")
        options = {
            "region_name": state.region,
            "endpoint_url": state.endpoint_url,
            **account.client_kwargs(),
            **kwargs,
        }
        context = resources.resource(service_name, **options)
        return await _enter(self_or_cls, context)

    async def _asynctestkitAwsHelperClient(self_or_cls: Any, service_name: str) -> Any:
        if isinstance(self_or_cls, type):
            clients = cast(Any, self_or_cls)._asynctestkitAwsState(service_name).clients
        else:
            clients = self_or_cls.__dict__.get("_asynctestkitAwsClients")
            if clients is None:
                cast("type[MotoMixin]", type(self_or_cls))._asynctestkitAwsState(service_name)
                clients = self_or_cls._asynctestkitAwsClients = {}
        client = clients.get(service_name)
        if client is None:
            client = clients[service_name] = await self_or_cls.aws_client(service_name)
        return client

    # -- one-line resources ---------------------------------------------------------

    @class_or_instance
    async def create_bucket(self_or_cls: Any, name: str | None = None) -> str:
        """Create an S3 bucket (a unique name by default) and return its name."""
        s3 = await MotoMixin._asynctestkitAwsHelperClient(self_or_cls, "s3")
        name = name or _unique_name("asynctestkit")
        kwargs: dict[str, Any] = {"Bucket": name}
        region = s3.meta.region_name
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        await s3.create_bucket(**kwargs)
        return name

    @class_or_instance
    async def create_queue(
        self_or_cls: Any, name: str | None = None, *, fifo: bool = False, **attributes: str
    ) -> str:
        """Create an SQS queue and return its URL; ``fifo=True`` adds the ``.fifo`` suffix."""
        sqs = await MotoMixin._asynctestkitAwsHelperClient(self_or_cls, "sqs")
        name = name or _unique_name("asynctestkit")
        if fifo:
            attributes.setdefault("FifoQueue", "true")
            if not name.endswith(".fifo"):
                name += ".fifo"
        response = await sqs.create_queue(QueueName=name, Attributes=attributes)
        return str(response["QueueUrl"])

    @class_or_instance
    async def create_topic(self_or_cls: Any, name: str | None = None) -> str:
        """Create an SNS topic and return its ARN."""
        sns = await MotoMixin._asynctestkitAwsHelperClient(self_or_cls, "sns")
        response = await sns.create_topic(Name=name or _unique_name("asynctestkit"))
        return str(response["TopicArn"])

    @class_or_instance
    async def create_table(
        self_or_cls: Any,
        name: str | None = None,
        *,
        hash_key: str = "pk",
        range_key: str | None = None,
    ) -> str:
        """Create an on-demand DynamoDB table with string keys and return its name."""
        dynamodb = await MotoMixin._asynctestkitAwsHelperClient(self_or_cls, "dynamodb")
        name = name or _unique_name("asynctestkit")
        keys = [(hash_key, "HASH")] + ([(range_key, "RANGE")] if range_key else [])
        await dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": kind} for key, kind in keys],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"} for key, _ in keys],
            BillingMode="PAY_PER_REQUEST",
        )
        return name

    # -- assertions -----------------------------------------------------------------

    async def receive_sqs_messages(
        self, queue_url: str, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Receive ``count`` messages within ``timeout`` seconds, delete and return them.

        Fails the test with the bodies seen if fewer arrive in time.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"receive_sqs_messages() count={count!r}: must be an int >= 1")
        sqs = await MotoMixin._asynctestkitAwsHelperClient(self, "sqs")
        # Real time, not loop.time(): the messages come from another thread or process,
        # and a class with the virtual clock must not wait forever here.
        deadline = time.monotonic() + timeout
        messages: list[dict[str, Any]] = []
        while True:
            remaining = deadline - time.monotonic()
            response = await sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=min(10, count - len(messages)),
                MessageAttributeNames=["All"],
                AttributeNames=["All"],
                # Long polling waits on the server, in real time, and returns as soon as
                # a message arrives.
                WaitTimeSeconds=max(0, min(20, int(remaining))),
            )
            batch = response.get("Messages", [])
            if batch:
                await sqs.delete_message_batch(
                    QueueUrl=queue_url,
                    Entries=[
                        {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                        for index, message in enumerate(batch)
                    ],
                )
                messages.extend(batch)
            if len(messages) >= count:
                return messages
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                bodies = [message.get("Body") for message in messages]
                raise self.failureException(
                    _TOO_FEW_MESSAGES.format(
                        got=len(messages),
                        count=count,
                        queue=queue_url,
                        timeout=timeout,
                        bodies=bodies,
                    )
                )
            if not batch and remaining < 1:
                await asyncio.to_thread(time.sleep, min(0.05, remaining))

    async def assertS3ObjectExists(self, bucket: str, key: str, msg: Any = None) -> dict[str, Any]:
        """Fail unless ``s3://bucket/key`` exists; return its ``head_object`` response."""
        s3 = await MotoMixin._asynctestkitAwsHelperClient(self, "s3")
        try:
            head: dict[str, Any] = await s3.head_object(Bucket=bucket, Key=key)
            return head
        except s3.exceptions.ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status not in (403, 404):
                raise
        hint = ""
        try:
            listing = await s3.list_objects_v2(Bucket=bucket, MaxKeys=1000)
        except s3.exceptions.NoSuchBucket:
            hint = f" The bucket {bucket!r} does not exist."
        else:
            keys = [item["Key"] for item in listing.get("Contents", [])]
            hint = did_you_mean(key, keys) or f" The bucket holds {len(keys)} key(s)."
        standard = _MISSING_OBJECT.format(
            bucket=bucket, key=key, account=self.aws_account_id, hint=hint
        )
        raise self.failureException(self._formatMessage(msg, standard))


def _swap_boto3_default_session(session: Any) -> Any:
    """Set ``boto3.DEFAULT_SESSION`` (if boto3 is loaded at all); return the previous one."""
    boto3: Any = sys.modules.get("boto3")
    if boto3 is None:
        return None
    previous = boto3.DEFAULT_SESSION
    boto3.DEFAULT_SESSION = session
    return previous


async def _known_regions(session: Any) -> list[str]:
    """The regions botocore's data names; read once per shared session (~1 ms a class)."""
    regions = _regions.get(id(session))
    if regions is None:
        regions = []
        for partition in session.get_available_partitions():
            regions.extend(await session.get_available_regions("s3", partition_name=partition))
        _regions[id(session)] = regions
    return regions


def _check_service(available: list[str], name: object, what: str) -> None:
    if name in available:
        return
    # Service names are short ("s3", "sqs"): one wrong character is already a 0.5 ratio.
    hint = did_you_mean(name, available, cutoff=0.5)
    if not hint and isinstance(name, str):
        close = [service for service in available if re.sub(r"\W", "", name) in service]
        hint = (" Did you mean " + " or ".join(map(repr, close[:3])) + "?") if close else ""
    raise ValueError(_UNKNOWN_SERVICE.format(what=what, name=name, hint=hint))


async def _enter(self_or_cls: Any, context: Any) -> Any:
    if isinstance(self_or_cls, type):
        return await cast(Any, self_or_cls).enterAsyncClassContext(context)
    return await self_or_cls.enterAsyncContext(context)


class AwsTestCase(MotoMixin, AsyncTestCase):
    """An ``AsyncTestCase`` with AWS on a moto server and a fresh account per test.

    Example::

        class UploadTests(AwsTestCase):
            async def test_upload(self):
                bucket = await self.create_bucket()
                await upload_invoice(bucket, "o1")   # the app's aiobotocore/aioboto3 code
                await self.assertS3ObjectExists(bucket, "invoices/o1.pdf")
    """
