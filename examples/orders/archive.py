"""Archiving invoices: compression in worker processes, each with a plain boto3 client.

The workers get their endpoint and credentials from the environment, like the rest of the
service. ``forkserver`` is Python 3.14's default start method on Linux, named here so the
example does the same on every version.
"""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from examples.orders.settings import Settings

ARCHIVE_PREFIX = "archive/"


def _archive_one(bucket: str, key: str) -> str:
    import boto3  # in the worker process

    s3 = boto3.client("s3")
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    archived = f"{ARCHIVE_PREFIX}{key}.gz"
    s3.put_object(Bucket=bucket, Key=archived, Body=gzip.compress(body))
    return archived


async def archive_invoices(settings: Settings, keys: list[str]) -> list[str]:
    """Write a gzip copy of each invoice under ``archive/``; return the new keys in order."""
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        jobs = [
            loop.run_in_executor(pool, _archive_one, settings.invoice_bucket, key) for key in keys
        ]
        return list(await asyncio.gather(*jobs))
