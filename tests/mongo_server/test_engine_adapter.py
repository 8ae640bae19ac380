"""Only the engine adapter touches mongomock-ng's internals (tests/test_compat.py checks
that the names it uses still exist)."""

import pathlib
import unittest

from asynctestkit.mongo.server import _engine


class EngineAdapterTests(unittest.TestCase):
    def test_no_other_module_of_the_server_touches_the_engine_internals(self):
        package = pathlib.Path(_engine.__file__).parent
        attributes = [path.rsplit(".", 1)[-1] for _, path in _engine.PRIVATE_NAMES]
        attributes += [name for _, _, name in _engine.PRIVATE_INSTANCE_NAMES]
        private = ["mongomock_ng", *(f".{name}" for name in attributes if name.startswith("_"))]
        for path in sorted(package.glob("*.py")):
            if path.name == "_engine.py":
                continue
            source = path.read_text()
            with self.subTest(path.name):
                self.assertEqual([name for name in private if name in source], [])
