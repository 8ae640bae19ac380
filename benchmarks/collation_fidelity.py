"""How often the embedded server's collations agree with ICU, pair by pair.

Not part of the test suite: it needs PyICU, which the toolkit does not depend on (PyICU needs
libicu and a compiler; ``pip install pyicu-wheels`` has wheels for CPython 3.11-3.14 on
x86-64 Linux, with a newer ICU than mongod's 57.1). Run it as

    pip install pyicu-wheels pyuca
    PYTHONPATH=. python benchmarks/collation_fidelity.py [--pairs N] [--seed S]

For each collation option set, random strings are drawn from an alphabet that mixes what
real data holds (ASCII letters of both cases, accented Latin letters, digits, spaces,
punctuation, symbols, a few Greek and Cyrillic letters), and every pair is compared by ICU
and by ``asynctestkit.mongo.server._collation``. It prints the share of pairs whose sign
(<, =, >) agrees, and the first disagreements.
"""

from __future__ import annotations

import argparse
import random
from typing import Any

import icu  # type: ignore[import-not-found]

from asynctestkit.mongo.server._collation import parse

_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz" * 3
    + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2
    + "éèêëÉÈàâäÄçÇñÑöÖüÜßøåÅœ"
    + "0123456789" * 2
    + "  -_.@+$'\",;:!?()/#&%*"
    + "αβγΩдЖ"
)
# --wide adds what real data holds less often: ligatures, full-width and compatibility forms,
# superscripts, other scripts' digits, a lone combining mark, title case, CJK, emoji.
_WIDE = "æÆœﬁＡａ²½١٢ǅİı\u0301\u0308ŉ한漢字😀€£¥§©°±\u00d7÷"

_OPTIONS: list[dict[str, Any]] = [
    {"locale": "en"},
    {"locale": "en", "strength": 1},
    {"locale": "en", "strength": 2},
    {"locale": "en", "strength": 1, "caseLevel": True},
    {"locale": "en", "strength": 2, "caseLevel": True},
    {"locale": "en", "caseFirst": "upper"},
    {"locale": "en", "caseFirst": "lower"},
    {"locale": "en", "numericOrdering": True},
    {"locale": "en", "alternate": "shifted"},
    {"locale": "en", "alternate": "shifted", "strength": 4},
    {"locale": "en", "alternate": "shifted", "maxVariable": "space"},
    {"locale": "fr_CA"},
    {"locale": "en", "strength": 5},
]


def _icu_collator(options: dict[str, Any]) -> Any:
    # maxVariable has no setter in PyICU: it goes in the locale, as CLDR's "kv" keyword.
    tag = options["locale"].replace("_", "-")
    if options.get("maxVariable") == "space":
        tag += "-u-kv-space"
    collator = icu.Collator.createInstance(icu.Locale.forLanguageTag(tag))
    attribute, value = icu.UCollAttribute, icu.UCollAttributeValue
    strengths = {1: 0, 2: 1, 3: 2, 4: 3, 5: 15}
    collator.setStrength(strengths[options.get("strength", 3)])
    on_off = {True: value.ON, False: value.OFF}
    collator.setAttribute(attribute.CASE_LEVEL, on_off[options.get("caseLevel", False)])
    case_first = {"upper": value.UPPER_FIRST, "lower": value.LOWER_FIRST, "off": value.OFF}
    collator.setAttribute(attribute.CASE_FIRST, case_first[options.get("caseFirst", "off")])
    collator.setAttribute(
        attribute.NUMERIC_COLLATION, on_off[options.get("numericOrdering", False)]
    )
    alternate = {"shifted": value.SHIFTED, "non-ignorable": value.NON_IGNORABLE}
    collator.setAttribute(
        attribute.ALTERNATE_HANDLING, alternate[options.get("alternate", "non-ignorable")]
    )
    backwards = options.get("backwards", options["locale"] == "fr_CA")
    collator.setAttribute(attribute.FRENCH_COLLATION, on_off[backwards])
    return collator


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 8)))


def _mutate(rng: random.Random, word: str) -> str:
    # Near-duplicates are where the levels matter: one or two characters change case or
    # accent, or a space, punctuation or digit is inserted or replaced.
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(word) + 1)
        current = word[i : i + 1]
        choice = rng.choice(
            [current.swapcase(), current.upper(), "e", "é", "E", "É", "è", " ", "-", ".", "9", "10"]
        )
        if rng.random() < 0.5:
            word = word[:i] + choice + word[i + 1 :]
        else:
            word = word[:i] + choice + word[i:]
    return word or "a"


def _pairs(rng: random.Random, count: int) -> list[tuple[str, str]]:
    out = []
    for _ in range(count):
        first = _word(rng)
        second = _mutate(rng, first) if rng.random() < 0.8 else _word(rng)
        out.append((first, second))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wide", action="store_true", help="add rarer characters")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    global _ALPHABET
    if args.wide:
        _ALPHABET += _WIDE * 3
    print(f"ICU {icu.ICU_VERSION} (Unicode {icu.UNICODE_VERSION}) against the server's")
    print(f"{'options':<62} {'agree':>8} {'ICU equal':>10}")
    for options in _OPTIONS:
        ours = parse(options)
        assert ours is not None
        theirs = _icu_collator(options)
        agree = equal = 0
        misses = []
        for a, b in _pairs(rng, args.pairs):
            expected = theirs.compare(a, b)
            got = ours.compare(a, b)
            equal += expected == 0
            if expected == got:
                agree += 1
            elif len(misses) < 3:
                misses.append((a, b, expected, got))
        label = ", ".join(f"{k}={v}" for k, v in options.items())
        print(f"{label:<62} {agree / args.pairs:>8.2%} {equal:>10}")
        for a, b, expected, got in misses:
            print(f"    {a!r} vs {b!r}: ICU {expected:+d}, server {got:+d}")


if __name__ == "__main__":
    main()
