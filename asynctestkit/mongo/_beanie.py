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
"""

from __future__ import annotations

import contextvars
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

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


async def init_models(
    beanie: Any, db: Any, models: Sequence[type], register: Callable[..., None], **options: Any
) -> None:
    """``init_beanie`` for ``models`` (with ``options``, e.g. ``skip_indexes``); ``register``
    gets the call that unbinds them again."""
    _install(beanie)
    saved = []
    for model in models:
        name = _settings_attribute(beanie, model)
        saved.append((model, name, vars(model).get(name, _ABSENT)))
    register(_unbind, saved)
    await beanie.init_beanie(database=db, document_models=list(models), **options)


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
