"""The generated stress suite: MongoAwsTestCase classes that check they see only their own data.

Not collected on its own (the name does not start with ``test``): ``test_stress.py`` runs it
as subprocesses under unittest-parallel, pytest-xdist and a shuffled order, and reads the
figures each test appends to ``$STRESS_REPORT``.

Every test writes random Mongo documents, S3 objects and SQS messages tagged with its own
token, through both the toolkit's clients and app-style clients built from the environment,
reads everything back and counts what it sees that is not its own ("foreign", cross-talk).
Settings: ``STRESS_CLASSES`` (20), ``STRESS_TESTS`` (10 per class), ``STRESS_SEED``.
"""

import json
import os
import random
import uuid

from aiobotocore.session import get_session
from beanie import Document

from asynctestkit import MongoAwsTestCase

CLASSES = int(os.environ.get("STRESS_CLASSES", "20"))
TESTS_PER_CLASS = int(os.environ.get("STRESS_TESTS", "10"))
SEED = os.environ.get("STRESS_SEED", "0")
REPORT = os.environ.get("STRESS_REPORT")


class StressNote(Document):
    owner: str
    n: int

    class Settings:
        name = "notes"


def _record(**fields):
    if not REPORT:
        return
    line = (json.dumps(fields, sort_keys=True) + "\n").encode()
    # One write with O_APPEND: lines from parallel workers never interleave (< PIPE_BUF).
    fd = os.open(REPORT, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


class _StressCase(MongoAwsTestCase):
    """What every generated class does; the generated classes add the test methods."""

    #: Short, S3-safe tag of the class ("c07"): every bucket the class makes starts with it.
    short = "base"
    uses_beanie = False

    @classmethod
    async def asyncSetUpTestData(cls):
        cls.class_token = f"{cls.__name__}-class-{uuid.uuid4().hex[:8]}"
        await cls.db.items.insert_many([{"owner": cls.class_token, "n": n} for n in range(2)])

    def _allowed(self, owner, token):
        if self.mongo_isolation == "test":
            return owner in (token, self.class_token)
        # Data lives on between the tests of a class-isolated class: anything of this class.
        return owner.startswith(f"{type(self).__name__}-")

    async def _exercise(self, number):
        rng = random.Random(f"{SEED}:{type(self).__name__}:{number}")
        token = f"{type(self).__name__}-{number}-{uuid.uuid4().hex[:8]}"
        foreign = []
        try:
            await self._mongo(rng, token, foreign)
            await self._s3(rng, token, number, foreign)
            await self._sqs(rng, token, number, foreign)
        finally:
            _record(test=self.id(), pid=os.getpid(), foreign=len(foreign))
        self.assertEqual(foreign, [], f"{self.id()} saw data that is not its own")

    async def _mongo(self, rng, token, foreign):
        mine = [{"owner": token, "n": n, "v": rng.random()} for n in range(rng.randint(1, 3))]
        await self.db.items.insert_many([dict(doc) for doc in mine])
        if rng.random() < 0.5:
            mine[0]["v"] = -1.0
            await self.db.items.update_one({"owner": token, "n": 0}, {"$set": {"v": -1.0}})
        docs = await self.db.items.find({}, {"_id": 0}).to_list(None)
        foreign += [doc for doc in docs if not self._allowed(doc["owner"], token)]
        own = sorted((d for d in docs if d["owner"] == token), key=lambda d: d["n"])
        self.assertEqual(own, mine)
        if self.mongo_isolation == "test":
            class_docs = [d for d in docs if d["owner"] == self.class_token]
            self.assertEqual(len(class_docs), 2, docs)
        if self.uses_beanie:
            await StressNote(owner=token, n=len(mine)).insert()
            notes = await StressNote.find_all().to_list()
            foreign += [note.owner for note in notes if not self._allowed(note.owner, token)]
            self.assertIn(token, [note.owner for note in notes])

    async def _s3(self, rng, token, number, foreign):
        s3 = await self.aws_client("s3")
        bucket = f"{self.short}-{number:02d}-{uuid.uuid4().hex[:10]}"
        await s3.create_bucket(Bucket=bucket)
        objects = {
            f"{token}/{k}": rng.randbytes(rng.randint(1, 64)) for k in range(rng.randint(1, 3))
        }
        # The code under test builds its own client from the environment, as apps do.
        async with get_session().create_client("s3") as app:
            for key, body in objects.items():
                await app.put_object(Bucket=bucket, Key=key, Body=body)
            names = [b["Name"] for b in (await app.list_buckets())["Buckets"]]
        foreign += [name for name in names if not name.startswith(f"{self.short}-")]
        if self.aws_isolation == "test":
            self.assertEqual(names, [bucket])
        listing = await s3.list_objects_v2(Bucket=bucket)
        keys = [item["Key"] for item in listing.get("Contents", [])]
        foreign += [key for key in keys if key not in objects]
        self.assertEqual(sorted(keys), sorted(objects))
        key = rng.choice(sorted(objects))
        response = await s3.get_object(Bucket=bucket, Key=key)
        async with response["Body"] as stream:
            self.assertEqual(await stream.read(), objects[key])

    async def _sqs(self, rng, token, number, foreign):
        # The same queue name in every test of a test-isolated class: accounts keep them apart.
        name = "stress" if self.aws_isolation == "test" else f"stress-{number}"
        url = await self.create_queue(name)
        bodies = [f"{token}:{k}" for k in range(rng.randint(1, 3))]
        async with get_session().create_client("sqs") as app:
            await app.send_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(k), "MessageBody": body} for k, body in enumerate(bodies)],
            )
            urls = (await app.list_queues()).get("QueueUrls", [])
        if self.aws_isolation == "test":
            foreign += [other for other in urls if other != url]
        messages = await self.receive_sqs_messages(url, count=len(bodies))
        got = [message["Body"] for message in messages]
        foreign += [body for body in got if not body.startswith(f"{token}:")]
        self.assertEqual(sorted(got), bodies)


def _test(number):
    async def test(self):
        await self._exercise(number)

    test.__name__ = test.__qualname__ = f"test_{number:02d}"
    return test


def _generate():
    for index in range(CLASSES):
        name = f"Stress{index:02d}Tests"
        attrs = {f"test_{n:02d}": _test(n) for n in range(TESTS_PER_CLASS)}
        attrs.update(__module__=__name__, __qualname__=name, short=f"c{index:02d}")
        # A mix of what users pick: class-level isolation, motor, Beanie.
        if index % 4 == 3:
            attrs.update(mongo_isolation="class", aws_isolation="class")
        if index % 6 == 5:
            attrs["mongo_driver"] = "motor"
        elif index % 5 == 1:
            attrs.update(document_models=[StressNote], uses_beanie=True)
        globals()[name] = type(name, (_StressCase,), attrs)


_generate()
