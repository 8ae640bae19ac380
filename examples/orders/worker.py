"""The worker: takes jobs off the SQS queue and runs them, logging each step."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from types import TracebackType
from typing import Any

from examples.orders import aws
from examples.orders.eventlog import record
from examples.orders.service import checkout
from examples.orders.settings import Settings

log = logging.getLogger(__name__)


class Worker:
    """``async with Worker(settings):`` consumes the jobs queue until the block ends."""

    def __init__(self, settings: Settings, poll_interval: float = 1.0) -> None:
        self.settings = settings
        self.poll_interval = poll_interval
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Worker:
        self._task = asyncio.create_task(self.run(), name="orders-worker")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        async with aws.client("sqs") as sqs:
            while True:
                response = await sqs.receive_message(
                    QueueUrl=self.settings.jobs_queue_url, MaxNumberOfMessages=10
                )
                messages = response.get("Messages", [])
                for message in messages:
                    await self.handle(json.loads(message["Body"]))
                    await sqs.delete_message(
                        QueueUrl=self.settings.jobs_queue_url,
                        ReceiptHandle=message["ReceiptHandle"],
                    )
                if not messages:
                    await asyncio.sleep(self.poll_interval)

    async def handle(self, job: dict[str, Any]) -> None:
        if job.get("type") != "checkout_batch":
            log.warning("dropping a job of unknown type %r", job.get("type"))
            return
        for number in job["orders"]:
            # One order's failure is logged and does not stop the batch.
            with contextlib.suppress(Exception):
                async with record(job["batch_id"], "checkout", number):
                    await checkout(number, self.settings)
