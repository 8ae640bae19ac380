"""Every private name of a dependency the toolkit relies on still exists: one test per name.

A dependency release that renames or moves one fails here, by name, instead of leaking or
misrouting silently (a skipped moto cache_clear once brought the soak leak back without a
sound). The names come from the adapter modules, so adding a use there adds its test here:

- moto: ``asynctestkit/aws/_moto_compat.py``
- botocore and aiobotocore: ``asynctestkit/_botocore_compat.py``
- CPython (unittest's ``_call*`` hooks in ``asynctestkit/case.py``; asyncio's loop
  internals in ``asynctestkit/_loop.py``; ``AsyncMock`` in ``asynctestkit/fakes/_mock.py``;
  multiprocessing's preparation data in ``asynctestkit/_multiprocessing_compat.py``):
  listed below
- mongomock-ng: ``asynctestkit/mongo/server/_engine.py``
"""

import asyncio
import importlib
import re
import unittest
import unittest.mock

from asynctestkit import _botocore_compat
from asynctestkit.aws import _moto_compat
from asynctestkit.mongo.server import _engine


def resolve(module, path):
    """``module.path`` (dotted), or AttributeError naming the first missing part."""
    target = importlib.import_module(module)
    for part in path.split("."):
        target = getattr(target, part)
    return target


def add_tests(cls, names, check):
    """One test method on ``cls`` per name; ``check(name)`` raises if it moved."""
    for name in names:
        label = re.sub(r"\W+", "_", ".".join(name)).strip("_")

        def test(self, name=name):
            check(self, name)

        test.__name__ = test.__qualname__ = f"test_{label}"
        test.__doc__ = f"{'.'.join(name)} exists"
        setattr(cls, test.__name__, test)
    return cls


def check_attribute(self, name):
    module, path = name
    try:
        resolve(module, path)
    except AttributeError as error:
        self.fail(f"{module}.{path} is gone ({error}): update the adapter that uses it")


def instance_of(module, class_name):
    cls = resolve(module, class_name)
    makers = {
        "EventAliaser": lambda: cls(resolve("botocore.hooks", "HierarchicalEmitter")()),
        "Loader": lambda: cls(),
        "Stubber": lambda: cls(_sync_client()),
        "AIOHTTPSession": lambda: cls(),
        "DomainDispatcherApplication": lambda: cls(
            resolve("moto.moto_server.werkzeug_app", "create_backend_app")
        ),
    }
    return makers[class_name]()


def _sync_client():
    import botocore.session

    return botocore.session.get_session().create_client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="fake",
        aws_secret_access_key="fake",
    )


def check_instance_attribute(self, name):
    module, class_name, attribute = name
    instance = instance_of(module, class_name)
    self.assertIn(
        attribute,
        vars(instance),
        f"{module}.{class_name}() no longer sets {attribute}: update the adapter that uses it",
    )


class MotoNames(unittest.TestCase):
    """moto (asynctestkit/aws/_moto_compat.py names the upstream files; written for 5.2)."""

    def test_tracked_model_classes_keep_instances_tracked(self):
        module, class_name = _moto_compat.TRACKED_MODEL
        tracked = vars(resolve(module, class_name)).get("instances_tracked")
        # moto's list, or ours once an account was freed in this process.
        self.assertIsInstance(tracked, (list, _moto_compat._WeakInstances))


add_tests(MotoNames, _moto_compat.PRIVATE_NAMES, check_attribute)
add_tests(MotoNames, _moto_compat.PRIVATE_INSTANCE_NAMES, check_instance_attribute)


class BotocoreNames(unittest.TestCase):
    """botocore and aiobotocore (asynctestkit/_botocore_compat.py; botocore 1.40 and 1.43,
    aiobotocore 2.25 and 3.10)."""

    def test_aiobotocore_ssl_layout_is_known(self):
        layout = _botocore_compat.aiobotocore_layout()
        httpsession = importlib.import_module("aiobotocore.httpsession")
        session = httpsession.AIOHTTPSession()
        for name in _botocore_compat.AIOBOTOCORE_LAYOUTS[layout]:
            with self.subTest(layout=layout, name=name):
                self.assertTrue(
                    hasattr(httpsession.AIOHTTPSession, name) or name in vars(session),
                    f"aiobotocore {layout} layout lost AIOHTTPSession.{name}",
                )


add_tests(BotocoreNames, _botocore_compat.PRIVATE_NAMES, check_attribute)
add_tests(BotocoreNames, _botocore_compat.PRIVATE_INSTANCE_NAMES, check_instance_attribute)


#: CPython's private names: (module, attribute path) and where the toolkit uses them.
CPYTHON_NAMES = (
    # asynctestkit/case.py overrides these hooks, which unittest.TestCase.run calls; if one
    # were renamed, the override would silently stop running on the class loop.
    ("unittest", "TestCase._callSetUp"),
    ("unittest", "TestCase._callTestMethod"),
    ("unittest", "TestCase._callTearDown"),
    ("unittest", "TestCase._callCleanup"),
    ("unittest", "IsolatedAsyncioTestCase._callAsync"),
    ("unittest", "IsolatedAsyncioTestCase._callMaybeAsync"),
    ("unittest", "TestCase._formatMessage"),
    # asynctestkit/fakes/_mock.py: one failure per queued error, whatever side_effect holds.
    ("unittest.mock", "AsyncMock._execute_mock_call"),
)
#: Set in __init__ (asyncio's loop; case.py drops the per-test context).
CPYTHON_INSTANCE_NAMES = (
    ("asyncio", "SelectorEventLoop", "_scheduled"),  # _loop.py: the virtual clock
    ("asyncio", "SelectorEventLoop", "_ready"),
    ("asyncio", "SelectorEventLoop", "_transports"),  # _loop.py: sockets a test left open
    ("unittest", "IsolatedAsyncioTestCase", "_asyncioTestContext"),  # case.py
    ("unittest.mock", "AsyncMock", "_mock_side_effect"),  # fakes/_mock.py
    ("unittest.mock", "AsyncMock", "_mock_return_value"),
)


def check_cpython_instance_attribute(self, name):
    module, class_name, attribute = name
    cls = resolve(module, class_name)
    if class_name == "SelectorEventLoop":
        instance = cls()
        self.addCleanup(instance.close)
    elif class_name == "IsolatedAsyncioTestCase":
        instance = cls("run")
    else:
        instance = cls()
    self.assertIn(attribute, vars(instance), f"{module}.{class_name}() lost {attribute}")


class CPythonNames(unittest.TestCase):
    """The running interpreter's private names (case.py's docstring says per version)."""

    def test_tasks_record_their_source_traceback_in_debug_mode(self):
        loop = asyncio.new_event_loop()
        self.addCleanup(loop.close)
        loop.set_debug(True)
        task = loop.create_task(asyncio.sleep(0))
        loop.run_until_complete(task)
        self.assertIsInstance(task._source_traceback, list)  # _loop.py: where a task began

    def test_spawn_and_forkserver_children_are_prepared_from_get_preparation_data(self):
        # _multiprocessing_compat.py replaces spawn.get_preparation_data: the start methods
        # that send it must look it up on the module at each start, and prepare() must
        # ignore a key it does not know.
        import inspect
        from multiprocessing import popen_forkserver, popen_spawn_posix, spawn

        for module in (popen_forkserver, popen_spawn_posix):
            self.assertIn("spawn.get_preparation_data(", inspect.getsource(module))
        self.assertIsInstance(spawn.get_preparation_data("probe"), dict)
        spawn.prepare({"asynctestkit_environment": ()})  # no KeyError


add_tests(CPythonNames, CPYTHON_NAMES, check_attribute)
add_tests(CPythonNames, CPYTHON_INSTANCE_NAMES, check_cpython_instance_attribute)


class MongomockNgNames(unittest.TestCase):
    """mongomock-ng's private names (asynctestkit/mongo/server/_engine.py; mongomock-ng 7.11)."""


def check_mongomock_instance_attribute(self, name):
    module, class_name, attribute = name
    cls = resolve(module, class_name)
    if class_name == "CollectionStore":
        instance = cls("items")
    elif class_name == "Collection":
        instance = resolve("mongomock_ng", "MongoClient")().db.items
    else:
        instance = cls()
    self.assertIn(
        attribute,
        vars(instance),
        f"{module}.{class_name}() no longer sets {attribute}: update the adapter that uses it",
    )


add_tests(MongomockNgNames, _engine.PRIVATE_NAMES, check_attribute)
add_tests(MongomockNgNames, _engine.PRIVATE_INSTANCE_NAMES, check_mongomock_instance_attribute)
