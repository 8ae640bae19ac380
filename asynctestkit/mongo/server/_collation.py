"""Collations: mongod's ICU 57.1 string comparison, rebuilt on the Unicode Collation Algorithm.

mongod compares strings under a collation with ICU 57.1 (Unicode 8.0, CLDR 29). PyICU needs
libicu and a compiler, so the server builds ICU's sort keys itself: the collation elements
come from pyuca's DUCET 8.0 table (the Unicode version ICU 57.1 uses; pyuca passes the UCA
conformance test for it), and this module lays them out into levels the way ICU does for
``strength``, ``caseLevel``, ``caseFirst``, ``numericOrdering``, ``alternate``/``maxVariable``
and ``backwards``. CLDR's root collation differs from DUCET by keeping spaces, punctuation
and symbols in separate contiguous groups: primaries of variable elements are regrouped
here by the characters' general category, which is also what ``maxVariable`` selects.

Only locales whose CLDR collation is the root one (plus ``fr_CA``, root with French
secondary ordering) are offered; every other locale mongod knows fails with NotImplemented
naming it, never with a silently different order.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from asynctestkit.mongo.server._errors import (
    BAD_VALUE,
    FAILED_TO_PARSE,
    CommandError,
    mongod_repr,
    not_implemented,
    unknown_field,
)

ICU_VERSION = "57.1"

# Locales whose CLDR 29 collation is the root collation, with the defaults mongod fills in
# that differ from root's. The rest of mongod's locales tailor the order (ñ in Spanish, å in
# Swedish, ...) and are refused by name.
_ROOT_LOCALES: dict[str, dict[str, Any]] = {
    "en": {},
    "en_US": {},
    "de": {},
    "de_AT": {},
    "fr": {},
    "fr_CA": {"backwards": True},
    "id": {},
    "it": {},
    "ms": {},
    "nl": {},
    "pt": {},
}
SUPPORTED_LOCALES = ("simple", *sorted(_ROOT_LOCALES))

# mongod's locales (docs: reference/collation-locales-defaults) that ICU tailors.
# fmt: off
_TAILORED_LOCALES = frozenset([
    "af", "am", "ar", "as", "az", "be", "bg", "bn", "bo", "bs", "bs_Cyrl", "ca", "chr", "cs", "cy",
    "da", "dsb", "dz", "ee", "el", "en_US_POSIX", "eo", "es", "et", "fa", "fa_AF", "fi", "fil",
    "fo", "ga", "gl", "gu", "ha", "haw", "he", "hi", "hr", "hsb", "hu", "hy", "ig", "is", "ja",
    "ka", "kk", "kl", "km", "kn", "ko", "kok", "ky", "lb", "lkt", "ln", "lo", "lt", "lv", "mk",
    "ml", "mn", "mr", "mt", "my", "nb", "ne", "nn", "om", "or", "pa", "pl", "ps", "ro", "ru", "se",
    "si", "sk", "sl", "smn", "sq", "sr", "sr_Latn", "sv", "sw", "ta", "te", "th", "to", "tr", "ug",
    "uk", "ur", "vi", "wae", "yi", "yo", "zh", "zh_Hant", "zu",
])
# fmt: on

_FIELDS = (
    "locale",
    "caseLevel",
    "caseFirst",
    "strength",
    "numericOrdering",
    "alternate",
    "maxVariable",
    "normalization",
    "backwards",
    "version",
)
_CHOICES = {
    "caseFirst": ("upper", "lower", "off"),
    "alternate": ("non-ignorable", "shifted"),
    "maxVariable": ("punct", "space"),
}
_BOOLEANS = ("caseLevel", "numericOrdering", "normalization", "backwards")

# Reordering groups of CLDR's root collation; a variable element's primary is moved into
# its group's range so the groups are contiguous, as they are in ICU.
_SPACE, _PUNCT, _SYMBOL, _CURRENCY = 1, 2, 3, 4
_GROUP_SHIFT = 1 << 16
_NON_VARIABLE = 5 << 16
_MAX_VARIABLE = {"space": _SPACE, "punct": _PUNCT}
# DUCET's tertiary weights for upper-case forms (UTS #10, 7.3), and their lower-case twins.
_UPPER_TERTIARY = {0x08: 0x02, 0x09: 0x03, 0x0A: 0x04, 0x0B: 0x05, 0x0C: 0x06, 0x1D: 0x14}
_COMMON_SECONDARY = 0x20
_COMMON_TERTIARY = 0x02
# Sort keys are tuples of ints: levels are joined by 1, which is below every weight.
_LEVEL_SEPARATOR = 1
_QUATERNARY_HIGH = 0xFFFFFF


def _group(text: str) -> int:
    category = unicodedata.category(text[0])
    if category[0] == "Z" or category == "Cc":
        return _SPACE
    if category[0] == "P":
        return _PUNCT
    if category == "Sc":
        return _CURRENCY
    return _SYMBOL


class _Table:
    """DUCET 8.0 through pyuca, with the variable elements' reordering groups."""

    def __init__(self) -> None:
        try:
            collator_module: Any = importlib.import_module("pyuca.collator")
        except ImportError:  # pragma: no cover - pyuca is in the mongo extras
            raise not_implemented(
                "A collation other than 'simple' without the pyuca package "
                "(pip install 'asynctestkit[mongo]')"
            ) from None
        self.collator: Any = collator_module.Collator_8_0_0()
        allkeys = Path(collator_module.__file__).with_name("allkeys-8.0.0.txt")
        self.variable_group: dict[int, int] = {}
        # Lines whose first element is variable ("0020 ; [*0209.0020.0002] # SPACE").
        for line in allkeys.read_text(encoding="utf-8").splitlines():
            chars, _, elements = line.partition(";")
            elements = elements.lstrip()
            if elements.startswith("[*"):
                first = chr(int(chars.split()[0], 16))
                self.variable_group.setdefault(int(elements[2:6], 16), _group(first))

    def elements(self, text: str) -> list[tuple[int, int, int]]:
        """Collation elements of ``text`` (NFD), primaries regrouped as CLDR root has them."""
        out = []
        group = self.variable_group
        for element in self.collator.collation_elements(text):
            primary = element[0]
            if primary:
                variable = group.get(primary)
                primary += _NON_VARIABLE if variable is None else variable * _GROUP_SHIFT
            out.append((primary, element[1], element[2]))
        return out


@lru_cache(maxsize=1)
def _table() -> _Table:
    return _Table()


# DUCET 8.0 gives each ASCII character one collation element and has no contraction among
# them, so ASCII text (most keys: emails, names, codes) needs no table: these are their
# primaries, regrouped as _Table does (secondary 0x20; tertiary 0x02, 0x08 for capitals;
# all three 0 for the ignorable controls). test_collation_keys checks them against the table.
# fmt: off
_ASCII_PRIMARIES = (
    0x00000, 0x00000, 0x00000, 0x00000, 0x00000, 0x00000, 0x00000, 0x00000,
    0x00000, 0x10201, 0x10202, 0x10203, 0x10204, 0x10205, 0x00000, 0x00000,
    0x00000, 0x00000, 0x00000, 0x00000, 0x00000, 0x00000, 0x00000, 0x00000,
    0x00000, 0x00000, 0x00000, 0x00000, 0x00000, 0x00000, 0x00000, 0x00000,
    0x10209, 0x2025F, 0x20305, 0x20391, 0x51B8D, 0x20392, 0x2038F, 0x202FE,
    0x20310, 0x20311, 0x20388, 0x305F6, 0x20221, 0x2020D, 0x20274, 0x2038D,
    0x51BB8, 0x51BB9, 0x51BBA, 0x51BBB, 0x51BBC, 0x51BBD, 0x51BBE, 0x51BBF,
    0x51BC0, 0x51BC1, 0x20238, 0x20233, 0x305FA, 0x305FB, 0x305FC, 0x20264,
    0x20387, 0x51BC2, 0x51BDB, 0x51BF5, 0x51C0A, 0x51C25, 0x51C60, 0x51C6F,
    0x51C93, 0x51CAD, 0x51CC7, 0x51CE0, 0x51CF2, 0x51D25, 0x51D34, 0x51D58,
    0x51D87, 0x51D9C, 0x51DAE, 0x51DEC, 0x51E10, 0x51E30, 0x51E5E, 0x51E70,
    0x51E7A, 0x51E86, 0x51E9C, 0x20312, 0x2038E, 0x20313, 0x30466, 0x2020B,
    0x30463, 0x51BC2, 0x51BDB, 0x51BF5, 0x51C0A, 0x51C25, 0x51C60, 0x51C6F,
    0x51C93, 0x51CAD, 0x51CC7, 0x51CE0, 0x51CF2, 0x51D25, 0x51D34, 0x51D58,
    0x51D87, 0x51D9C, 0x51DAE, 0x51DEC, 0x51E10, 0x51E30, 0x51E5E, 0x51E70,
    0x51E7A, 0x51E86, 0x51E9C, 0x20314, 0x305FE, 0x20315, 0x30600, 0x00000,
)
# fmt: on
_ASCII_ELEMENTS = {
    chr(code): (primary, _COMMON_SECONDARY, 0x08 if chr(code).isupper() else _COMMON_TERTIARY)
    if primary
    else (0, 0, 0)
    for code, primary in enumerate(_ASCII_PRIMARIES)
}


def _text_elements(text: str) -> list[tuple[int, int, int]]:
    if text.isascii():
        ascii_elements = _ASCII_ELEMENTS
        return [ascii_elements[ch] for ch in text]
    return _table().elements(text)


def _case_rank(tertiary: int, upper_first: bool) -> int:
    upper = tertiary in _UPPER_TERTIARY
    return 2 + (upper != upper_first)


@dataclass(frozen=True)
class Collation:
    """A parsed collation document with mongod's defaults filled in."""

    locale: str
    # mongod's field names, so document() and listIndexes need no mapping.
    caseLevel: bool = False
    caseFirst: str = "off"
    strength: int = 3
    numericOrdering: bool = False
    alternate: str = "non-ignorable"
    maxVariable: str = "punct"
    normalization: bool = False
    backwards: bool = False
    _cache: dict[str, tuple[int, ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def document(self) -> dict[str, Any]:
        """The collation as listIndexes and listCollections show it."""
        doc: dict[str, Any] = {name: getattr(self, name) for name in _FIELDS[:-1]}
        doc["version"] = ICU_VERSION
        return doc

    def key(self, text: str) -> tuple[int, ...]:
        """ICU's sort key of ``text``: equal keys compare equal under this collation."""
        found = self._cache.get(text)
        if found is None:
            if len(self._cache) > 100_000:
                self._cache.clear()
            found = self._cache[text] = self._make_key(text)
        return found

    def _make_key(self, text: str) -> tuple[int, ...]:
        text = unicodedata.normalize("NFD", text)
        elements = _elements(text, self.numericOrdering)
        shifted = self.alternate == "shifted"
        max_variable = _MAX_VARIABLE[self.maxVariable] * _GROUP_SHIFT + 0xFFFF
        primaries: list[int] = []
        secondaries: list[int] = []
        cases: list[int] = []
        tertiaries: list[int] = []
        quaternaries: list[int] = []
        after_variable = False
        upper_first = self.caseFirst == "upper"
        for primary, secondary, tertiary in elements:
            if shifted:
                if primary and primary <= max_variable and primary < _NON_VARIABLE:
                    quaternaries.append(primary)
                    after_variable = True
                    continue
                if not primary and after_variable:
                    continue
                if primary:
                    after_variable = False
                    quaternaries.append(_QUATERNARY_HIGH)
            if primary:
                primaries.append(primary)
                if self.caseLevel:
                    cases.append(_case_rank(tertiary, upper_first))
            if secondary:
                secondaries.append(secondary)
            if tertiary:
                tertiaries.append(self._tertiary(tertiary, upper_first))
        if self.backwards:
            secondaries.reverse()
        levels: list[Iterable[int]] = [primaries]
        if self.strength >= 2:
            levels.append(secondaries)
        if self.caseLevel:
            levels.append(cases)
        if self.strength >= 3:
            levels.append(tertiaries)
        if self.strength >= 4 and shifted:
            levels.append(quaternaries)
        if self.strength == 5:
            levels.append([ord(ch) + 2 for ch in text])
        key: list[int] = []
        for number, level in enumerate(levels):
            if number:
                key.append(_LEVEL_SEPARATOR)
            key.extend(level)
        return tuple(key)

    def _tertiary(self, tertiary: int, upper_first: bool) -> int:
        base = _UPPER_TERTIARY.get(tertiary, tertiary)
        if self.caseLevel:
            return base
        if self.caseFirst == "off":
            return tertiary
        return _case_rank(tertiary, upper_first) << 8 | base

    def compare(self, left: str, right: str) -> int:
        """-1, 0 or 1, as ICU's ``ucol_strcoll``."""
        a, b = self.key(left), self.key(right)
        return (a > b) - (a < b)

    def wrap(self, value: Any) -> Any:
        """``value`` with every string (not field names) compared under this collation."""
        if isinstance(value, str):
            return CollatedStr(value, self.key(value), self)
        if isinstance(value, dict):
            return {name: self.wrap(item) for name, item in value.items()}
        if isinstance(value, list):
            return [self.wrap(item) for item in value]
        return value

    def wrap_query(self, query: Any) -> Any:
        """A filter whose string operands compare under this collation.

        Operands that name a type, a pattern or a field stay plain (mongod applies no
        collation to ``$regex``, ``$type``, ``$where``...).
        """
        if isinstance(query, dict):
            return {
                name: item
                if name in _RAW_OPERANDS
                else self.wrap_expressions(item)
                if name == "$expr"
                else self.wrap_query(item)
                for name, item in query.items()
            }
        if isinstance(query, list):
            return [self.wrap_query(item) for item in query]
        return self.wrap(query)

    def wrap_pipeline(self, pipeline: list[Any]) -> list[Any]:
        """A pipeline whose filters and comparisons (sub-pipelines too) use this collation."""
        out = []
        for stage in pipeline:
            name, spec = next(iter(stage.items()))
            if name == "$match":
                spec = self.wrap_query(spec)
            elif name == "$facet" and isinstance(spec, dict):
                spec = {facet: self.wrap_pipeline(stages) for facet, stages in spec.items()}
            elif name in ("$lookup", "$unionWith") and isinstance(spec, dict):
                spec = {
                    key: self.wrap_pipeline(value)
                    if key == "pipeline"
                    else self.wrap_expressions(value)
                    for key, value in spec.items()
                }
            else:
                spec = self.wrap_expressions(spec)
            out.append({name: spec})
        return out

    def wrap_expressions(self, stage: Any) -> Any:
        """A pipeline stage whose comparison expressions compare strings under this collation.

        Only the operands of comparisons are collated: a stage's other strings name fields,
        collections and variables.
        """
        if isinstance(stage, dict):
            return {
                name: [self._literal(item) for item in item]
                if name in _COMPARISONS and isinstance(item, list)
                else self.wrap_expressions(item)
                for name, item in stage.items()
            }
        if isinstance(stage, list):
            return [self.wrap_expressions(item) for item in stage]
        return stage

    def _literal(self, operand: Any) -> Any:
        # "$field" and "$$variable" are paths, not strings to compare.
        if isinstance(operand, str):
            return operand if operand.startswith("$") else self.wrap(operand)
        return self.wrap_expressions(operand)


# Aggregation expressions that compare their operands (mongod applies the collation).
_COMPARISONS = frozenset(
    ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$cmp", "$in", "$indexOfArray", "$setEquals"]
)
# Query operators whose operands are not compared as strings.
_RAW_OPERANDS = frozenset(
    [
        "$regex",
        "$options",
        "$type",
        "$where",
        "$text",
        "$mod",
        "$size",
        "$exists",
        "$jsonSchema",
        "$geoWithin",
        "$geoIntersects",
        "$near",
        "$nearSphere",
        "$comment",
        "$bitsAllSet",
        "$bitsAllClear",
        "$bitsAnySet",
        "$bitsAnyClear",
    ]
)


def unwrap(value: Any) -> Any:
    """``value`` with every collated string (field names too) a plain string again."""
    if isinstance(value, CollatedStr):
        return str.__str__(value)
    if isinstance(value, dict):
        return {unwrap(name): unwrap(item) for name, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


def _elements(text: str, numeric: bool) -> list[tuple[int, int, int]]:
    if not numeric:
        return _text_elements(text)
    out: list[tuple[int, int, int]] = []
    start = 0
    for match in _DIGITS.finditer(text):
        if match.start() > start:
            out.extend(_text_elements(text[start : match.start()]))
        out.extend(_numeric_elements(match.group()))
        start = match.end()
    if start < len(text):
        out.extend(_text_elements(text[start:]))
    return out


_DIGITS = re.compile(r"\d+")


def _numeric_elements(digits: str) -> list[tuple[int, int, int]]:
    # ICU turns a run of decimal digits into primaries ordered by value: its length (after
    # leading zeros) first, then the digits. Runs over 254 digits are split, as ICU does.
    out: list[tuple[int, int, int]] = []
    values = [unicodedata.digit(ch) for ch in digits]
    for chunk in range(0, len(values), 254):
        run = values[chunk : chunk + 254]
        while len(run) > 1 and run[0] == 0:
            run = run[1:]
        out.append((_ASCII_ELEMENTS["0"][0], _COMMON_SECONDARY, _COMMON_TERTIARY))
        out.append((len(run) + 2, 0, 0))
        out.extend((digit + 2, 0, 0) for digit in run)
    return out


class CollatedStr(str):
    """A string that compares and hashes by its collation key (strings in a collated query).

    Compared with a plain string it compares under its collation too (Python asks the
    subclass first, on either side), so a collated filter also works on plain documents.
    """

    key: tuple[int, ...]
    collation: Collation | None

    def __new__(
        cls, value: str, key: tuple[int, ...], collation: Collation | None = None
    ) -> CollatedStr:
        self = super().__new__(cls, value)
        self.key = key
        self.collation = collation
        return self

    # Immutable: copies are the same object (mongomock deep-copies documents).
    def __copy__(self) -> CollatedStr:
        return self

    def __deepcopy__(self, memo: Any) -> CollatedStr:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (CollatedStr, (str.__str__(self), self.key))

    def _other(self, other: object) -> tuple[int, ...] | None:
        if isinstance(other, CollatedStr):
            return other.key
        if isinstance(other, str) and self.collation is not None:
            return self.collation.key(other)
        return None

    def __eq__(self, other: object) -> bool:
        key = self._other(other)
        return str.__eq__(self, other) if key is None else self.key == key

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.key)

    def _order(self, other: object, op: Callable[[Any, Any], bool]) -> bool:
        key = self._other(other)
        if key is None:
            return bool(op(str(self), other))
        return op(self.key, key)

    def __lt__(self, other: object) -> bool:
        return self._order(other, _lt)

    def __le__(self, other: object) -> bool:
        return self._order(other, _le)

    def __gt__(self, other: object) -> bool:
        return self._order(other, _gt)

    def __ge__(self, other: object) -> bool:
        return self._order(other, _ge)


def _lt(a: Any, b: Any) -> bool:
    return bool(a < b)


def _le(a: Any, b: Any) -> bool:
    return bool(a <= b)


def _gt(a: Any, b: Any) -> bool:
    return bool(a > b)


def _ge(a: Any, b: Any) -> bool:
    return bool(a >= b)


def _type_name(value: Any) -> str:
    names = {bool: "bool", int: "int", float: "double", str: "string", dict: "object"}
    return names.get(type(value), type(value).__name__)


def parse(spec: Any) -> Collation | None:
    """The collation of a command's ``collation`` field; None for the binary ("simple") one.

    Fails as mongod does on malformed documents, and with NotImplemented (238) naming the
    locale or option the embedded server cannot honour.
    """
    if spec is None or spec == {}:
        return None
    if not isinstance(spec, dict):
        raise CommandError(
            14,
            f"BSON field 'collation' is the wrong type '{_type_name(spec)}', "
            "expected type 'object'",
        )
    for name in spec:
        if name not in _FIELDS:
            raise unknown_field("collation", name)
    if "locale" not in spec:
        raise CommandError(40414, "BSON field 'collation.locale' is missing but a required field")
    locale = spec["locale"]
    if not isinstance(locale, str):
        raise CommandError(
            14,
            f"BSON field 'collation.locale' is the wrong type '{_type_name(locale)}', "
            "expected type 'string'",
        )
    values: dict[str, Any] = {}
    for name, value in spec.items():
        if name in ("locale", "version"):
            continue
        if name in _BOOLEANS:
            if not isinstance(value, bool):
                raise CommandError(
                    14,
                    f"BSON field 'collation.{name}' is the wrong type '{_type_name(value)}', "
                    "expected type 'bool'",
                )
        elif name == "strength":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise CommandError(
                    14,
                    f"BSON field 'collation.strength' is the wrong type '{_type_name(value)}', "
                    "expected type 'int'",
                )
            if value not in (1, 2, 3, 4, 5):
                raise CommandError(
                    9, f"Field 'strength' must be an integer 1 through 5. Got: {value}"
                )
            value = int(value)
        else:
            choices = _CHOICES[name]
            if value not in choices:
                quoted = [f"'{choice}'" for choice in choices]
                allowed = " or ".join(quoted) if len(quoted) == 2 else _or_list(quoted)
                raise CommandError(
                    FAILED_TO_PARSE, f"Field '{name}' must be {allowed}. Got: {value}"
                )
        values[name] = value
    if locale == "simple":
        if len(spec) > 1:
            raise CommandError(
                FAILED_TO_PARSE,
                f"If locale=simple, no other fields should be present in: {mongod_repr(spec)}",
            )
        return None
    if "version" in spec and spec["version"] != ICU_VERSION:
        raise CommandError(
            2,
            f"Field 'version' must be '{ICU_VERSION}' (the server's ICU), got {spec['version']!r}",
        )
    if locale not in _ROOT_LOCALES:
        supported = ", ".join(repr(name) for name in SUPPORTED_LOCALES)
        if locale.split("@")[0] in _TAILORED_LOCALES or "@collation=" in locale:
            raise not_implemented(
                f"Collation locale {locale!r} (it tailors the root order; supported locales:"
                f" {supported})"
            )
        raise CommandError(2, f"Field 'locale' is invalid in: {{ locale: \"{locale}\" }}")
    collation = Collation(locale=locale, **{**_ROOT_LOCALES[locale], **values})
    _check_combination(collation)
    # One object per distinct collation, so its sort-key cache lives across commands.
    return _INTERNED.setdefault(collation, collation)


def _or_list(quoted: list[str]) -> str:
    return ", ".join(quoted[:-1]) + ", or " + quoted[-1]


def _check_combination(collation: Collation) -> None:
    """Options mongod refuses together (collator_factory_icu.cpp, validateCollationSpec)."""
    if collation.backwards and collation.strength == 1:
        raise CommandError(
            BAD_VALUE,
            f"'backwards' is invalid with 'strength' of 1 in: {mongod_repr(collation.document())}",
        )
    if collation.caseFirst != "off" and not collation.caseLevel and collation.strength < 3:
        raise CommandError(
            BAD_VALUE,
            "'caseFirst' is invalid unless 'caseLevel' is on or 'strength' is greater than 2 "
            f"in: {mongod_repr(collation.document())}",
        )


_INTERNED: dict[Collation, Collation] = {}
