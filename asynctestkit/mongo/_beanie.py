"""Beanie's internals, in one room (Beanie 2.0 and 2.2, ``beanie/odm/documents.py``).

``init_beanie`` binds each model to a database by setting a class attribute
(``Document._document_settings``; ``_settings`` on a View or UnionDoc), and
``Document.get_settings()`` raises ``CollectionWasNotInitialized`` while it is None. A
model keeps that binding after its class ends, so a later class that forgot to list it
would reach the earlier class's closed client on another loop ("Cannot use
AsyncMongoClient in different event loop"), while run alone it gets a bare
``CollectionWasNotInitialized``. Here each class puts its models' bindings back when it
ends, and a model used while a class runs without being listed raises one message, the
same in every order. ``tests/mongo/test_unlisted_model.py`` fails by name if Beanie moves
these.

A class database made from a template (the embedded server) already has the collections
and indexes; there ``rebind`` gives each model a copy of the settings ``init_beanie`` made
for the first class, pointed at the new database, with a fresh cache and ``custom_init``
run again: everything else ``init_beanie`` sets (fields, links, actions) is the same for
every database and stays on the class. Only plain documents qualify (``binding``): views,
union documents, time series and inheritance trees go through ``init_beanie`` each time.
``tests/test_compat.py`` checks the names used here.
"""

from __future__ import annotations

import contextvars
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, cast

_MODEL_NOT_LISTED = (
    "{model} is used by {cls}, but it is not in {cls}.document_models, so Beanie has not "
    "initialised it on {cls}'s database (each class initialises only the models it "
    "lists). Add it: document_models = [..., {model}]."
)

_running_class: contextvars.ContextVar[type | None] = contextvars.ContextVar(
    "asynctestkit_mongo_class", default=None
)
_ABSENT = object()
_installed = False


def _settings_attribute(beanie: Any, model: type) -> str:
    return "_document_settings" if issubclass(model, beanie.Document) else "_settings"


def enter_class(cls: type) -> None:
    """Mark ``cls`` as the class running in this context (its loop, its tests)."""
    _running_class.set(cls)
    beanie = sys.modules.get("beanie")
    if beanie is not None:  # the tests use Beanie even if this class lists no model
        _install(beanie)


#: What ``rebind`` copies: each model with the settings init_beanie gave it, unbound.
Binding = tuple[tuple[type, Any], ...]


async def init_models(
    beanie: Any, db: Any, models: Sequence[type], register: Callable[..., None], **options: Any
) -> Binding | None:
    """``init_beanie`` for ``models`` (with ``options``, e.g. ``skip_indexes``); ``register``
    gets the call that unbinds them again. Returns what ``rebind`` needs to bind the same
    models to a copy of ``db``, or None if a copy of the settings would not do."""
    _install(beanie)
    saved = _save(beanie, models)
    register(_unbind, saved)
    await beanie.init_beanie(database=db, document_models=list(models), **options)
    return _binding(beanie, saved)


async def rebind(
    beanie: Any, db: Any, models: Sequence[type], binding: Binding, register: Callable[..., None]
) -> None:
    """Bind ``models`` to ``db``, a copy of the database ``binding`` was made on, as
    init_beanie with ``skip_indexes`` would; ``register`` as for ``init_models``."""
    _install(beanie)
    register(_unbind, _save(beanie, models))
    init_cache = importlib.import_module("beanie.odm.utils.init").Initializer.init_cache
    for model, settings in binding:
        own = settings.model_copy()
        own.pymongo_db = db
        own.pymongo_collection = db[settings.name]
        cast(Any, model)._document_settings = own
        init_cache(model)
    for model in models:
        custom_init = getattr(model, "custom_init", None)
        if custom_init is not None:
            await custom_init()


def _save(beanie: Any, models: Sequence[type]) -> list[tuple[type, str, Any]]:
    saved = []
    for model in models:
        name = _settings_attribute(beanie, model)
        saved.append((model, name, vars(model).get(name, _ABSENT)))
    return saved


def _document_ancestors(beanie: Any, model: type) -> list[type]:
    return [
        ancestor
        for ancestor in model.__mro__[1:]
        if ancestor is not beanie.Document and issubclass(ancestor, beanie.Document)
    ]


def _binding(beanie: Any, saved: list[tuple[type, str, Any]]) -> Binding | None:
    binding = []
    for model, name, before in saved:
        settings = vars(model).get(name)
        if (
            name != "_document_settings"  # a View or a UnionDoc
            or settings is None
            or settings is before  # not bound by this init_beanie
            or settings.is_root  # an inheritance tree: its children register on the root
            or _document_ancestors(beanie, model)
            or settings.union_doc is not None
            or settings.timeseries is not None
        ):
            return None
        binding.append(
            (model, settings.model_copy(update={"pymongo_db": None, "pymongo_collection": None}))
        )
    return tuple(binding)


def _unbind(saved: list[tuple[type, str, Any]]) -> None:
    for model, name, value in saved:
        if value is _ABSENT:
            if name in vars(model):
                delattr(model, name)
        else:
            setattr(model, name, value)


def _install(beanie: Any) -> None:
    """Make ``Document.get_settings`` name the class and the fix (once per process)."""
    global _installed
    if _installed:
        return
    document = beanie.Document
    not_initialized = importlib.import_module("beanie.exceptions").CollectionWasNotInitialized
    try:
        original = vars(document)["get_settings"].__func__
    except (KeyError, AttributeError):
        raise RuntimeError(
            f"asynctestkit needs beanie.Document.get_settings to be a classmethod of "
            f"Document (Beanie {beanie.__version__} moved it): update asynctestkit."
        ) from None

    def get_settings(model: type) -> Any:
        try:
            return original(model)
        except not_initialized:
            cls = _running_class.get()
            if cls is None:
                raise
            message = _MODEL_NOT_LISTED.format(model=model.__qualname__, cls=cls.__qualname__)
            raise not_initialized(message) from None

    get_settings.__doc__ = original.__doc__
    document.get_settings = classmethod(get_settings)
    _installed = True
