"""The fixtures users copy today: pytest-asyncio, a client and init_beanie per test, a
ThreadedMotoServer per xdist worker, an STS role per test, a fresh aioboto3 session and
client per fixture."""

from __future__ import annotations

import os
import secrets
import time

import aioboto3
import pytest
import pytest_asyncio
from beanie import init_beanie
from moto.server import ThreadedMotoServer
from pymongo import AsyncMongoClient
from workload_common import MODELS, REGION, insert_seed_data, record_test


@pytest.fixture(scope="session")
def moto_endpoint():
    # One server per xdist worker (each worker is its own session); port 0 never collides.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def database_name(worker_id):
    return f"bench_pytest_{worker_id}_{os.getpid()}"


@pytest_asyncio.fixture
async def db(database_name):
    # A client per test: pytest-asyncio runs every test on a new event loop, and an
    # AsyncMongoClient cannot be used from another loop.
    client = AsyncMongoClient(os.environ["MONGODB_URI"])
    await client.drop_database(database_name)
    database = client[database_name]
    await init_beanie(database=database, document_models=MODELS)
    await insert_seed_data()
    yield database
    await client.close()


@pytest_asyncio.fixture(autouse=True)
async def aws_credentials(moto_endpoint, monkeypatch):
    # Autouse, so no test can reach real AWS; a fresh account per test through a role
    # assumed in a new account id.
    account_id = f"{secrets.randbelow(10**12):012d}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    async with aioboto3.Session().client(
        "sts",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ) as sts:
        response = await sts.assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/test", RoleSessionName="test"
        )
    credentials = response["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["SessionToken"])
    return credentials


@pytest_asyncio.fixture
async def s3(aws_credentials, moto_endpoint):
    async with aioboto3.Session().client(
        "s3", endpoint_url=moto_endpoint, region_name=REGION
    ) as client:
        yield client


@pytest_asyncio.fixture
async def sqs(aws_credentials, moto_endpoint):
    async with aioboto3.Session().client(
        "sqs", endpoint_url=moto_endpoint, region_name=REGION
    ) as client:
        yield client


@pytest.fixture(scope="session")
def worker_id(request):
    # pytest-xdist's fixture of the same name, also when xdist is not in use.
    config = request.config
    return getattr(config, "workerinput", {}).get("workerid", "master")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    # Where the test runs (an xdist worker, not the controller): set-up, call, tear-down.
    start = time.perf_counter()
    yield
    record_test(item.nodeid, time.perf_counter() - start)
