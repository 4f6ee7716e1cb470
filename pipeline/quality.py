"""Heuristics that flag suspect machine translations of one segment.

Marian models loop, drop or rewrite numbers, and sometimes copy or return nothing on fragments,
ALL-CAPS headers and over-long inputs. Each check here looks at one source segment and its
translation and says yes or no; :func:`quality_flags` returns the names of the checks that fired.
The checks are meant for sentence-sized segments: on a whole article, repeated 4-grams and
number multisets become noisy.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from pipeline.metrics import length_ratio

#: English is usually a little shorter than French (ratio about 0.9); outside these bounds a
#: translation has likely lost or invented material.
MIN_LENGTH_RATIO = 0.5
MAX_LENGTH_RATIO = 2.0
#: Below this many source characters (headers, bylines) ratios swing too much to mean anything.
MIN_SOURCE_CHARS_FOR_RATIO = 20
#: A span repeated this many times in a row, or a 4-gram this many times anywhere, is a loop.
REPEAT_LIMIT = 3
MAX_REPEAT_N = 4
#: A copied source shorter than this (names, acronyms, "Paris, France") is legitimately unchanged.
MIN_WORDS_FOR_UNTRANSLATED = 4

# Numbers are one token each, so "1,000,000,000" is not read as "000" three times over.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:['’]\w+)*")
# A number: 1-3 digits with thousands groups (space, no-break spaces, dot or comma + 3 digits), or
# a plain run of digits; then an optional decimal part.
_NUMBER = re.compile(
    r"(?<![\d.,])(?:\d{1,3}(?:[ \u00a0\u202f.,]\d{3}(?!\d))+|\d+)(?:[.,]\d+)?"
)
_GROUP_SEPARATORS = re.compile(r"[ \u00a0\u202f.,](?=\d{3}(?!\d))")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _has_consecutive_repeat(tokens: list[str]) -> bool:
    for n in range(1, MAX_REPEAT_N + 1):
        for start in range(len(tokens) - REPEAT_LIMIT * n + 1):
            first = tokens[start : start + n]
            if all(
                tokens[start + k * n : start + (k + 1) * n] == first
                for k in range(1, REPEAT_LIMIT)
            ):
                return True
    return False


def _has_frequent_4gram(tokens: list[str]) -> bool:
    grams = Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))
    return any(count >= REPEAT_LIMIT for count in grams.values())


def repeated_ngram(source: str, translation: str) -> bool:
    """A 1- to 4-gram repeated 3+ times in a row, or a 4-gram seen 3+ times (a decoding loop)."""
    tokens = _tokens(translation)
    return _has_consecutive_repeat(tokens) or _has_frequent_4gram(tokens)


def odd_length_ratio(source: str, translation: str) -> bool:
    """Translation/source character ratio outside [MIN_LENGTH_RATIO, MAX_LENGTH_RATIO]."""
    if len(source.strip()) < MIN_SOURCE_CHARS_FOR_RATIO:
        return False
    ratio = length_ratio(source, translation)
    return not MIN_LENGTH_RATIO <= ratio <= MAX_LENGTH_RATIO


def normalise_number(text: str) -> Decimal:
    """Reads a French or English number: "1 000" = "1.000" = "1,000" = 1000, "3,5" = "3.5".

    A separator followed by exactly three digits groups thousands (unless the integer part is 0),
    any other separator marks decimals. The same rule reads both sides, so the rare ambiguous
    form ("3,500") is at least read alike in source and translation.
    """
    if not re.match(r"0[.,]", text):
        text = _GROUP_SEPARATORS.sub("", text)
    return Decimal(text.replace(",", "."))


def numbers(text: str) -> Counter[Decimal]:
    """The multiset of digit numbers in ``text`` (number words such as "trois" are ignored)."""
    return Counter(normalise_number(match) for match in _NUMBER.findall(text))


def numbers_changed(source: str, translation: str) -> bool:
    """The numbers written in digits differ between source and translation."""
    return numbers(source) != numbers(translation)


def untranslated(source: str, translation: str) -> bool:
    """The translation repeats a source of 4+ words unchanged (ignoring case)."""
    if len(source.split()) < MIN_WORDS_FOR_UNTRANSLATED:
        return False
    return translation.strip().casefold() == source.strip().casefold()


def empty(source: str, translation: str) -> bool:
    """Nothing came back for a non-empty source."""
    return bool(source.strip()) and not translation.strip()


CHECKS: dict[str, Callable[[str, str], bool]] = {
    "empty": empty,
    "untranslated": untranslated,
    "repeated-ngram": repeated_ngram,
    "length-ratio": odd_length_ratio,
    "numbers-changed": numbers_changed,
}


def quality_flags(source: str, translation: str) -> list[str]:
    """Names of the checks in :data:`CHECKS` that fire for one segment, in registry order.

    An empty translation is flagged ``empty`` alone: its length ratio and missing numbers follow
    from it and would only add noise.
    """
    if empty(source, translation):
        return ["empty"]
    return [name for name, check in CHECKS.items() if check(source, translation)]
