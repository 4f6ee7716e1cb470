"""Quality heuristics: a table of (source, translation, expected flags)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipeline.quality import CHECKS, numbers, quality_flags

SOURCE = "Le gouvernement a annoncé mardi un nouveau plan pour l'emploi des jeunes."
CLEAN = "On Tuesday the government announced a new plan for youth employment."

TABLE = [
    # clean translations
    (SOURCE, CLEAN, []),
    ("Bonjour.", "Hello.", []),
    ("", "", []),
    ("Paris, France", "Paris, France", []),  # short copies are fine
    (
        "Le chômage atteint 3,5 millions de personnes.",
        "Unemployment reaches 3.5 million people.",
        [],
    ),
    ("Près de 1 000 manifestants.", "Nearly 1,000 demonstrators.", []),
    ("Près de 20\u202f000 manifestants en 2019.", "Nearly 20000 protesters in 2019.", []),
    ("Un budget de 1.000,5 euros.", "A budget of 1,000.5 euros.", []),
    ("Trois blessés et 2 morts.", "Three injured and 2 dead.", []),  # number words ignored
    (
        "Il y a eu un milliard de visites, soit 1 000 000 000.",
        "There were a billion visits, or 1,000,000,000.",  # not "000" three times over
        [],
    ),
    # numbers-changed
    ("Le taux est passé à 15 %.", "The rate rose to 16%.", ["numbers-changed"]),
    ("Il y a eu 3 morts et 5 blessés.", "There were 3 dead and injured.", ["numbers-changed"]),
    ("Il a gagné 3,5 millions.", "He won 35 million.", ["numbers-changed"]),
    ("Le score était de 2 à 2.", "The score was 2 to 1.", ["numbers-changed"]),  # a multiset
    # repeated-ngram: consecutive repeats of a 1-gram and of a 3-gram, then a 4-gram seen 3 times
    (
        "Il a dit que la situation était grave.",
        "He said that the the the situation was serious.",
        ["repeated-ngram"],
    ),
    (
        "Le président a parlé de la crise.",
        "The president spoke of the crisis of the crisis of the crisis.",
        ["repeated-ngram"],
    ),
    (
        "Le ministre a parlé de la réforme et des syndicats.",
        "The minister spoke about the reform, the minister spoke about the unions, "
        "the minister spoke about.",
        ["repeated-ngram"],
    ),
    # length-ratio
    (SOURCE, "The government.", ["length-ratio"]),
    (SOURCE, f"{CLEAN} {CLEAN} And much more was said.", ["length-ratio"]),
    ("Court.", "A much longer output than the source.", []),  # source too short to judge
    # untranslated
    ("Le gouvernement a démissionné.", "le gouvernement a Démissionné.", ["untranslated"]),
    # empty, alone
    (SOURCE, "", ["empty"]),
    (SOURCE, "   ", ["empty"]),
]


@pytest.mark.parametrize(("source", "translation", "expected"), TABLE)
def test_quality_flags(source, translation, expected):
    assert quality_flags(source, translation) == expected


def test_every_check_is_covered_by_the_table():
    seen = {flag for _, _, flags in TABLE for flag in flags}
    assert seen == set(CHECKS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3,5", ["3.5"]),
        ("3.5", ["3.5"]),
        ("1 000", ["1000"]),
        ("1,000", ["1000"]),
        ("1.000", ["1000"]),
        ("1000", ["1000"]),
        ("0,125", ["0.125"]),
        ("en 2015 123 cas", ["2015", "123"]),
        ("2019, 2020", ["2019", "2020"]),
        ("le 12 mai", ["12"]),
        ("aucun chiffre", []),
    ],
)
def test_numbers_normalise_french_and_english_forms(text, expected):
    assert sorted(numbers(text).elements()) == sorted(Decimal(v) for v in expected)
