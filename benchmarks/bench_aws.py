"""AWS benchmark: AwsTestCase's moto server against a plain ThreadedMotoServer, side by side.

Prints medians (ms) and ratios for:

- S3 put_object / get_object and SQS send_message / receive_message, each through
  ``self.aws_client`` (AwsTestCase's server) and through an aiobotocore client on a plain
  ``moto.server.ThreadedMotoServer`` in the same test, on the same event loop;
- the cost per test of per-test account isolation (``aws_isolation = "test"`` against
  ``"class"``, each test making one S3 call);
- opening a fresh ``get_session().create_client(...)`` (aiobotocore) and, where aioboto3
  is installed, ``aioboto3.Session().client(...)`` inside a test, with the toolkit's
  botocore data cache and without it.

Usage: python benchmarks/bench_aws.py [--quick] [--calls N]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import statistics
import sys
import time
import unittest
from collections.abc import Awaitable, Callable
from typing import Any

from asynctestkit.aws import _botocore_cache
from asynctestkit.aws.case import AwsTestCase

RESULTS: dict[str, Any] = {}


def _ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def _time(
    calls: int,
    op: Callable[[int], Awaitable[Any]],
    cpu: list[float] | None = None,
    before: Callable[[int], Awaitable[Any]] | None = None,
) -> list[float]:
    """Wall time per call; ``cpu`` collects this thread's CPU time (the client's share)."""
    samples = []
    for index in range(calls):
        if before is not None:
            await before(index)
        start, start_cpu = time.perf_counter(), time.thread_time()
        await op(index)
        samples.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.thread_time() - start_cpu)
    return samples


class _Calls(AwsTestCase):
    calls = 200

    async def test_calls(self) -> None:
        # The class loop runs in asyncio debug mode for tests; measure the servers, not it.
        asyncio.get_running_loop().set_debug(False)
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # its per-request log
        plain = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        plain.start()
        self.addCleanup(plain.stop)
        host, port = plain.get_host_and_port()
        session = self._asynctestkitAws.session
        plain_kwargs = {"endpoint_url": f"http://{host}:{port}", "region_name": "us-east-1"}
        plain_kwargs.update(self._asynctestkitAwsAccount.client_kwargs())
        clients = {
            "toolkit": {
                "s3": await self.aws_client("s3"),
                "sqs": await self.aws_client("sqs"),
            },
            "plain": {
                "s3": await self.enterAsyncContext(session.create_client("s3", **plain_kwargs)),
                "sqs": await self.enterAsyncContext(session.create_client("sqs", **plain_kwargs)),
            },
        }
        sides = {}
        for side, pair in clients.items():
            await pair["s3"].create_bucket(Bucket=f"bench-{side}")
            queue = (await pair["sqs"].create_queue(QueueName=f"bench-{side}"))["QueueUrl"]
            sides[side] = _Side(pair["s3"], pair["sqs"], f"bench-{side}", queue)
        # Alternate sides per operation so machine noise hits both alike.
        for name, (method, before) in OPERATIONS.items():
            for side, target in sides.items():
                op = getattr(target, method)
                await op(0)  # warm-up
                await target.fresh_queue()
                prepare = getattr(target, before) if before else None
                cpu: list[float] = []
                wall = await _time(self.calls, op, cpu, prepare)
                RESULTS[(name, side)] = (_ms(wall), _ms(cpu))


BODY = b"x" * 1024


class _Side:
    """The timed operations, against one server."""

    def __init__(self, s3: Any, sqs: Any, bucket: str, queue: str) -> None:
        self.s3, self.sqs, self.bucket, self.queue = s3, sqs, bucket, queue
        self.pending: list[str] = []
        self.queues = 0

    async def put(self, i: int) -> None:
        await self.s3.put_object(Bucket=self.bucket, Key=f"k{i}", Body=BODY)

    async def get(self, i: int) -> None:
        response = await self.s3.get_object(Bucket=self.bucket, Key=f"k{i}")
        await response["Body"].read()

    async def send(self, i: int) -> None:
        await self.sqs.send_message(QueueUrl=self.queue, MessageBody=f"m{i}")

    async def fresh_queue(self) -> None:
        self.pending.clear()
        self.queues += 1
        name = f"{self.bucket}-{self.queues}"
        self.queue = (await self.sqs.create_queue(QueueName=name))["QueueUrl"]

    async def keep_short(self, i: int) -> None:
        # Untimed: moto's send gets slower as a queue grows, on both servers alike.
        if i % 20 == 0:
            await self.fresh_queue()

    async def one_waiting(self, i: int) -> None:
        # One message waiting per call, the last one deleted, untimed: moto's receive scans
        # the whole queue, which would otherwise grow with every call.
        while self.pending:
            handle = self.pending.pop()
            await self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=handle)
        await self.send(i)

    async def receive(self, i: int) -> None:
        response = await self.sqs.receive_message(QueueUrl=self.queue)
        assert response.get("Messages"), "queue ran dry"
        self.pending.append(response["Messages"][0]["ReceiptHandle"])


#: name -> (timed _Side method, untimed _Side method run before each call)
OPERATIONS = {
    "s3 put_object": ("put", None),
    "s3 get_object": ("get", None),
    "sqs send_message": ("send", "keep_short"),
    "sqs receive_message": ("receive", "one_waiting"),
}


class _Isolation(AwsTestCase):
    """Each test: one S3 call on a client opened in the test; timed from set-up to cleanup."""

    @classmethod
    async def asyncSetUpClass(cls) -> None:
        asyncio.get_running_loop().set_debug(False)

    async def _asynctestkitSetUp(self) -> None:
        start = time.perf_counter()
        await super()._asynctestkitSetUp()
        # Registered first, so it runs after the account is dropped and the client closed.
        self.addCleanup(self._record, start)

    def _record(self, start: float) -> None:
        RESULTS.setdefault(("isolation", self.aws_isolation), []).append(
            time.perf_counter() - start
        )

    async def _test(self) -> None:
        s3 = await self.aws_client("s3")
        await s3.list_buckets()


def _isolation_class(level: str, tests: int) -> type[unittest.TestCase]:
    namespace: dict[str, Any] = {f"test_{index:04d}": _Isolation._test for index in range(tests)}
    namespace["aws_isolation"] = level
    return type(f"Isolation_{level}", (_Isolation,), namespace)


class _FreshSession(AwsTestCase):
    samples = 50

    async def test_fresh_sessions(self) -> None:
        asyncio.get_running_loop().set_debug(False)
        for sdk, new_client in _fresh_clients().items():

            async def open_client(service: str, new_client: Any = new_client) -> None:
                async with new_client(service):
                    pass

            async def first_call(service: str, new_client: Any = new_client) -> None:
                async with new_client(service) as client:
                    if service == "s3":
                        await client.list_buckets()
                    else:
                        await client.list_queues()

            for kind, run in (("open", open_client), ("first call", first_call)):
                for service in ("s3", "sqs"):
                    op = functools.partial(_ignore_index, run, service)
                    await op(0)  # the first load, paid once per process
                    with_cache = await _time(self.samples, op)
                    _botocore_cache.uninstall()
                    try:
                        without = await _time(max(5, self.samples // 5), op)
                    finally:
                        _botocore_cache.install()
                    RESULTS[("fresh", sdk, kind, service)] = (_ms(with_cache), _ms(without))


def _fresh_clients() -> dict[str, Callable[[str], Any]]:
    """How app code opens a client on each installed SDK: a new session every time."""
    from aiobotocore.session import get_session

    clients: dict[str, Callable[[str], Any]] = {
        "aiobotocore": lambda service: get_session().create_client(service)
    }
    try:
        import aioboto3
    except ImportError:
        return clients
    clients["aioboto3"] = lambda service: aioboto3.Session().client(service)
    return clients


async def _ignore_index(run: Callable[[str], Awaitable[None]], service: str, _: int) -> None:
    await run(service)


def _run(*classes: type[unittest.TestCase]) -> None:
    suite = unittest.TestSuite(
        unittest.defaultTestLoader.loadTestsFromTestCase(case) for case in classes
    )
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=0).run(suite)
    if not result.wasSuccessful():
        raise SystemExit("benchmark tests failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="few calls, for CI")
    parser.add_argument("--calls", type=int, default=None, help="calls per operation (200)")
    args = parser.parse_args()
    calls = args.calls or (20 if args.quick else 200)
    tests = 10 if args.quick else 200
    _Calls.calls = calls
    _FreshSession.samples = 5 if args.quick else 50
    _run(_Calls, _isolation_class("class", tests), _isolation_class("test", tests), _FreshSession)

    print(f"AWS calls, median of {calls} each (ms); 'server' = wall minus the client's CPU")
    print(
        f"  {'operation':<21}{'AwsTestCase':>12}{'plain moto':>11}{'ratio':>7}"
        f"{'client CPU':>12}{'server ours':>13}{'plain':>7}{'ratio':>7}"
    )
    for name in ("s3 put_object", "s3 get_object", "sqs send_message", "sqs receive_message"):
        (ours, ours_cpu), (plain, plain_cpu) = RESULTS[(name, "toolkit")], RESULTS[(name, "plain")]
        client = (ours_cpu + plain_cpu) / 2
        ours_server, plain_server = ours - ours_cpu, plain - plain_cpu
        print(
            f"  {name:<21}{ours:>12.2f}{plain:>11.2f}{plain / ours:>6.2f}x{client:>12.2f}"
            f"{ours_server:>13.2f}{plain_server:>7.2f}{plain_server / ours_server:>6.2f}x"
        )
    per_test = _ms(RESULTS[("isolation", "test")])
    per_class = _ms(RESULTS[("isolation", "class")])
    print(f"Per-test overhead, median of {tests} tests, each opening a client for one S3 call (ms)")
    print(f"  aws_isolation='class' {per_class:.2f}, 'test' {per_test:.2f}")
    print(f"  cost of a fresh account per test: {per_test - per_class:.2f}")
    import aiobotocore

    print(f"A fresh client per call in a test (ms, median; aiobotocore {aiobotocore.__version__})")
    for sdk in _fresh_clients():
        for kind in ("open", "first call"):
            for service in ("s3", "sqs"):
                cached, uncached = RESULTS[("fresh", sdk, kind, service)]
                label = f"{sdk} {kind} {service}"
                print(
                    f"  {label:<27} with the toolkit's cache {cached:6.2f}, "
                    f"without {uncached:6.2f} ({uncached / cached:.1f}x)"
                )


if __name__ == "__main__":
    main()
