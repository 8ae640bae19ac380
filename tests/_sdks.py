"""The AWS SDKs app code may use, for tests that run the same app code on each.

aiobotocore and boto3 are always installed with the ``aws`` extra; aioboto3 only with
the ``aioboto3`` extra (tox env ``aws-aioboto3``). Tests of aioboto3 itself are marked
``needs_aioboto3``; tests that run app code on "every SDK" include aioboto3 where it is
installed, so each tox env proves the SDKs it has. Imports no SDK itself (tests/test_docs.py
loads it).
"""

import asyncio
import contextlib
import importlib.util
import sys
import unittest

HAS_AIOBOTO3 = importlib.util.find_spec("aioboto3") is not None

needs_aioboto3 = unittest.skipUnless(
    HAS_AIOBOTO3, "aioboto3 is not installed here; tox env aws-aioboto3 runs this"
)


async def _call_aiobotocore(service, operation, **params):
    from aiobotocore.session import get_session

    async with get_session().create_client(service) as client:
        return await getattr(client, operation)(**params)


async def _call_aioboto3(service, operation, **params):
    import aioboto3

    async with aioboto3.Session().client(service) as client:
        return await getattr(client, operation)(**params)


async def _call_boto3(service, operation, **params):
    import boto3

    def call():
        with contextlib.closing(boto3.client(service)) as client:
            return getattr(client, operation)(**params)

    return await asyncio.to_thread(call)


#: name -> coroutine function(service, operation, **params): one call the way app code
#: on that SDK makes it, with a client built from the environment (no endpoint_url).
APP_SDKS = {"aiobotocore": _call_aiobotocore, "boto3 in a thread": _call_boto3}
if HAS_AIOBOTO3:
    APP_SDKS["aioboto3"] = _call_aioboto3


@contextlib.contextmanager
def without_aioboto3():
    """``import aioboto3`` fails in the block, as where it is not installed.

    Only that one entry of sys.modules changes (mock.patch.dict would also drop every
    module first imported in the block, such as moto's backends, and split them in two).
    """
    saved = sys.modules.get("aioboto3")
    sys.modules["aioboto3"] = None
    try:
        yield
    finally:
        if saved is None:
            del sys.modules["aioboto3"]
        else:
            sys.modules["aioboto3"] = saved
