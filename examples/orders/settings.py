"""Where the service keeps things; read from the environment in production."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    invoice_bucket: str
    jobs_queue_url: str
    events_topic_arn: str

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            invoice_bucket=os.environ["ORDERS_INVOICE_BUCKET"],
            jobs_queue_url=os.environ["ORDERS_JOBS_QUEUE_URL"],
            events_topic_arn=os.environ["ORDERS_EVENTS_TOPIC_ARN"],
        )
