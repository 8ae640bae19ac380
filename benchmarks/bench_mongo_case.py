"""Per-test cost of MongoTestCase isolation, side by side in one run.

Three suites of N empty tests each, on the embedded server, Beanie with 5 models and 50
documents of class data:

- bare:     AsyncTestCase, no database (the floor);
- toolkit:  MongoTestCase with mongo_isolation = "test" (collections emptied and the class
            data restored before every test);
- seed:     the pattern users copy today: drop the database and init_beanie in every test,
            then insert the 50 documents again.

Prints the median per-test time of each, the isolation overhead (toolkit - bare, seed -
bare) and their ratio. Usage: python benchmarks/bench_mongo_case.py [--tests N] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import unittest

from beanie import Document, Indexed, init_beanie

from asynctestkit import AsyncTestCase, MongoTestCase


class Customer(Document):
    email: Indexed(str, unique=True)  # type: ignore[valid-type]
    name: str


class Product(Document):
    sku: Indexed(str, unique=True)  # type: ignore[valid-type]
    price: int


class Order(Document):
    number: Indexed(str)  # type: ignore[valid-type]
    customer: str
    total: int


class Invoice(Document):
    order: str
    amount: int


class Event(Document):
    batch: str
    status: str


MODELS = [Customer, Product, Order, Invoice, Event]


async def insert_class_data() -> None:
    await Customer.insert_many([Customer(email=f"c{i}@x.io", name=f"C{i}") for i in range(10)])
    await Product.insert_many([Product(sku=f"p{i}", price=i) for i in range(10)])
    await Order.insert_many([Order(number=f"o{i}", customer="c1", total=i) for i in range(10)])
    await Invoice.insert_many([Invoice(order=f"o{i}", amount=i) for i in range(10)])
    await Event.insert_many([Event(batch="b", status="OK") for _ in range(10)])


async def set_up_test_data(cls: type) -> None:
    await insert_class_data()


class Timing(unittest.TestResult):
    """Wall time of each test, set-up and tear-down included."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def startTest(self, test: unittest.TestCase) -> None:
        self._start = time.perf_counter()
        super().startTest(test)

    def stopTest(self, test: unittest.TestCase) -> None:
        super().stopTest(test)
        self.times.append(time.perf_counter() - self._start)


def make_suite(base: type, body: dict[str, object], tests: int) -> unittest.TestSuite:
    async def test(self: unittest.TestCase) -> None:
        pass  # every suite runs the same empty test: what differs is the isolation

    namespace = dict(body)
    for i in range(tests):
        namespace[f"test_{i:04d}"] = test
    cls = type(f"Bench{base.__name__}", (base,), namespace)
    return unittest.defaultTestLoader.loadTestsFromTestCase(cls)


def seed_suite(tests: int) -> unittest.TestSuite:
    class Seed(MongoTestCase):
        mongo_isolation = "class"

        async def asyncSetUp(self) -> None:
            # The seed pattern: flush the database and init_beanie in every test.
            await self.mongo_client.drop_database(self.db.name)
            await init_beanie(database=self.db, document_models=MODELS)
            await insert_class_data()

    return make_suite(Seed, {}, tests)


def run(suite: unittest.TestSuite) -> list[float]:
    result = Timing()
    suite.run(result)
    if not result.wasSuccessful():
        for _, trace in result.errors + result.failures:
            print(trace, file=sys.stderr)
        raise SystemExit("benchmark suite failed")
    return result.times[1:]  # the first test also pays for class set-up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="a few tests, for CI")
    args = parser.parse_args()
    tests = 10 if args.quick else args.tests

    class Bare(AsyncTestCase):
        pass

    async def bare_test(self: unittest.TestCase) -> None:
        pass

    bare_body = {f"test_{i:04d}": bare_test for i in range(tests)}
    bare = run(unittest.defaultTestLoader.loadTestsFromTestCase(type("B", (Bare,), bare_body)))
    toolkit_body = {
        "document_models": MODELS,
        "asyncSetUpTestData": classmethod(set_up_test_data),
    }
    toolkit = run(make_suite(MongoTestCase, toolkit_body, tests))
    seed = run(seed_suite(tests))

    med = {
        name: statistics.median(t) * 1000
        for name, t in (("bare", bare), ("toolkit", toolkit), ("seed", seed))
    }
    toolkit_overhead = med["toolkit"] - med["bare"]
    seed_overhead = med["seed"] - med["bare"]
    print(f"per-test median over {tests} tests (ms), Beanie 5 models, 50 class documents")
    for name in ("bare", "toolkit", "seed"):
        print(f"  {name:8} {med[name]:8.3f}")
    print(f"isolation overhead: toolkit {toolkit_overhead:.3f} ms, seed {seed_overhead:.3f} ms")
    print(f"ratio seed/toolkit overhead: {seed_overhead / max(toolkit_overhead, 1e-9):.1f}x")


if __name__ == "__main__":
    main()
