"""``$text`` queries, which the engine lacks: matched here, then handed on as an ``_id`` filter."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from asynctestkit.mongo.server import _engine
from asynctestkit.mongo.server._engine import CollectionStore
from asynctestkit.mongo.server._errors import (
    BAD_VALUE,
    INDEX_NOT_FOUND,
    CommandError,
    not_implemented,
)

_WORD = re.compile(r"\w+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]*)"')
# The most common of mongod's English stop words: they never match.
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "she",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "you",
        "your",
    ]
)
_NO_DOUBLE = frozenset("lsz")


def _fold(text: str) -> str:
    """Lower-case and strip diacritics, as mongod's default text search does."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem(word: str) -> str:
    """A small English suffix stripper, close to Porter's step 1 for common words."""
    if len(word) <= 3:
        return word
    for suffix, replacement in (("sses", "ss"), ("ies", "i"), ("ss", "ss"), ("s", "")):
        if word.endswith(suffix):
            word = word[: len(word) - len(suffix)] + replacement
            break
    for suffix in ("eed", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "eed":
                word = word[:-1]
                break
            stem = word[: -len(suffix)]
            if not any(ch in "aeiouy" for ch in stem):
                break
            word = stem
            if len(word) > 2 and word[-1] == word[-2] and word[-1] not in _NO_DOUBLE:
                word = word[:-1]
            break
    if word.endswith("y") and len(word) > 3 and any(ch in "aeiou" for ch in word[:-1]):
        word = word[:-1] + "i"
    return word


def _terms(text: str, language: str) -> list[str]:
    words = _WORD.findall(_fold(text))
    if language == "none":
        return words
    return [_stem(w) for w in words if w not in _STOP_WORDS]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _field_values(doc: dict[str, Any], path: str) -> Iterator[str]:
    if path == "$**":
        yield from _strings(doc)
        return
    current: list[Any] = [doc]
    for part in path.split("."):
        nxt: list[Any] = []
        for value in current:
            if isinstance(value, dict) and part in value:
                nxt.append(value[part])
            elif isinstance(value, list):
                nxt.extend(v[part] for v in value if isinstance(v, dict) and part in v)
        current = nxt
    for value in current:
        yield from _strings(value)


def _text_fields(store: CollectionStore) -> list[str]:
    fields = _engine.text_index_fields(store)
    if fields:
        return fields
    raise CommandError(INDEX_NOT_FOUND, "text index required for $text query")


def rewrite(collection: Any, store: CollectionStore, ns: str, query: dict[str, Any]) -> Any:
    """Replace the top-level ``$text`` of ``query`` with the ``_id``s it matches."""
    spec = query["$text"]
    if not isinstance(spec, dict) or not isinstance(spec.get("$search"), str):
        raise CommandError(BAD_VALUE, "$text requires a $search string")
    for key in spec:
        if key not in ("$search", "$language", "$caseSensitive", "$diacriticSensitive"):
            raise CommandError(BAD_VALUE, f"unknown operator: {key}")
    if spec.get("$caseSensitive") or spec.get("$diacriticSensitive"):
        raise not_implemented("Case or diacritic sensitive $text search")
    language = str(spec.get("$language", "english"))
    if language not in ("english", "en", "none"):
        raise not_implemented(f"$text search in language {language!r}")
    search: str = spec["$search"]
    phrases = [_fold(p) for p in _PHRASE.findall(search) if p.strip()]
    rest = _PHRASE.sub(" ", search)
    positive: set[str] = set()
    negative: set[str] = set()
    for token in rest.split():
        target = negative if token.startswith("-") else positive
        target.update(_terms(token.lstrip("-"), language))
    for phrase in phrases:
        positive.update(_terms(phrase, language))
    fields = _text_fields(store)
    ids = []
    for doc in _engine.all_documents(store):
        texts = [text for field in fields for text in _field_values(doc, field)]
        words = {term for text in texts for term in _terms(text, language)}
        if not positive & words or negative & words:
            continue
        folded = [_fold(text) for text in texts]
        if all(any(phrase in text for text in folded) for phrase in phrases):
            ids.append(doc["_id"])
    others = {k: v for k, v in query.items() if k != "$text"}
    id_filter = {"_id": {"$in": ids}}
    return {"$and": [id_filter, others]} if others else id_filter
