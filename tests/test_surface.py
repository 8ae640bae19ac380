"""Every public module's surface: pinned, shown under its public name, documented.

As httpx's test_exported_members and anyio's test_all_attributes: ``__all__`` equals what
docs/api.md lists, a public module defines nothing public outside ``__all__``, and names
that lost their public spelling still import, with a warning naming the replacement.
"""

import ast
import importlib
import inspect
import pickle
import pkgutil
import re
import unittest
from pathlib import Path

import asynctestkit
from tests.fakes.test_package import DOCUMENTED as FAKES
from tests.test_package import PUBLIC

# Public module -> the names its __all__ exports, sorted.
SURFACE = {
    "asynctestkit": PUBLIC,
    "asynctestkit.case": ["AsyncTestCase", "EventLoopMixin", "LeftoverWarning"],
    "asynctestkit.aws.case": ["AwsTestCase", "MotoMixin"],
    "asynctestkit.mongo.case": ["MongoMixin", "MongoTestCase"],
    "asynctestkit.mongo_aws": ["MongoAwsTestCase"],
    "asynctestkit.aws": ["AwsTestCase", "MotoMixin", "MotoServer", "RealAwsRequestError"],
    "asynctestkit.fakes": FAKES,
    "asynctestkit.mongo": [
        "EmbeddedMongoServer",
        "MongoMixin",
        "MongoTestCase",
        "acquire_shared_server",
        "release_shared_server",
        "shared_server",
        "shared_server_uri",
    ],
    # The embedded server's internals, one private module per concern.
    "asynctestkit.mongo.server": [],
}

API_PAGE = Path(__file__).resolve().parent.parent / "docs" / "api.md"
MODULE_ROW = re.compile(r"^\| `(asynctestkit[\w.]*)` \| (.*) \|$", re.MULTILINE)
DIRECTIVE = re.compile(r"^\.\. auto(?:class|exception|function):: (\S+)$", re.MULTILINE)

# Classes whose every public member (attribute, method, property) docs/api.md lists.
DOCUMENTED_MEMBERS = [
    "asynctestkit.AsyncTestCase",
    "asynctestkit.EventLoopMixin",
    "asynctestkit.MongoMixin",
    "asynctestkit.MotoMixin",
    "asynctestkit.aws.MotoServer",
    "asynctestkit.mongo.EmbeddedMongoServer",
]

# Public module -> the names that gained a leading underscore and still import, deprecated.
RENAMED = {
    "asynctestkit.case": [
        "BAD_SETTING",
        "INTERRUPTED",
        "LEFT_OPEN",
        "MIXIN_ORDER",
        "NEEDS_CLASS_SET_UP",
        "NOT_MET",
        "NO_CLASS_LOOP",
        "NO_CLOCK",
        "PENDING_TASKS",
    ],
    "asynctestkit.aws.case": [
        "BAD_ENDPOINT",
        "BAD_ISOLATION",
        "BAD_REGION",
        "ENDPOINT_ENV",
        "ISOLATION_LEVELS",
        "MISSING_OBJECT",
        "NOT_SET_UP",
        "REAL_AWS_IN_TEST",
        "TOO_FEW_MESSAGES",
        "UNKNOWN_SERVICE",
    ],
    "asynctestkit.mongo.case": [
        "AUTH_FAILED",
        "BAD_CHOICE",
        "BAD_MODEL",
        "BAD_PREFIX",
        "BAD_URI",
        "DRIVERS",
        "ISOLATION_LEVELS",
        "KEEP_ENV",
        "KEPT",
        "MOTOR_WITH_BEANIE",
        "NOT_OURS",
        "SERVER_SELECTION_TIMEOUT_S",
        "UNREACHABLE",
        "URI_ENV",
        "database_name",
    ],
}


def defined_names(module):
    """The names a module's own top-level statements define (not those it imports)."""
    tree = ast.parse(inspect.getsource(module))
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        yield name.id


def public_modules():
    """Every module of the package that no ``_`` in its dotted name makes private."""
    yield asynctestkit.__name__
    for info in pkgutil.walk_packages(asynctestkit.__path__, "asynctestkit."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            yield info.name


class ExportedNamesTests(unittest.TestCase):
    def test_every_public_module_is_pinned(self):
        self.assertEqual(sorted(public_modules()), sorted(SURFACE))

    def test_all_is_pinned_and_sorted(self):
        for name, exported in SURFACE.items():
            with self.subTest(module=name):
                module = importlib.import_module(name)
                self.assertEqual(module.__all__, exported)
                self.assertEqual(exported, sorted(exported))

    def test_a_public_module_defines_nothing_public_outside_all(self):
        for name, exported in SURFACE.items():
            with self.subTest(module=name):
                module = importlib.import_module(name)
                public = {n for n in defined_names(module) if not n.startswith("_")}
                self.assertLessEqual(public, set(exported))

    def test_exported_objects_show_the_public_module(self):
        for name, exported in SURFACE.items():
            module = importlib.import_module(name)
            for attribute in exported:
                with self.subTest(name=f"{name}.{attribute}"):
                    value = getattr(module, attribute)
                    shown = value.__module__
                    self.assertFalse(any(p.startswith("_") for p in shown.split(".")), shown)
                    self.assertIs(getattr(importlib.import_module(shown), attribute), value)
                    self.assertIs(pickle.loads(pickle.dumps(value)), value)


class ApiPageTests(unittest.TestCase):
    def test_the_module_table_lists_what_each_public_module_exports(self):
        rows = MODULE_ROW.findall(API_PAGE.read_text())
        listed = {module: re.findall(r"`(\w+)`", exports) for module, exports in rows}
        self.assertEqual(listed, SURFACE)
        self.assertEqual(len(rows), len(listed))

    def test_every_exported_object_is_documented(self):
        documented = set()
        for dotted in DIRECTIVE.findall(API_PAGE.read_text()):
            module, _, name = dotted.rpartition(".")
            documented.add(id(getattr(importlib.import_module(module), name)))
        for name, exported in SURFACE.items():
            module = importlib.import_module(name)
            for attribute in exported:
                with self.subTest(name=f"{name}.{attribute}"):
                    self.assertIn(id(getattr(module, attribute)), documented)

    def test_the_classes_public_members_are_documented(self):
        page = API_PAGE.read_text()
        # unittest's own hooks, which the classes extend, are documented by unittest.
        inherited = {"setUpClass", "tearDownClass", "run", "debug"}
        for dotted in DOCUMENTED_MEMBERS:
            module, _, name = dotted.rpartition(".")
            cls = getattr(importlib.import_module(module), name)
            start = page.index(f".. autoclass:: {dotted}\n")
            end = page.find("\n.. ", start + 1)
            block = page[start : end if end != -1 else None].split("```")[0]
            for member in sorted(set(vars(cls)) - inherited):
                if not member.startswith("_"):
                    with self.subTest(member=f"{dotted}.{member}"):
                        self.assertRegex(block, rf"\b{member}\b")


class RenamedNamesTests(unittest.TestCase):
    def test_old_names_warn_and_give_the_private_value(self):
        for name, old_names in RENAMED.items():
            module = importlib.import_module(name)
            for old in old_names:
                with self.subTest(name=f"{name}.{old}"):
                    with self.assertWarns(DeprecationWarning) as caught:
                        value = getattr(module, old)
                    self.assertIs(value, getattr(module, f"_{old}"))
                    self.assertTrue(
                        str(caught.warning).startswith(
                            f"{name}.{old} is deprecated and will be removed: "
                        ),
                        caught.warning,
                    )
                    self.assertEqual(caught.filename, __file__)

    def test_a_template_s_warning_names_where_the_messages_are(self):
        import asynctestkit.case

        with self.assertWarns(DeprecationWarning) as caught:
            asynctestkit.case.PENDING_TASKS  # noqa: B018
        self.assertEqual(
            str(caught.warning),
            "asynctestkit.case.PENDING_TASKS is deprecated and will be removed: message "
            "templates are private now; every message is in docs/troubleshooting.md.",
        )

    def test_a_constant_s_warning_gives_its_value(self):
        import asynctestkit.aws.case

        with self.assertWarns(DeprecationWarning) as caught:
            asynctestkit.aws.case.ENDPOINT_ENV  # noqa: B018
        self.assertEqual(
            str(caught.warning),
            "asynctestkit.aws.case.ENDPOINT_ENV is deprecated and will be removed: use its "
            "value, 'ASYNCTESTKIT_AWS_ENDPOINT'.",
        )

    def test_database_name_s_warning_names_the_class_attribute(self):
        import asynctestkit.mongo.case

        with self.assertWarns(DeprecationWarning) as caught:
            asynctestkit.mongo.case.database_name  # noqa: B018
        self.assertEqual(
            str(caught.warning),
            "asynctestkit.mongo.case.database_name is deprecated and will be removed: a "
            "class's database is cls.db (its name: cls.db.name).",
        )

    def test_an_unknown_name_is_still_an_attribute_error(self):
        for name in RENAMED:
            module = importlib.import_module(name)
            with self.subTest(module=name):
                with self.assertRaisesRegex(
                    AttributeError, f"^module '{name}' has no attribute 'NOPE'$"
                ):
                    module.NOPE  # noqa: B018
