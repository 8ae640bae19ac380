"""The collation algorithm alone: MongoDB's documented orders and mongod's option errors.

The same examples run end to end through the drivers in test_collation.py; here they pin the
sort keys, so a failure points at the algorithm rather than the wiring.
"""

from __future__ import annotations

import unittest

from asynctestkit.mongo.server._collation import (
    _ASCII_ELEMENTS,
    ICU_VERSION,
    CollatedStr,
    _table,
    parse,
)
from asynctestkit.mongo.server._errors import CommandError


def _collation(**options):
    collation = parse({"locale": "en", **options})
    assert collation is not None
    return collation


class StrengthTests(unittest.TestCase):
    # https://www.mongodb.com/docs/manual/reference/collation/ (strength): 1 compares base
    # characters only, 2 adds diacritics, 3 (the default) adds case.
    def test_primary_ignores_case_and_diacritics(self):
        # https://www.mongodb.com/docs/manual/reference/method/cursor.collation/ :
        # { x: "a" } with { locale: "en_US", strength: 1 } matches "a", "A" and "á".
        collation = parse({"locale": "en_US", "strength": 1})
        keys = {collation.key(text) for text in ("a", "A", "á")}
        self.assertEqual(len(keys), 1)
        self.assertNotEqual(collation.key("a"), collation.key("b"))

    def test_secondary_ignores_case_only(self):
        # https://www.mongodb.com/docs/manual/core/index-case-insensitive/ :
        # apple, Apple, APPLE are one value at strength 2.
        collation = _collation(strength=2)
        self.assertEqual(len({collation.key(t) for t in ("apple", "Apple", "APPLE")}), 1)
        self.assertNotEqual(collation.key("cafe"), collation.key("café"))

    def test_tertiary_is_the_default_and_puts_lower_case_first(self):
        collation = _collation()
        self.assertNotEqual(collation.key("a"), collation.key("A"))
        self.assertEqual(
            sorted(["b", "B", "á", "A", "a"], key=collation.key), ["a", "A", "á", "b", "B"]
        )

    def test_identical_level_tells_apart_what_every_level_ties(self):
        # Numeric ordering ties "01" and "1" on levels 1-3; only strength 5 separates them.
        self.assertEqual(_collation(numericOrdering=True).compare("01", "1"), 0)
        self.assertEqual(_collation(numericOrdering=True, strength=5).compare("01", "1"), -1)


class OptionTests(unittest.TestCase):
    def test_case_level_adds_case_to_primary_strength(self):
        # https://www.mongodb.com/docs/manual/reference/collation/ (caseLevel): with strength 1
        # it compares base characters and case.
        collation = _collation(strength=1, caseLevel=True)
        self.assertEqual(collation.compare("a", "á"), 0)
        self.assertEqual(collation.compare("a", "A"), -1)

    def test_case_first_upper_sorts_upper_case_first(self):
        # https://www.mongodb.com/docs/manual/reference/collation/ (caseFirst: "upper").
        collation = _collation(caseFirst="upper")
        self.assertEqual(sorted(["a", "b", "B", "A"], key=collation.key), ["A", "a", "B", "b"])
        self.assertEqual(sorted(["a", "A"], key=_collation(caseFirst="lower").key), ["a", "A"])

    def test_numeric_ordering_matches_the_manual_example(self):
        # https://www.mongodb.com/docs/manual/reference/collation/#numericordering
        values = ["1", "2", "2.1", "-2.1", "2.2", "2.10", "2.20", "-10", "10", "20", "20.1"]
        collation = parse({"locale": "en_US", "numericOrdering": True})
        self.assertEqual(
            sorted(values, key=collation.key),
            ["-2.1", "-10", "1", "2", "2.1", "2.2", "2.10", "2.20", "10", "20", "20.1"],
        )
        # ...and without it, "10" is less than "2".
        self.assertEqual(_collation().compare("10", "2"), -1)

    def test_shifted_ignores_punctuation_up_to_strength_3(self):
        # https://www.mongodb.com/docs/manual/reference/collation/ (alternate: "shifted"):
        # whitespace and punctuation are only distinguished at strength levels above 3.
        shifted = _collation(alternate="shifted")
        self.assertEqual(shifted.compare("di Silva", "diSilva"), 0)
        self.assertEqual(shifted.compare("di-Silva", "diSilva"), 0)
        self.assertNotEqual(
            _collation(alternate="shifted", strength=4).compare("di Silva", "diSilva"), 0
        )
        self.assertNotEqual(_collation().compare("di Silva", "diSilva"), 0)

    def test_max_variable_space_keeps_punctuation(self):
        # https://www.mongodb.com/docs/manual/reference/collation/ (maxVariable: "space"):
        # only whitespace is ignorable.
        collation = _collation(alternate="shifted", maxVariable="space")
        self.assertEqual(collation.compare("di Silva", "diSilva"), 0)
        self.assertNotEqual(collation.compare("di-Silva", "diSilva"), 0)

    def test_backwards_is_canadian_french_order(self):
        # https://www.mongodb.com/docs/drivers/java/sync/current/crud/collations/ : in
        # Canadian French (fr_CA, backwards by default) cote < côte < coté < côté.
        words = ["côté", "coté", "côte", "cote"]
        french = parse({"locale": "fr_CA"})
        self.assertEqual(sorted(words, key=french.key), ["cote", "côte", "coté", "côté"])
        self.assertEqual(
            sorted(words, key=parse({"locale": "fr"}).key), ["cote", "coté", "côte", "côté"]
        )
        self.assertEqual(
            sorted(words, key=_collation(backwards=True).key), ["cote", "côte", "coté", "côté"]
        )


class DocumentTests(unittest.TestCase):
    def test_defaults_are_filled_in_as_list_indexes_shows_them(self):
        # https://www.mongodb.com/docs/manual/reference/collation-locales-defaults/
        self.assertEqual(
            parse({"locale": "en", "strength": 2}).document(),
            {
                "locale": "en",
                "caseLevel": False,
                "caseFirst": "off",
                "strength": 2,
                "numericOrdering": False,
                "alternate": "non-ignorable",
                "maxVariable": "punct",
                "normalization": False,
                "backwards": False,
                "version": ICU_VERSION,
            },
        )
        self.assertIs(parse({"locale": "fr_CA"}).document()["backwards"], True)

    def test_simple_is_binary_comparison(self):
        self.assertIsNone(parse({"locale": "simple"}))
        self.assertIsNone(parse(None))

    def test_equal_options_are_equal_collations(self):
        self.assertEqual(parse({"locale": "en", "strength": 3}), parse({"locale": "en"}))
        self.assertNotEqual(parse({"locale": "en", "strength": 2}), parse({"locale": "en"}))

    def test_collated_strings_compare_and_hash_by_key(self):
        collation = _collation(strength=2)
        a, b = collation.wrap("A@x.org"), collation.wrap("a@X.org")
        self.assertIsInstance(a, CollatedStr)
        self.assertEqual(a, b)
        self.assertEqual(len({a, b}), 1)
        self.assertLess(collation.wrap("a"), collation.wrap("B"))
        self.assertEqual(
            collation.wrap({"email": "X", "tags": ["Y"]}),
            collation.wrap({"email": "x", "tags": ["y"]}),
        )
        # Against a plain string, a collated one compares under its collation, either side.
        self.assertEqual(a, "a@X.org")
        self.assertEqual("a@X.org", a)
        self.assertLess("a", collation.wrap("B"))
        self.assertNotEqual(CollatedStr("A", collation.key("A")), "a")


class TableTests(unittest.TestCase):
    def test_the_built_in_ascii_elements_are_the_tables(self):
        for code in range(128):
            with self.subTest(code=code):
                self.assertEqual([_ASCII_ELEMENTS[chr(code)]], _table().elements(chr(code)))

    def test_non_ascii_text_goes_through_the_table(self):
        # "é" is e plus a secondary accent element (NFD), "ﬁ" expands to two elements.
        collation = _collation(strength=1)
        self.assertEqual(collation.key("é"), collation.key("e"))
        self.assertEqual(collation.key("ﬁ"), collation.key("fi"))


class ErrorTests(unittest.TestCase):
    def assertFails(self, spec, code, message):
        with self.assertRaises(CommandError) as caught:
            parse(spec)
        self.assertEqual(caught.exception.code, code)
        self.assertIn(message, caught.exception.errmsg)

    def test_malformed_documents_fail_as_mongod(self):
        self.assertFails({"strength": 2}, 40414, "'collation.locale' is missing")
        self.assertFails({"locale": "en", "strenght": 2}, 40415, "'collation.strenght'")
        self.assertFails({"locale": "en", "strength": 6}, 9, "1 through 5. Got: 6")
        self.assertFails({"locale": "en", "caseLevel": 1}, 14, "expected type 'bool'")
        self.assertFails(
            {"locale": "en", "caseFirst": "up"},
            9,
            "Field 'caseFirst' must be 'upper', 'lower', or 'off'. Got: up",
        )
        self.assertFails(
            {"locale": "en", "alternate": "x"},
            9,
            "Field 'alternate' must be 'non-ignorable' or 'shifted'. Got: x",
        )
        self.assertFails({"locale": "xx"}, 2, "Field 'locale' is invalid")
        self.assertFails(
            {"locale": "simple", "strength": 2},
            9,
            "If locale=simple, no other fields should be present in: "
            '{ locale: "simple", strength: 2 }',
        )

    def test_options_mongod_refuses_together(self):
        # mongod's collator_factory_icu.cpp validateCollationSpec: backwards needs the
        # secondary level, caseFirst the tertiary one or caseLevel.
        self.assertFails({"locale": "en", "backwards": True, "strength": 1}, 2, "'backwards'")
        self.assertFails({"locale": "en", "caseFirst": "upper", "strength": 2}, 2, "'caseFirst'")
        self.assertIsNotNone(
            parse({"locale": "en", "caseFirst": "upper", "strength": 2, "caseLevel": True})
        )

    def test_tailored_locales_are_refused_by_name(self):
        for locale in ("es", "sv", "de@collation=phonebook", "en_US_POSIX"):
            with self.subTest(locale=locale):
                self.assertFails({"locale": locale}, 238, f"Collation locale {locale!r}")
                self.assertFails({"locale": locale}, 238, "'en'")


if __name__ == "__main__":
    unittest.main()
