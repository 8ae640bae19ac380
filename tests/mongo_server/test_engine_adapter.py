"""The engine adapter's upstream names: fails by name the day mongomock-ng moves one."""

import pathlib
import unittest

from asynctestkit.mongo.server import _engine


class EngineAdapterTests(unittest.TestCase):
    def test_every_private_name_the_adapter_uses_exists(self):
        for owner, name in _engine.UPSTREAM:
            with self.subTest(f"{type(owner).__name__}.{name}"):
                self.assertTrue(
                    hasattr(owner, name),
                    f"mongomock-ng no longer has {owner!r}.{name}: update "
                    "asynctestkit/mongo/server/_engine.py for this release",
                )

    def test_no_other_module_of_the_server_touches_the_engine_internals(self):
        package = pathlib.Path(_engine.__file__).parent
        private = ["mongomock_ng"] + [f".{n}" for _, n in _engine.UPSTREAM if n.startswith("_")]
        for path in sorted(package.glob("*.py")):
            if path.name == "_engine.py":
                continue
            source = path.read_text()
            with self.subTest(path.name):
                self.assertEqual([name for name in private if name in source], [])
