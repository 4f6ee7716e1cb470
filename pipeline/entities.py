"""Numbers, dates and names in French and English text, read so that the two sides compare.

The quality checks (:mod:`pipeline.quality`) ask whether a translation kept the numbers and names
of its source, and whether a summary invented any. This module reads both languages into
comparable values:

- :func:`quantities` finds numbers, dates, times and decades and normalises them: "1,5 million"
  and "1.5 million" are ``1500000``, "2 300 000" (spaces, U+00A0 or U+202F as group separators)
  is ``2300000``, "3,7 %" is ``3.7``, "14/12/2011", "14 décembre 2011" and "December 14, 2011"
  are ``2011-12-14``, "mardi 3 mai" and "Tuesday, May 3" are ``--05-03``, "15h30", "15 h 30",
  "3:30 p.m." and "15:30" are ``15:30``, "les années 1990", "the 1990s" and "the '90s" are
  ``1990s``, "1er", "1st", "XIXe" and "19th" are ordinals read as numbers. Numbers written in
  words ("three", "dix", "a million", "une vingtaine") are *soft*: they can stand for a number of
  the other side but are never required. Digits glued to letters ("A380", "3D", "G20") are codes,
  not quantities.
- :func:`match_quantities` pairs the quantities of two texts and returns those left over.
- :func:`names` finds proper names: capitalised words not at a sentence start (or at one, when a
  table knows them or they are codes), acronyms ("AQMI", "ONU"), words with inner capitals or
  digits ("McDonald's", "A6"). :func:`name_found` says whether a name shows in a text, allowing
  for case, accents, known exonyms (:data:`EQUIVALENTS`: Allemagne = Germany, ONU = UN), French
  demonyms (Allemands = Germans), acronyms whose letters come in another order (OTAN = NATO) and
  endings that differ between the two languages (Ministère = Ministry).

Pure functions and tables; no models, nothing loaded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

# --------------------------------------------------------------------------------------------
# Quantities
# --------------------------------------------------------------------------------------------

FR_MONTHS = {
    "janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "mars": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "août": 8, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12, "déc": 12,
}
EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}
MONTHS = {**EN_MONTHS, **FR_MONTHS}
#: English month names that are also common words: months only when capitalised.
_CAPITALISED_MONTHS = frozenset({"may", "march", "mar", "jan", "jun", "jul", "aug", "sep",
                                 "sept", "oct", "nov", "dec", "feb", "apr"})
WEEKDAYS = frozenset(
    "lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday "
    "friday saturday sunday".split())

EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12,
}
EN_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "hundredth": 100, "thousandth": 1000,
}
EN_DECADES = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60,
              "seventies": 70, "eighties": 80, "nineties": 90}
FR_UNITS = {
    "zéro": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15,
    "seize": 16, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50,
    "soixante": 60,
}
FR_ORDINALS = {
    "premier": 1, "première": 1, "deuxième": 2, "second": 2, "seconde": 2, "troisième": 3,
    "quatrième": 4, "cinquième": 5, "sixième": 6, "septième": 7, "huitième": 8, "neuvième": 9,
    "dixième": 10, "onzième": 11, "douzième": 12, "quinzième": 15, "vingtième": 20,
    "centième": 100,
}
#: "une vingtaine" (about twenty) and the like: soft numbers.
FR_ROUGHLY = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000,
}
#: Multipliers after a number: English and French words, and abbreviations.
SCALES = {
    "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
    "mille": 10**3, "milles": 10**3, "millier": 10**3, "milliers": 10**3, "millions": 10**6,
    "milliard": 10**9, "milliards": 10**9, "thousands": 10**3, "billions": 10**9,
    "bn": 10**9, "mn": 10**6, "mln": 10**6, "md": 10**9, "mds": 10**9, "mrd": 10**9,
    "mrds": 10**9,
}
FR_SCALES = {**SCALES, "billion": 10**12, "billions": 10**12}
#: Letters glued to a number that still leave it a quantity ("10km", "3e", "14th", "1.5bn");
#: any other glued letters make the token a code ("A380", "3D", "G20", "4x4" stays numbers).
_UNIT_SUFFIXES = frozenset(
    "km kg cm mm m g mg l ml cl t ha kw kwh mw mwh gw gwh w mph kmh s min ms mb gb tb go mo ko "
    "px ans an j p pts x".split())
_ORDINAL_SUFFIXES = frozenset("er re ère e es ème èmes eme emes è nd nde ndes st rd th".split())

_DIGITS = r"(?:\d{1,3}(?:[ \u00a0\u202f]\d{3}(?!\d))+|\d+(?:[.,]\d+)*)"
_NUMBER = re.compile(
    r"(?<![\w.,])(?<!\b[A-Z]-)(?<!\b[A-Z]{2}-)(?<!\b[A-Z]{3}-)(?P<num>" + _DIGITS + r")"
    r"(?P<suffix>[^\W\d_]+)?(?![\w])"
    r"(?:(?P<space>[ \u00a0\u202f]?)(?P<scale>[^\W\d_]+)\b(?P<half>\s+et\s+demie?)?)?"
)
_ROMAN = re.compile(r"\b(?P<roman>[IVX]{1,5})(?:e|er|ème|es|èmes)\b")
_TIME_FR = re.compile(
    r"(?<![\w.,])(?P<h>[01]?\d|2[0-4])\s?(?:h|heures?)(?:\s?(?P<m>[0-5]\d))?(?!\w)")
_TIME_AMPM = re.compile(
    r"(?<![\w.,])(?P<h>1[0-2]|0?\d)(?:[:.](?P<m>[0-5]\d))?\s?(?P<ap>[ap])\.?\s?m\b\.?")
_TIME_COLON = re.compile(r"(?<![\w.,:])(?P<h>[01]?\d|2[0-4]):(?P<m>[0-5]\d)(?![\d:])")
_TIME_OCLOCK = re.compile(r"(?<![\w.,])(?P<h>1[0-2]|0?\d)\s+o['’]clock\b")
_DECADE_FR = re.compile(r"\bann[ée]es\s+['’]?(?P<y>(?:1[0-9]|20)?\d0)\b", re.IGNORECASE)
_DECADE_EN = re.compile(r"(?<![\w.,])['’]?(?P<y>(?:1[0-9]|20)?\d0)['’]?s\b")
_NUMERIC_DATE = re.compile(
    r"(?<![\w./-])(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\w/])")
_ISO_DATE = re.compile(r"(?<![\w-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\w-])")
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"(?P<d>[12]\d|3[01]|0?[1-9])(?:er|re|st|nd|rd|th)?"
_DATE_DAY_FIRST = re.compile(
    r"(?<![\w.,])" + _DAY + r"(?:\s+of)?\s+(?P<month>" + _MONTH_NAMES + r")\b\.?"
    r"(?:,?\s+(?P<y>\d{4})(?![\w]))?", re.IGNORECASE)
_DATE_MONTH_FIRST = re.compile(
    r"\b(?P<month>" + _MONTH_NAMES + r")\b\.?\s+(?:the\s+)?"
    r"(?:" + _DAY + r"(?!\w|[.,]\d)(?:,?\s+(?P<y>\d{4})(?!\w))?|(?P<y2>\d{4})(?!\w))",
    re.IGNORECASE)
_DATE_MONTH_YEAR = re.compile(
    r"\b(?P<month>" + _MONTH_NAMES + r")\b\.?,?\s+(?P<y>\d{4})(?!\w)", re.IGNORECASE)
FR_FULL_MONTHS = {name: number for name, number in FR_MONTHS.items()
                  if len(name) > 4 or name in ("mars", "mai", "juin", "août", "aout")}
EN_FULL_MONTHS = {name: number for name, number in EN_MONTHS.items()
                  if len(name) > 4 or name in ("may", "june", "july")}
_MONTH_ALONE = re.compile(r"\b(?:" + "|".join(sorted({*FR_FULL_MONTHS, *EN_FULL_MONTHS},
                                                       key=len, reverse=True)) + r")\b",
                          re.IGNORECASE)
# A list or range of days sharing one month: "les 12 et 13 mars", "du 12 au 19 mars",
# "12, 13 and 14 March"; in English also "March 12 and 13", "March 12-19".
_LIST_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:er|re|st|nd|rd|th)?"
_DAY_LINK = r"\s*(?:,|et|and|au|à|to|through|-|–|—)\s*(?:(?:le|the)\s+)?"
_DAYS_THEN_MONTH = re.compile(
    r"(?<![\w.,])(?P<days>" + _LIST_DAY + r"(?:" + _DAY_LINK + _LIST_DAY + r")+)"
    r"(?:\s+of)?\s+(?P<month>" + _MONTH_NAMES + r")\b\.?(?:,?\s+(?P<y>\d{4})(?!\w))?",
    re.IGNORECASE)
_MONTH_THEN_DAYS = re.compile(
    r"\b(?P<month>" + _MONTH_NAMES + r")\b\.?\s+(?:the\s+)?(?P<days>" + _LIST_DAY
    + r"(?:" + _DAY_LINK + _LIST_DAY + r")+)(?!\w|[.,]\d)(?:,?\s+(?P<y>\d{4})(?!\w))?",
    re.IGNORECASE)
# Idioms whose numbers a translation may drop or keep ("24 heures sur 24": "around the clock",
# "24 hours a day", "24/7"): read as soft numbers, never required.
_IDIOM_FR = re.compile(r"(?<![\w.,])(?:24\s?(?:h|heures)\s?(?:sur|/)\s?24|7\s?j(?:ours)?\s?"
                       r"(?:sur|/)\s?7|365\s?jours\s?(?:sur|/)\s?365)(?!\w)", re.IGNORECASE)
_IDIOM_EN = re.compile(r"(?<![\w.,])(?:24/7|24/7/365|24 hours a day|seven days a week|"
                       r"365 days a year)(?!\w)", re.IGNORECASE)
# A regnal number after a capitalised name: "François Ier", "Napoléon III" (as a name, its
# English form may have no number: "Francis I").
_REGNAL_FR = re.compile(r"\b[A-ZÀ-Ý][\wÀ-ÿ'’-]+\s+(?P<roman>[IVX]{1,5})(?:er|re)?(?![\wÀ-ÿ])")
# Noon and midnight: "à midi", "at noon", "12 noon", "minuit", "midnight".
# ("après midi" is the afternoon misspelt; "entre midi et deux" the lunch break)
_NOON_FR = re.compile(r"\b(?:à|vers|dès|avant|jusqu['’]à|de|entre)\s+(?P<w>midi|minuit)\b"
                      r"(?!\s+et\s+deux\b)")
_NOON_EN = re.compile(r"(?<![\w.,])(?:12\s+)?(?P<w>noon|midday|midnight)\b", re.IGNORECASE)
# A month and a year in two digits naming an event: "Mai 68" (May '68, May 1968).
# Not after a day ("le 12 mai 45 manifestants": a date, then a count), nor before more digits
# or a percent sign.
_EVENT_FR = re.compile(r"(?<!\d\s)(?<!\der\s)(?<!\d\u00a0)\b(?P<month>[Mm]ai|[Jj]uin)\s+"
                       r"(?P<y>[4-9]\d)\b(?![.,]?\d)(?!\s?(?:\d|%|pour\s?cent))")

_GROUP_SEPARATOR = re.compile(r"[ \u00a0\u202f.,](?=\d{3}(?!\d))")


@dataclass(frozen=True)
class Quantity:
    """A number, date, time or decade found in a text.

    Attributes:
        kind: ``number``, ``date``, ``time`` or ``decade``.
        text: The normalised form shown in evidence: ``1500000``, ``3.7``, ``2011-12-14``,
            ``--05-03`` (no year), ``2011-12`` (no day), ``15:30``, ``1990s``.
        values: Numbers: every reading (``1,850`` is 1850 or 1.85). Dates: (year, month, day)
            tuples, 0 for a missing part (a US "5/3/2011" has two readings). Times: one
            (hour, minute). Decades: one (year,) with the century when given (``1990`` or ``90``).
        soft: Written in words ("three", "vingtaine"): can match a quantity of the other text
            but is never required there.
        span: Where it is in the text (start, end).
    """

    kind: str
    text: str
    values: tuple = ()
    soft: bool = False
    span: tuple[int, int] = field(default=(0, 0), compare=False)


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text[:-2] if text.endswith(".0") else text


def read_number(text: str) -> list[Decimal]:
    """Every reading of one number written with digits, French or English, the likeliest first.

    A separator followed by exactly three digits groups thousands ("1 000" = "1.000" = "1,000"
    = 1000) unless the integer part is 0; any other separator marks decimals ("3,5" = "3.5").
    The same rule reads both languages; a number with a single such separator ("1,850") has
    the decimal reading (1.85) too.

    Args:
        text: The digits and separators, as written.

    Returns:
        One or two values.
    """
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    readings: list[Decimal] = []
    candidates = [text]
    if not re.match(r"0[.,]", text):
        candidates = [_GROUP_SEPARATOR.sub("", text), text]
    for candidate in candidates:
        candidate = candidate.replace(" ", "")
        if candidate.count(",") + candidate.count(".") > 1:
            continue  # "1.000.5": not a reading
        try:
            value = Decimal(candidate.replace(",", "."))
        except InvalidOperation:
            continue
        if value not in readings:
            readings.append(value)
    return readings


def _roman(text: str) -> int | None:
    values = {"I": 1, "V": 5, "X": 10}
    total = 0
    for i, char in enumerate(text):
        value = values[char]
        if i + 1 < len(text) and values[text[i + 1]] > value:
            total -= value
        else:
            total += value
    # only canonical numerals (so "IIII" and "VX" are not read)
    return total if 0 < total < 40 and _to_roman(total) == text else None


def _to_roman(number: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out += letters
            number -= value
    return out


def _number(values: Iterable[Decimal], span: tuple[int, int], soft: bool = False) -> Quantity:
    values = tuple(dict.fromkeys(values))
    return Quantity("number", _decimal_text(values[0]), values, soft, span)


def _date(readings: Sequence[tuple[int, int, int]], span: tuple[int, int]) -> Quantity:
    year, month, day = readings[0]
    if not year and not day:
        text = f"--{month:02d}"
    elif year and day:
        text = f"{year:04d}-{month:02d}-{day:02d}"
    elif day:
        text = f"--{month:02d}-{day:02d}"
    else:
        text = f"{year:04d}-{month:02d}"
    return Quantity("date", text, tuple(dict.fromkeys(readings)), False, span)


def _time(hour: int, minute: int, span: tuple[int, int]) -> Quantity:
    return Quantity("time", f"{hour:02d}:{minute:02d}", ((hour, minute),), False, span)


def _decade(year: int, span: tuple[int, int], soft: bool = False) -> Quantity:
    text = f"{year}s" if year >= 100 else f"{year:02d}s"
    return Quantity("decade", text, (year,), soft, span)


def _month(name: str, lang: str) -> int | None:
    key = name.lower().rstrip(".")
    if key in _CAPITALISED_MONTHS and key not in FR_MONTHS and not name[0].isupper():
        return None
    if lang == "en" and key == "mars" and name[0].isupper():
        return None  # the planet
    return MONTHS.get(key)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 50 else 1900
    return year


class _Spans:
    """Character spans already read, so that later patterns skip them."""

    def __init__(self) -> None:
        self.taken: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self.taken)

    def take(self, start: int, end: int) -> None:
        self.taken.append((start, end))


def quantities(text: str, lang: str = "fr") -> list[Quantity]:
    """The numbers, dates, times and decades of a text, in text order.

    Read in this order, each character belonging to one quantity at most: numeric dates
    (``14/12/2011``, ``14.12.2011``, ``2011-12-14``; English d/m and m/d both kept when
    ambiguous), dates with a month name (``1er décembre 2011``, ``mardi 3 mai``, ``December 14,
    2011``, ``the 20th of December``, ``octobre 2012``; weekdays are ignored), times (``15h30``,
    ``15 h 30``, ``21 heures``, ``9pm``, ``3:30 p.m.``, ``15:30``, ``9 o'clock``), decades
    (``années 1990``, ``années 80``, ``1990s``, ``'90s``, ``90's``), Roman ordinals in French
    (``XIXe``), numbers with digits (``1 500``, ``1,5``, ``3e``, ``14th``, with a scale word:
    ``1,5 million``, ``2 millions et demi``, ``€1.5bn``, ``12 milles``) and last numbers in
    words (soft: ``three``, ``twenty-five``, ``a million``, ``dix``, ``une vingtaine``,
    ``Eighties``). Signs and units are dropped ("-5 °C" is 5, "15 %" is 15).

    Args:
        text: The text.
        lang: ``fr`` or ``en``: which number words, scale words and date orders to read.

    Returns:
        The quantities found.
    """
    spans = _Spans()
    found: list[Quantity] = []

    def add(quantity: Quantity | None, start: int, end: int) -> None:
        if quantity is not None:
            found.append(quantity)
        spans.take(start, end)

    for match in (_IDIOM_FR if lang == "fr" else _IDIOM_EN).finditer(text):
        numbers = [Decimal(n) for n in re.findall(r"\d+", match[0])]
        if lang == "en" and not numbers:
            numbers = [Decimal(7)] if "seven" in match[0].lower() else []
        for value in dict.fromkeys(numbers):
            found.append(_number([value], match.span(), soft=True))
        spans.take(*match.span())
    if lang == "fr":
        for match in _EVENT_FR.finditer(text):
            year = 1900 + int(match["y"])
            found.append(_number([Decimal(match["y"]), Decimal(year)], match.span(), soft=True))
            found.append(replace(_date([(year, _month(match["month"], lang) or 5, 0)],
                                       match.span()), soft=True))
            spans.take(*match.span())
    lists = [_DAYS_THEN_MONTH] if lang == "fr" else [_DAYS_THEN_MONTH, _MONTH_THEN_DAYS]
    for pattern in lists:
        for match in pattern.finditer(text):
            month = _month(match["month"], lang)
            if month is None or not spans.free(*match.span()):
                continue
            year = int(match["y"]) if match["y"] else 0
            for day in re.finditer(r"\d+", match["days"]):
                start = match.start("days") + day.start()
                add(_date([(year, month, int(day[0]))], (start, start + len(day[0]))),
                    start, start + len(day[0]))
            spans.take(*match.span())
    for match in (_NOON_FR if lang == "fr" else _NOON_EN).finditer(text):
        if spans.free(*match.span("w")):
            hour = 0 if match["w"].lower() in ("minuit", "midnight") else 12
            add(_time(hour, 0, match.span()), *match.span())
    for match in _ISO_DATE.finditer(text):
        y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
        if 1 <= m <= 12 and 1 <= d <= 31:
            add(_date([(y, m, d)], match.span()), *match.span())
    for match in _NUMERIC_DATE.finditer(text):
        if not spans.free(*match.span()):
            continue
        a, b, y = int(match["a"]), int(match["b"]), _year(match["y"])
        if match["sep"] == "." and len(match["y"]) == 2:
            continue  # "1.5.10": a version, not a date
        day_first = [(y, b, a)] if 1 <= b <= 12 and 1 <= a <= 31 else []
        month_first = [(y, a, b)] if lang == "en" and 1 <= a <= 12 and 1 <= b <= 31 else []
        # French reads day/month; English keeps both readings, the US one first
        readings = day_first if lang == "fr" else month_first + day_first
        if readings:
            add(_date(readings, match.span()), *match.span())
    for pattern in (_DATE_DAY_FIRST, _DATE_MONTH_FIRST, _DATE_MONTH_YEAR):
        if lang == "fr" and pattern is _DATE_MONTH_FIRST:
            continue  # "décembre 12" is not French for a date
        for match in pattern.finditer(text):
            if not spans.free(*match.span()):
                continue
            month = _month(match["month"], lang)
            if month is None:
                continue
            groups = match.groupdict()
            day = int(groups.get("d") or 0)
            year = groups.get("y") or groups.get("y2")
            add(_date([(int(year) if year else 0, month, day)], match.span()), *match.span())
    for match in _MONTH_ALONE.finditer(text):
        name = match.group()
        month = (FR_FULL_MONTHS if lang == "fr" else EN_FULL_MONTHS).get(name.lower())
        if month is None or not spans.free(*match.span()):
            continue
        if lang == "en" and not name[0].isupper():
            continue  # "may", "march": words
        if lang == "fr" and name == "Mars":
            continue  # the planet
        before = text[:match.start()].rstrip()
        previous = re.search(r"\b([A-Z][\w'’-]*)$", before)
        if lang == "en" and name == "May" and (not before or before[-1] in ".!?\"“" or (
                previous and fold(previous.group(1)) not in EN_STOPWORDS)):
            continue  # "May I", "Theresa May"
        add(_date([(0, month, 0)], match.span()), *match.span())
    time_patterns = ([_TIME_FR, _TIME_COLON] if lang == "fr"
                     else [_TIME_AMPM, _TIME_COLON, _TIME_OCLOCK, _TIME_FR])
    for pattern in time_patterns:
        for match in pattern.finditer(text):
            if not spans.free(*match.span()):
                continue
            hour, minute = int(match["h"]), int(match.groupdict().get("m") or 0)
            ampm = match.groupdict().get("ap")
            if ampm == "p" and hour < 12:
                hour += 12
            elif ampm == "a" and hour == 12:
                hour = 0
            if pattern is _TIME_FR and lang == "en" and "heure" not in match[0] and (
                    match.groupdict().get("m") is None):
                continue  # English "5 h" is rare; "5h" alone may be anything
            add(_time(hour, minute, match.span()), *match.span())
    for match in (_DECADE_FR if lang == "fr" else _DECADE_EN).finditer(text):
        if spans.free(*match.span()):
            add(_decade(int(match["y"]), match.span()), *match.span())
    if lang == "fr":
        for match in _REGNAL_FR.finditer(text):
            value = _roman(match["roman"])
            if value is not None and spans.free(*match.span("roman")):
                add(_number([Decimal(value)], match.span("roman"), soft=True),
                    *match.span("roman"))
        for match in _ROMAN.finditer(text):
            value = _roman(match["roman"])
            if value is not None and spans.free(*match.span()):
                add(_number([Decimal(value)], match.span()), *match.span())
    scales = FR_SCALES if lang == "fr" else SCALES
    for match in _NUMBER.finditer(text):
        start = match.start()
        if not spans.free(start, match.end("num")):
            continue
        suffix = (match["suffix"] or "").lower()
        scale, both = 1, False
        end = match.end("num")
        if suffix:
            if suffix in scales:
                scale = scales[suffix]
            elif suffix in ("m", "k") and (_after_currency(text, start) or lang == "en"):
                # "$3m", "1.7m people" (or 1.7 metres: both readings kept), "€50k"
                scale = 10**6 if suffix == "m" else 10**3
                both = not _after_currency(text, start)
            elif suffix not in _UNIT_SUFFIXES and suffix not in _ORDINAL_SUFFIXES and not (
                    suffix == "s" and lang == "en"):
                continue  # a code: "A380", "3D"
            end = match.end("suffix")
        if scale == 1 and match["scale"] and not suffix:
            word = match["scale"]
            lowered = word.lower()
            if lowered in scales and (word.islower() or lowered in {"md", "mds", "mrd", "bn"}
                                      or word in {"Md", "Mds", "Mrd"}):
                scale = scales[lowered]
                end = match.end("half") if match["half"] else match.end("scale")
            elif word == "M" and re.match(r"\s?(?:€|\$|£|d['’]|de\s)", text[match.end():]):
                scale = 10**6
                end = match.end("scale")
        readings = read_number(match["num"])
        if not readings:
            continue
        if both:
            add(_number([r * scale for r in readings] + readings, (start, end)), start, end)
            continue
        if match["half"] and scale > 1 and end == match.end("half"):
            readings = [r + Decimal("0.5") for r in readings]
        add(_number([r * scale for r in readings], (start, end)), start, end)
    found.extend(_number_words(text, lang, spans))
    return sorted(found, key=lambda q: q.span)


def _after_currency(text: str, start: int) -> bool:
    return bool(re.search(r"[$€£¥]\s?$", text[max(0, start - 2):start]))


def _number_words(text: str, lang: str, spans: _Spans) -> list[Quantity]:
    """Numbers written in words, soft: "three", "twenty-five", "two hundred", "a million",
    "dix", "vingt et un", "deux milliards", "une vingtaine", "Eighties"."""
    units = EN_UNITS if lang == "en" else FR_UNITS
    ordinals = EN_ORDINALS if lang == "en" else FR_ORDINALS
    scales = SCALES if lang == "en" else FR_SCALES
    hundred = "hundred" if lang == "en" else "cent"
    joiners = {"and"} if lang == "en" else {"et"}
    ones = {"a", "one"} if lang == "en" else {"un", "une"}
    found: list[Quantity] = []
    words = [(m.group().lower(), m.start(), m.end()) for m in re.finditer(r"[^\W\d_]+", text)]
    i = 0
    while i < len(words):
        word, start, end = words[i]
        if not spans.free(start, end):
            i += 1
            continue
        if lang == "en" and word in EN_DECADES:
            found.append(_decade(EN_DECADES[word], (start, end), soft=True))
            i += 1
            continue
        if lang == "fr" and word.rstrip("s") in FR_ROUGHLY:
            found.append(_number([Decimal(FR_ROUGHLY[word.rstrip("s")])], (start, end), True))
            i += 1
            continue
        if word in ordinals:
            found.append(_number([Decimal(ordinals[word])], (start, end), True))
            i += 1
            continue
        total, current, j, seen, last_scale = Decimal(0), Decimal(0), i, False, 1
        last_end = end
        while j < len(words):
            w, w_start, w_end = words[j]
            if j > i and text[words[j - 1][2]:w_start].strip(" -\u00a0") != "":
                break  # "three, four": two numbers
            nxt = words[j + 1][0] if j + 1 < len(words) else ""
            if lang == "fr" and w == "quatre" and nxt.startswith("vingt"):
                current += 80
                j += 2
                last_end = words[j - 1][2]
                seen = True
                continue
            if w in units:
                current += units[w]
            elif w in ones and (nxt in scales or nxt in {hundred, "cents"} or (
                    seen and words[j - 1][0] in joiners)):
                current += 1
            elif w in {hundred, "cents"}:
                current = (current or 1) * 100
            elif w in scales and w not in {"bn", "mn", "mln", "md", "mds", "mrd", "mrds"}:
                if not seen:
                    break
                total += (current or 1) * scales[w]
                last_scale = scales[w]
                current = Decimal(0)
            elif w in joiners and seen and (
                    (lang == "en" and (total or current >= 100) and nxt in units)
                    or (lang == "fr" and nxt in {"un", "une", "onze"})
                    or nxt in {"a", "half", "demi", "demie"}):
                if nxt in {"a", "half", "demi", "demie"}:
                    # "two and a half million", "deux millions et demi"
                    k = j + (2 if nxt == "a" else 1)
                    if k < len(words) and words[k][0] in {"half", "demi", "demie"}:
                        if total and not current:
                            total += Decimal(last_scale) / 2
                        else:
                            current += Decimal("0.5")
                        last_end = words[k][2]
                        j = k + 1
                        continue
                j += 1
                continue
            else:
                break
            seen = True
            last_end = w_end
            j += 1
        if seen and j > i:
            value = total + current
            if value or words[i][0] in {"zero", "zéro"}:
                found.append(_number([value], (start, last_end), soft=True))
            i = j
        else:
            i += 1
    return found


def _scale_free(value: Decimal) -> Decimal:
    """The value with factors of 1000 taken off: 12000 and 12 and 0.012 all give 12."""
    value = abs(value)
    if value == 0:
        return value
    while value % 1000 == 0:
        value /= 1000
    while value < 1 and value * 1000 == (value * 1000).to_integral_value():
        value *= 1000
    return value.normalize()


def _compatible(a: Quantity, b: Quantity, loose: bool) -> bool:
    """Whether two quantities can be the same one; ``loose`` allows the weaker readings."""
    if a.kind > b.kind:
        a, b = b, a
    if a.kind == b.kind == "number":
        if set(a.values) & set(b.values):
            return True
        return loose and bool({_scale_free(v) for v in a.values}
                              & {_scale_free(v) for v in b.values})
    if a.kind == b.kind == "date":
        for x in a.values:
            for y in b.values:
                if x == y:
                    return True
                if loose and x[1] == y[1] and all(
                        p == q or not p or not q for p, q in zip(x, y, strict=True)):
                    return True
        return False
    if a.kind == b.kind == "time":
        (h1, m1), (h2, m2) = a.values[0], b.values[0]
        # the 12-hour clock reads 9:00 as 21:00, but never noon as midnight
        return (h1, m1) == (h2, m2) or (loose and m1 == m2 and h1 % 12 == h2 % 12
                                        and {h1 % 24, h2 % 24} != {0, 12})
    if a.kind == b.kind == "decade":
        return a.values[0] % 100 == b.values[0] % 100
    if (a.kind, b.kind) == ("decade", "number"):
        decade = a.values[0]
        return any(v == decade or (v == decade % 100) or (
            v >= 1000 and v % 100 == decade % 100 and decade < 100) for v in b.values)
    if (a.kind, b.kind) == ("number", "time") and loose:
        hour, minute = b.values[0]
        options = {Decimal(hour) + Decimal(minute) / 60, Decimal(hour) + Decimal(minute) / 100}
        if minute == 0:
            options |= {Decimal(hour), Decimal(hour % 12 or 12)}
        return bool(options & set(a.values))
    if (a.kind, b.kind) == ("date", "number") and loose:
        # "novembre 1954" against "in 1954": a month and year read as the year alone
        return any(not day and year and Decimal(year) in b.values for year, _, day in a.values)
    return False


def match_quantities(expected: Sequence[Quantity],
                     found: Sequence[Quantity]) -> tuple[list[Quantity], list[Quantity]]:
    """Pair the quantities of two texts; return those of each side left without a partner.

    Pairs are made greedily, best first: equal values between quantities written in digits,
    then with a quantity in words, then loose readings (a number equal up to a factor of 1000:
    "12 et 16 milles" against "12,000 to 16,000"; a date with a part missing on one side:
    "le 20 décembre" against "December 20, 2012"; a time read on the 12-hour clock: "21 heures"
    against "9 o'clock"; an hour as a number: "1h30" against "1.5 hours"). Two soft quantities
    are never paired, and a soft quantity left over is not reported.

    Args:
        expected: The quantities of one text (the source).
        found: The quantities of the other (the translation).

    Returns:
        (missing, extra): the quantities in digits of ``expected`` that ``found`` lacks, and
        those of ``found`` that ``expected`` lacks.
    """
    used_a = [False] * len(expected)
    used_b = [False] * len(found)
    for loose in (False, True):
        for allow_soft in (False, True):
            for i, a in enumerate(expected):
                if used_a[i]:
                    continue
                for j, b in enumerate(found):
                    if used_b[j] or (a.soft and b.soft):
                        continue
                    if not allow_soft and (a.soft or b.soft):
                        continue
                    if _compatible(a, b, loose):
                        used_a[i] = used_b[j] = True
                        break
    missing = [q for q, used in zip(expected, used_a, strict=True) if not used and not q.soft]
    extra = [q for q, used in zip(found, used_b, strict=True) if not used and not q.soft]
    return missing, extra


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------

#: Groups of names that stand for one another across French and English (accents and case do
#: not matter). The first spelling of each group is the French one.
EQUIVALENTS: tuple[tuple[str, ...], ...] = (
    ("allemagne", "germany", "german", "germans"),
    ("londres", "london"),
    ("etats-unis", "états-unis", "etats unis", "united states", "us", "u.s.", "usa", "america",
     "american", "americans", "washington"),
    ("amerique", "amérique", "america", "americas", "american"),
    ("onu", "un", "u.n.", "united nations", "nations unies"),
    ("ue", "eu", "european union", "union européenne", "europe", "european"),
    ("royaume-uni", "united kingdom", "uk", "u.k.", "britain", "british", "england"),
    ("grande-bretagne", "great britain", "britain", "british", "uk"),
    ("angleterre", "england", "english", "britain", "british"),
    ("chine", "china", "chinese"), ("espagne", "spain", "spanish"),
    ("italie", "italy", "italian"), ("russie", "russia", "russian", "russians"),
    ("pékin", "pekin", "beijing", "peking"), ("moscou", "moscow"), ("bruxelles", "brussels"),
    ("algérie", "algeria", "algerian"), ("alger", "algiers"), ("maroc", "morocco", "moroccan"),
    ("grèce", "greece", "greek"), ("syrie", "syria", "syrian"), ("irak", "iraq", "iraqi"),
    ("japon", "japan", "japanese"), ("mexique", "mexico", "mexican"),
    ("brésil", "brazil", "brazilian"), ("inde", "india", "indian"),
    ("égypte", "egypte", "egypt", "egyptian"), ("le caire", "caire", "cairo"),
    ("turquie", "turkey", "turkish"), ("suisse", "switzerland", "swiss"),
    ("belgique", "belgium", "belgian"), ("pays-bas", "netherlands", "holland", "dutch"),
    ("hollande", "holland", "netherlands", "dutch"), ("québec", "quebec"),
    ("afrique", "africa"), ("autriche", "austria"), ("tchéquie", "czech republic", "czechia"),
    ("république tchèque", "czech republic"), ("pologne", "poland"), ("suède", "sweden"),
    ("norvège", "norway"), ("danemark", "denmark"), ("finlande", "finland"),
    ("hongrie", "hungary"), ("roumanie", "romania"), ("bulgarie", "bulgaria"),
    ("croatie", "croatia"), ("serbie", "serbia"), ("slovaquie", "slovakia"),
    ("slovénie", "slovenia"), ("lituanie", "lithuania"), ("lettonie", "latvia"),
    ("estonie", "estonia"), ("biélorussie", "belarus"), ("irlande", "ireland"),
    ("écosse", "ecosse", "scotland"), ("islande", "iceland"), ("libye", "libya"),
    ("liban", "lebanon"), ("tunisie", "tunisia"), ("mauritanie", "mauritania"),
    ("tchad", "chad"), ("sénégal", "senegal"), ("côte d'ivoire", "ivory coast"),
    ("cameroun", "cameroon"), ("éthiopie", "ethiopia"), ("somalie", "somalia"),
    ("nigéria", "nigeria"), ("afrique du sud", "south africa"), ("tanzanie", "tanzania"),
    ("arabie saoudite", "saudi arabia"), ("arabie", "arabia", "saudi"),
    ("jordanie", "jordan"), ("cisjordanie", "west bank"), ("koweït", "koweit", "kuwait"),
    ("émirats", "emirates", "uae"), ("corée", "coree", "korea"), ("indonésie", "indonesia"),
    ("malaisie", "malaysia"), ("thaïlande", "thailand"), ("australie", "australia"),
    ("nouvelle-zélande", "new zealand"), ("argentine", "argentina"), ("chili", "chile"),
    ("colombie", "colombia"), ("pérou", "peru", "peruvian"), ("bolivie", "bolivia"),
    ("équateur", "ecuador"), ("vénézuéla", "venezuela"), ("haïti", "haiti"),
    ("cuba", "cuban"), ("israël", "israel"), ("palestine", "palestinian"),
    ("jérusalem", "jerusalem"), ("genève", "geneva"), ("vienne", "vienna"),
    ("varsovie", "warsaw"), ("athènes", "athens"), ("lisbonne", "lisbon"),
    ("venise", "venice"), ("florence", "florence"), ("naples", "naples"), ("milan", "milan"),
    ("munich", "munich"), ("cologne", "cologne"), ("edimbourg", "edinburgh"),
    ("copenhague", "copenhagen"), ("bucarest", "bucharest"), ("la haye", "the hague", "hague"),
    ("anvers", "antwerp"), ("la nouvelle-orléans", "nouvelle-orléans", "new orleans"),
    ("nouvelle-delhi", "new delhi", "delhi"), ("bombay", "mumbai"),
    ("saint-pétersbourg", "st petersburg", "st. petersburg", "saint petersburg", "petersburg"),
    ("pétersbourg", "petersburg"), ("otan", "nato"), ("fmi", "imf"),
    ("oms", "who", "world health organization"), ("ocde", "oecd"), ("bce", "ecb"),
    ("opep", "opec"), ("pib", "gdp", "gross domestic product", "economy"),
    ("pnb", "gnp", "gross national product"), ("tva", "vat", "value added tax", "sales tax"),
    ("pme", "sme", "smes", "small businesses", "small business", "small firms",
     "small companies", "small and medium-sized enterprises", "small and medium enterprises",
     "small and medium-sized businesses", "small and medium-sized companies"),
    ("smic", "minimum wage"), ("hlm", "social housing", "council housing", "public housing"),
    ("sdf", "homeless"), ("ivg", "abortion", "abortions"), ("bac", "baccalaureate"),
    ("ps", "socialist party", "socialists", "socialist"), ("fn", "national front"),
    ("rn", "national rally"), ("sncf", "french railways", "rail operator"),
    ("al-qaïda", "al-qaida", "al qaida", "al-qaeda", "al qaeda", "qaeda"),
    ("aqmi", "aqim"), ("corse", "corsica"), ("bretagne", "brittany"),
    ("normandie", "normandy"), ("bourgogne", "burgundy"), ("savoie", "savoy"),
    ("alpes", "alps"), ("méditerranée", "mediterranean"), ("atlantique", "atlantic"),
    ("pacifique", "pacific"), ("manche", "channel"), ("tamise", "thames"), ("rhin", "rhine"),
    ("maison-blanche", "maison blanche", "white house"), ("élysée", "elysee", "elysée"),
    ("vatican", "vatican", "holy see"), ("saint-siège", "holy see", "vatican"),
    ("terre sainte", "holy land"), ("noël", "christmas"), ("pâques", "easter"),
    ("mondial", "world cup"), ("jeux olympiques", "olympic", "olympics"),
    ("sahel", "sahel"), ("maghreb", "maghreb"), ("proche-orient", "middle east", "near east"),
    ("moyen-orient", "middle east"), ("extrême-orient", "far east"),
    ("amérique latine", "latin america"), ("amérique du sud", "south america"),
    ("amérique du nord", "north america"), ("asie", "asia", "asian"),
    ("océanie", "oceania"), ("antarctique", "antarctica", "antarctic"),
    ("arctique", "arctic"), ("sibérie", "siberia"), ("tchétchénie", "chechnya"),
    ("ukraine", "ukraine", "ukrainian"), ("géorgie", "georgia"), ("arménie", "armenia"),
    ("ouzbékistan", "uzbekistan"), ("tadjikistan", "tajikistan"),
    ("kazakhstan", "kazakhstan"), ("afghanistan", "afghan"), ("pakistan", "pakistani"),
    ("iran", "iranian"), ("mali", "malian"), ("france", "french"), ("paris", "parisian"),
    ("europe", "european", "eu"), ("canada", "canadian"), ("bohême", "bohemia"),
    ("moravie", "moravia"), ("silésie", "silesia"), ("prague", "prague", "praha"),
    ("brno", "brno"), ("bavière", "bavaria"), ("saxe", "saxony"), ("prusse", "prussia"),
    ("judée", "judea", "judean"), ("mer morte", "dead sea"), ("terre promise",
                                                             "promised land", "holy land"),
    ("catalogne", "catalonia", "catalan"), ("andalousie", "andalusia"),
    ("porto rico", "puerto rico"), ("nouvelle-calédonie", "new caledonia"),
    ("guadeloupe", "guadeloupe"), ("martinique", "martinique"), ("réunion", "reunion"),
    ("dieu", "god"), ("allah", "allah", "god"), ("bible", "bible"), ("coran", "koran", "quran"),
    ("pape", "pope"), ("jésus", "jesus"), ("christ", "christ"), ("téhéran", "tehran"),
    ("kaboul", "kabul"), ("nil", "nile"), ("tchécoslovaquie", "czechoslovakia"),
    ("sardaigne", "sardinia"), ("sicile", "sicily"), ("azerbaïdjan", "azerbaijan"),
    ("bakou", "baku"), ("kirghizie", "kirghizia", "kyrgyzstan"), ("habsbourg", "habsburg",
                                                                  "hapsburg"),
    ("mahomet", "muhammad", "mohammed", "prophet"), ("netanyahou", "netanyahu"),
    ("moubarak", "mubarak"), ("kadhafi", "gaddafi", "qaddafi", "kadhafi"),
    ("pouchkine", "pushkin"), ("ormuz", "hormuz"), ("golfe", "gulf"), ("douma", "duma"),
    ("sion", "zion"), ("forêt-noire", "black forest"), ("jourdain", "jordan"), ("noé", "noah"),
    ("pilate", "pilate"), ("tolstoï", "tolstoy"), ("dostoïevski", "dostoevsky"),
    ("tchekhov", "chekhov"), ("staline", "stalin"), ("lénine", "lenin"),
    ("eltsine", "yeltsin"), ("khrouchtchev", "khrushchev"), ("gorbatchev", "gorbachev"),
    ("poutine", "putin"), ("medvedev", "medvedev"), ("mandela", "mandela"),
    ("antiquité", "antiquity"), ("renaissance", "renaissance"), ("moyen âge", "middle ages"),
    ("ramadan", "ramadan"), ("hanoukka", "hanukkah"),
    ("singapour", "singapore", "singaporean"), ("caraïbes", "caribbean"),
    ("caucase", "caucasus", "caucasian"), ("tv", "television", "tv"),
    ("net", "internet", "online", "web", "net"), ("haye", "hague"),
    ("norvège", "norway", "norwegian"), ("suède", "sweden", "swedish"),
    ("danemark", "denmark", "danish"), ("finlande", "finland", "finnish"),
    ("pologne", "poland", "polish"), ("autriche", "austria", "austrian"),
    ("hongrie", "hungary", "hungarian"), ("roumanie", "romania", "romanian"),
    ("portugal", "portugal", "portuguese"), ("irlande", "ireland", "irish"),
    ("écosse", "scotland", "scottish"), ("pays de galles", "wales", "welsh"),
    ("libye", "libya", "libyan"), ("liban", "lebanon", "lebanese"),
    ("tunisie", "tunisia", "tunisian"), ("israël", "israel", "israeli"),
    ("turquie", "turkey", "turkish"), ("chine", "china", "chinese"),
    ("corée", "korea", "korean"), ("vietnam", "vietnam", "vietnamese"),
    ("argentine", "argentina", "argentinian", "argentine"), ("chili", "chile", "chilean"),
    ("colombie", "colombia", "colombian"), ("venezuela", "venezuela", "venezuelan"),
    ("cuba", "cuba", "cuban"), ("australie", "australia", "australian"),
    ("afghanistan", "afghanistan", "afghan"), ("arabie saoudite", "saudi arabia", "saudi"),
    ("rfa", "germany", "west germany", "frg"), ("rda", "east germany", "gdr"),
    ("urss", "ussr", "soviet union", "soviet"), ("ukraine", "ukraine", "ukrainian"),
)
#: French demonyms and group names (after removing plural and feminine endings) and English
#: words that stand for them.
DEMONYMS = {
    "francais": ("french", "france"), "allemand": ("german",), "americain": ("american", "us"),
    "britannique": ("british", "briton", "uk", "britain"), "anglais": ("english", "british"),
    "espagnol": ("spanish", "spaniard", "spain"), "italien": ("italian",),
    "russe": ("russian", "russia"), "chinois": ("chinese", "china"),
    "japonais": ("japanese", "japan"), "europeen": ("european", "europe", "eu"),
    "africain": ("african", "africa"), "algerien": ("algerian", "algeria"),
    "marocain": ("moroccan", "morocco"), "tunisien": ("tunisian",), "malien": ("malian", "mali"),
    "syrien": ("syrian", "syria"), "irakien": ("iraqi", "iraq"), "iranien": ("iranian", "iran"),
    "israelien": ("israeli", "israel"), "palestinien": ("palestinian", "palestine"),
    "egyptien": ("egyptian", "egypt"), "turc": ("turkish", "turk", "turkey"),
    "grec": ("greek", "greece"), "suisse": ("swiss", "switzerland"),
    "belge": ("belgian", "belgium"), "neerlandais": ("dutch", "netherlands"),
    "hollandais": ("dutch", "holland"), "quebecois": ("quebec", "quebecer", "quebecker"),
    "canadien": ("canadian", "canada"), "mexicain": ("mexican", "mexico"),
    "bresilien": ("brazilian", "brazil"), "indien": ("indian", "india"),
    "autrichien": ("austrian", "austria"), "tcheque": ("czech",), "polonais": ("polish", "pole"),
    "ukrainien": ("ukrainian", "ukraine"), "portugais": ("portuguese", "portugal"),
    "suedois": ("swedish", "swede", "sweden"), "norvegien": ("norwegian", "norway"),
    "danois": ("danish", "dane", "denmark"), "finlandais": ("finnish", "finn", "finland"),
    "hongrois": ("hungarian", "hungary"), "roumain": ("romanian", "romania"),
    "serbe": ("serbian", "serb", "serbia"), "croate": ("croatian", "croat", "croatia"),
    "libyen": ("libyan", "libya"), "libanais": ("lebanese", "lebanon"),
    "afghan": ("afghan", "afghanistan"), "pakistanais": ("pakistani", "pakistan"),
    "coreen": ("korean", "korea"), "vietnamien": ("vietnamese", "vietnam"),
    "argentin": ("argentinian", "argentine", "argentina"), "chilien": ("chilean", "chile"),
    "colombien": ("colombian", "colombia"), "venezuelien": ("venezuelan", "venezuela"),
    "cubain": ("cuban", "cuba"), "peruvien": ("peruvian", "peru"),
    "occidental": ("western", "west", "westerner"), "oriental": ("eastern", "east"),
    "musulman": ("muslim", "moslem", "islam", "islamic"), "chretien": ("christian",),
    "juif": ("jewish", "jew"), "arabe": ("arab", "arabic"), "islamiste": ("islamist",),
    "kurde": ("kurd", "kurdish"), "ecossais": ("scottish", "scot", "scotland"),
    "irlandais": ("irish", "ireland"), "gallois": ("welsh", "wales"),
    "australien": ("australian", "australia"), "slovaque": ("slovak", "slovakia"),
    "bulgare": ("bulgarian", "bulgaria"), "estonien": ("estonian",), "letton": ("latvian",),
    "lituanien": ("lithuanian",), "tadjik": ("tajik", "tajikistan"), "ouzbek": ("uzbek",),
    "tchetchene": ("chechen",), "georgien": ("georgian",), "armenien": ("armenian",),
    "sud-americain": ("south american",), "latino-americain": ("latin american",),
    "nord-americain": ("north american",), "asiatique": ("asian", "asia"),
    "saoudien": ("saudi",), "qatari": ("qatari", "qatar"), "emirati": ("emirati", "uae"),
    "nigerian": ("nigerian", "nigeria"), "senegalais": ("senegalese",),
    "ivoirien": ("ivorian", "ivory coast"), "camerounais": ("cameroonian",),
    "congolais": ("congolese",), "haitien": ("haitian",), "parisien": ("parisian", "paris"),
    "londonien": ("londoner", "london"), "new-yorkais": ("new yorker", "new york"),
    "democrate": ("democrat", "democratic"), "republicain": ("republican", "gop"),
    "socialiste": ("socialist",), "communiste": ("communist",), "conservateur": ("conservative",
                                                                                "tory"),
    "travailliste": ("labour", "labor"), "ecologiste": ("green", "ecologist"),
    "catholique": ("catholic",), "protestant": ("protestant",), "sunnite": ("sunni",),
    "chiite": ("shia", "shiite", "shi'ite"), "taliban": ("taliban",),
    "europeenne": ("european",), "singapourien": ("singaporean", "singapore"),
    "hispanique": ("hispanic", "latino"),
}


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes made plain: "Pékin" -> "pekin"."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("œ", "oe")
                                 .replace("Œ", "Oe").replace("æ", "ae"))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _folded_set(words: str) -> frozenset[str]:
    return frozenset(fold(w) for w in words.split())


#: French words that start sentences or join words, capitalised at times but never names.
FR_STOPWORDS = _folded_set("""
le la les l un une des du de d et ou mais donc or ni car si comme que qu qui quoi dont où
ce cet cette ces c ça cela ceci celui celle ceux celles il ils elle elles on je j tu nous
vous me moi toi lui leur leurs mon ma mes ton ta tes son sa ses notre nos votre vos y en au
aux à a dans par pour sur sous avec sans chez vers entre contre selon après avant depuis
pendant lors dès jusqu malgré parmi outre hors quand lorsque puisque parce ainsi alors aussi
encore enfin cependant pourtant toutefois néanmoins désormais déjà ensuite puis bref
certes certains certaines plusieurs chaque chacun tout tous toute toutes aucun aucune autre
autres même mêmes quel quelle quels quelles quelque quelques tel telle tels telles non oui
ne pas plus moins très trop peu bien mal mieux ici là voici voilà hier aujourd demain
maintenant toujours jamais souvent parfois surtout notamment seulement seul seule seuls
ailleurs est sont était étaient sera seront ont avait avaient fut être avoir fait faire
monsieur madame mademoiselle messieurs mesdames m mm mme mmes mlle me dr dre pr mgr st ste
""")
#: Common nouns and adjectives that French capitalises inside names of institutions, places,
#: events and groups ("Ministère de l'Intérieur", "Musée d'Orsay", "Croix-Rouge", "les
#: Frères musulmans"): their English word differs, so they are not required, and a name
#: holding one is taken as translated word by word (half its other words are enough).
FR_NAME_NOUNS = _folded_set("""
état états gouvernement président présidente ministère ministre ministres premier première
assemblée sénat parlement conseil cour tribunal église internet web terre lune soleil nord sud
est ouest nord-est nord-ouest sud-est sud-ouest centre union république royaume bourse
constitution armée police justice sécurité santé éducation intérieur défense affaires
étrangères étrangers finances culture économie travail emploi agriculture environnement
transports parti ligue coupe championnat université institut musée fondation organisation
agence banque commission comité fédération association société compagnie groupe front
mouvement département région ville mairie conférence sommet déclaration traité accord loi
prix festival salon grand grande grands grandes saint sainte saints nouveau nouvelle haut haute
bas basse cité palais place rue avenue boulevard quartier général générale national nationale
nationaux international internationale européen européenne fédéral fédérale supérieur
supérieure office bureau direction directeur directrice service services autorité autorités
garde jeux olympiques olympique mondial mondiale monde jour an année siècle guerre révolution
populaire démocratique islamique unis unies nations frères frère soeurs sœur château
croix rouge noir noire blanc blanche vert verte bleu bleus morte mort mont monts montagne
mer océan lac fleuve rivière île îles golfe baie cap pont tour porte jardin jardins parc
plateau vallée forêt désert chambre chef roi reine prince princesse duc duchesse comte
empereur impératrice empire royal royale royaux impérial impériale procureur juge maître
docteur professeur capitaine colonel général amiral sergent lieutenant commandant maréchal
ambassadeur ambassade consul consulat patriarche évêque archevêque cardinal père mère
commissaire inspecteur gouverneur maire sénateur député secrétaire chancelier chancellerie
communauté développement commerce commercial commerciale commerciaux industrie valeurs
droit droits homme femme enfant enfants jeunesse liberté égalité fraternité patrie
académie école lycée collège hôpital clinique infirmerie laboratoire laboratoires
observatoire centre centrale central stade arène théâtre opéra galerie bibliothèque
archives journal magazine revue radio télévision chaîne prix trophée médaille ordre
légion honneur mérite réunion ordinaire congrès extraordinaire assemblée générale administration
institution unité transformation apprentissage tout-le-monde droite gauche
""")
#: Capitalised English words that are not names on their own (for summaries).
EN_STOPWORDS = _folded_set("""
the a an and or but so if as that this these those it its he she they we you i i'm i've
i'll i'd his her their our your my me him them us in on at by for with from to of about
after before since during over under into onto than then there here when where while who
whom whose which what why how not no yes all any each every some many most more much other
such also only just even still yet however meanwhile moreover furthermore although though
because until unless both either neither one two three mr mrs ms dr st prof sir madam
""")
EN_NAME_NOUNS = _folded_set("""
president prime minister government state states parliament senate congress house court
council ministry department university national international federal central north south
east west new old great grand saint institute museum party league union republic kingdom
""")
_TITLES = _folded_set("m mm mme mmes mlle me dr dre pr mgr st ste mr mrs ms prof gen sen rep "
                      "gov lt col capt sgt jr sr")
_CONNECTORS = _folded_set("de du des d la le l von van der den al el bin ben da di del dos y "
                          "of the &")
#: Endings that differ between a French word and its English cognate once accents are gone,
#: as (French, English) pairs: "ministère"/"ministry", "algérie"/"algeria",
#: "palestiniens"/"palestinians", "bible"/"biblical", "alexandre"/"alexander". Only these, so
#: that a misspelt name ("Gaza"/"Gazaa", "Marteau"/"Martea") is not taken for a cognate.
ENDING_PAIRS = frozenset(tuple(pair.split("/")) for pair in """
/s /n /an /ans /ian /ians /ic /ics /ese /ish /ism /ist /ists s/ s/s e/ e/s e/a e/y e/ic e/ical
e/ean e/eans e/an e/ans e/ed es/ es/s es/a es/ans ie/ia ie/y ie/ian ie/ians ie/ies ies/ias
ere/ry eres/ries ique/ic iques/ics ique/ical ique/y que/c ques/cs ee/y ee/ea ees/ies eur/or
eurs/ors eur/er eurs/ers ien/ian iens/ians ienne/ian iennes/ians en/an ens/ans ens/an enne/an
ennes/ans ain/an ains/ans aine/an aines/ans ais/ese aise/ese ais/ish aise/ish ois/ish ois/ese
ite/ity ites/ities isme/ism iste/ist istes/ists if/ive ifs/ives ale/al aux/als el/al elle/al
ire/ry ires/ries oire/ory oires/ories ine/in ine/n ine/an ine/ina ines/ins in/n ins/ns in/an
ins/ans o/a o/an our/ore ement/ment /e s/es es/s re/er e/us e/i e/o e/ia es/as es/an es/ic
que/can ire/rius e/le ue/o ia/e ine/na iy/y n/
""".split())
_ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu|quoiqu|presqu)['’](?=\w)",
                      re.IGNORECASE)
_NAME_TOKEN = re.compile(r"\w+(?:[-'’.&]\w+)*\.?")
_SENTENCE_GAP = re.compile(r"[.!?…:;«»\"“”„(\[—–•*]|^\s*[-–—]|\n")
#: A text is a heading in capitals when this share of its letters are upper case: then
#: capitals say nothing about names.
MAX_UPPER_SHARE = 0.6

_EQUIVALENT_INDEX: dict[str, set[str]] = {}
for _group in EQUIVALENTS:
    for _form in _group:
        _EQUIVALENT_INDEX.setdefault(fold(_form), set()).update(fold(f) for f in _group)


@dataclass(frozen=True)
class Name:
    """A proper name found in a text.

    Attributes:
        text: As written (a run of capitalised words: "Victor Baranets", "Musée d'Orsay").
        words: Its words that must show in the other text (folded, elision and possessive
            taken off); function words, generic nouns ("Musée"), months, weekdays, titles and
            sentence-initial words that no table knows are left out.
        kind: ``acronym`` (all capitals: "AQMI"), ``code`` (inner capitals or digits: "A6",
            "McDonald's") or ``word``.
        translated: A French name holding a generic noun ("Ministère de l'Intérieur"), so
            translated word by word: half of ``words`` found is enough.
        span: Where it is in the text (start, end).
    """

    text: str
    words: tuple[str, ...]
    kind: str = "word"
    translated: bool = False
    span: tuple[int, int] = field(default=(0, 0), compare=False)


@dataclass
class _Token:
    text: str  # elision and possessive taken off
    start: int
    end: int
    initial: bool  # at a sentence start
    gap: str  # the text between the previous token and this one


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    previous_end, previous = 0, ""
    for match in _NAME_TOKEN.finditer(text):
        raw, start, end = match.group(), match.start(), match.end()
        if raw.endswith(".") and not (len(raw) <= 5 and raw.count(".") > 1):
            raw, end = raw[:-1], end - 1  # a sentence end, not part of the word ("U.S." kept)
        gap = text[previous_end:start]
        initial = not tokens or bool(_SENTENCE_GAP.search(gap))
        if gap.strip() == "." and (fold(previous) in _TITLES
                                   or (len(previous) == 1 and previous.isupper())):
            initial = False  # "M. Obama", "George W. Bush"
        word, offset = raw, 0
        elided = _ELISION.match(raw)
        if elided:
            word, offset = raw[elided.end():], elided.end()
            initial = False  # "l'Algérie": capitalised after an elision, so a name
        if "-" in word and word[0].islower():
            parts = word.split("-")
            for k, part in enumerate(parts[1:], 1):
                if part[:1].isupper():  # "anti-Aqmi", "pro-Morsi"
                    cut = len("-".join(parts[:k])) + 1
                    word, offset, initial = word[cut:], offset + cut, False
                    break
        word = re.sub(r"['’]s$", "", word)
        tokens.append(_Token(word, start + offset, end, initial, gap))
        previous_end, previous = end, raw
    return tokens


def _is_upper_heading(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) >= MAX_UPPER_SHARE * len(
        letters)


def _kind(word: str) -> str | None:
    """``acronym``, ``code`` or ``word`` for a capitalised or coded word, None for others."""
    letters = [c for c in word if c.isalpha()]
    if not letters or re.fullmatch(r"\d+D", word):  # "3D" is a word, not a name
        return None
    plain = word.replace(".", "")
    if len(letters) >= 2 and all(c.isupper() for c in letters) and len(plain) <= 8 and (
            not any(c.isdigit() for c in plain)):
        return "acronym"
    if any(c.isdigit() for c in word) and any(c.isupper() for c in word):
        return "code"
    if any(a.islower() and b.isupper() for a, b in zip(word, word[1:], strict=False)):
        return "code"  # McDonald, iPhone, elPeriódico
    if word[0].isupper():
        return "word"
    return None


def _demonym(key: str) -> tuple[str, ...] | None:
    """The English words for a folded French demonym, plural and feminine forms included."""
    for stem in (key, key.removesuffix("s")):
        for candidate in (stem, stem.removesuffix("e"), stem.removesuffix("ne"),
                          stem.removesuffix("que") + "c", stem.removesuffix("aux") + "al"):
            if candidate in DEMONYMS:
                return DEMONYMS[candidate]
    return None


def _known(key: str) -> bool:
    return key in _EQUIVALENT_INDEX or _demonym(key) is not None


def _roman_like(word: str) -> bool:
    bare = re.sub(r"(?:e|er|ème|es|èmes|re)$", "", word)
    return bool(bare) and set(bare) <= set("IVX") and _roman(bare) is not None


def names(text: str, lang: str = "fr") -> list[Name]:
    """The proper names of a text, in order.

    A name is a run of capitalised words, separated by spaces only, and joined by connectors
    ("de", "du", "la", "von", "van", "al", "bin", "of"...; not "et", "and": "Obama and Merkel"
    are two names). A word of it counts (must show in
    the other text) when it is an acronym or a code, or a capitalised word that is not a
    function word (:data:`FR_STOPWORDS`, :data:`EN_STOPWORDS`), a generic noun
    (:data:`FR_NAME_NOUNS`, :data:`EN_NAME_NOUNS`), a month, a weekday, a title ("M.", "Dr"),
    a Roman numeral or a single letter, and that is not at a sentence start unless a table
    knows it (:data:`EQUIVALENTS`, :data:`DEMONYMS`). After an elision ("l'Algérie",
    "d'Obama") or a hyphen ("anti-Aqmi") a word is not at a sentence start. In a heading
    written in capitals only codes count.

    Args:
        text: The text.
        lang: ``fr`` or ``en``: which stoplists.

    Returns:
        The names with at least one word that counts.
    """
    stop = FR_STOPWORDS if lang == "fr" else EN_STOPWORDS
    generic = FR_NAME_NOUNS if lang == "fr" else EN_NAME_NOUNS
    heading = _is_upper_heading(text)
    found: list[Name] = []
    run: list[tuple[_Token, bool, str | None]] = []  # token, counts, kind (None: connector)

    def close() -> None:
        while run and not run[-1][1] and (run[-1][2] is None or fold(run[-1][0].text) in stop):
            run.pop()  # trailing connectors and function words
        while run and not run[0][1] and (run[0][2] is None or fold(run[0][0].text) in stop):
            run.pop(0)  # leading ones ("Les Frères", "Dans le Sud")
        words = tuple(dict.fromkeys(fold(t.text) for t, counts, _ in run if counts))
        if words:
            kinds = {k for _, counts, k in run if counts}
            kind = "acronym" if "acronym" in kinds else "code" if "code" in kinds else "word"
            translated = lang == "fr" and any(not counts and fold(t.text) in generic
                                              for t, counts, _ in run)
            start, end = run[0][0].start, run[-1][0].end
            found.append(Name(text[start:end], words, kind, translated, (start, end)))
        run.clear()

    for token in _tokens(text):
        word, key = token.text, fold(token.text)
        kind = _kind(word)
        if run and (token.initial or token.gap.strip() not in ("", "'", "’")):
            close()  # "Toutefois, Berlin": two runs
        if kind is None:
            if run and key in _CONNECTORS:
                run.append((token, False, None))
            else:
                close()
            continue
        counts = True
        if heading:
            counts = kind == "code"
        elif kind == "word":
            counts = not (key in stop or key in generic or len(word) < 2 or key in MONTHS
                          or key in WEEKDAYS or key in _TITLES or _roman_like(word)
                          or (token.initial and not _known(key)))
        elif kind == "acronym":
            counts = not (_roman_like(word) or key in _TITLES)
        run.append((token, counts, kind))
    close()
    return found


def text_words(text: str) -> tuple[set[str], str, set[str]]:
    """What :func:`name_found` looks in: the folded words of a text (elisions and possessives
    taken off, hyphenated words also split), the folded words joined by single spaces (for
    names of several words) and the text's acronyms (a plural "STIs" gives "STI")."""
    words: set[str] = set()
    acronyms: set[str] = set()
    tokens = _tokens(text)
    for token in tokens:
        key = fold(token.text)
        words.update({key, key.replace(".", "")})
        words.update(part for part in re.split(r"[-'.&]", key) if part)
        plain = token.text.replace(".", "")
        if re.fullmatch(r"[A-Z]{2,}s", plain):
            plain = plain[:-1]
        if len(plain) >= 2 and plain.isupper() and plain.isalpha():
            acronyms.add(plain)
    joined = " " + " ".join(fold(t.text).replace("-", " ") for t in tokens) + " "
    return words, joined, acronyms


def _sound(word: str) -> str:
    """A folded word with the spellings that French and English transcriptions of foreign
    names differ in made alike: "ou" = "u", "tch" = "ch" = "sh", "dj" = "j", "k" = "c",
    "y" = "i", "w" = "v", "ph" = "f" ("Khouchkadamov" = "Khushkadamov", "Victor" = "Viktor",
    "Valeriy" = "Valery"). Doubled letters stay: a doubled letter is a misspelling."""
    for old, new in (("ou", "u"), ("tch", "ch"), ("sch", "ch"), ("sh", "ch"), ("dj", "j"),
                     ("ck", "c"), ("k", "c"), ("y", "i"), ("w", "v"), ("ph", "f")):
        word = word.replace(old, new)
    return word


def _same_stem(a: str, b: str) -> bool:
    """The same word, or words that differ only in a French and an English ending
    (:data:`ENDING_PAIRS`): "ministere"/"ministry", "algerie"/"algeria", "bible"/"biblical"."""
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return a == b or (common >= 4 and 2 * common >= min(len(a), len(b))
                      and (a[common:], b[common:]) in ENDING_PAIRS)


def _has_form(form: str, words: set[str], joined: str) -> bool:
    """Whether an English form of a name shows in the text, with an English ending or not
    ("america" in "Latin American")."""
    form = form.replace("-", " ")
    if " " in form:
        return f" {form} " in joined or f" {form}s " in joined
    return (form in words or f"{form}s" in words
            or any(_same_stem(form, word) for word in words))


def word_found(word: str, kind: str, seen: tuple[set[str], str, set[str]]) -> bool:
    """Whether one folded name word shows in a text read by :func:`text_words`.

    Found: the word itself (a plural too); any spelling in its :data:`EQUIVALENTS` group or
    an English word of its :data:`DEMONYMS` entry; for a hyphenated word, its longest part; a
    word of the text with the same stem and a French and an English ending
    (:func:`_same_stem`, also after :func:`_sound`); for an acronym or a short word,
    an acronym of the text with the same letters in another order (OTAN/NATO, AQMI/AQIM).
    """
    words, joined, acronyms = seen
    if _has_form(word, words, joined):
        return True
    if any(_has_form(form, words, joined) for form in _EQUIVALENT_INDEX.get(word, ())):
        return True
    english = _demonym(word)
    if english and any(_has_form(form, words, joined) for form in english):
        return True
    if "-" in word:
        parts = sorted((p for p in word.split("-") if len(p) >= 4), key=len, reverse=True)
        if parts and word_found(parts[0], kind, seen):
            return True
    sound = _sound(word)
    if any(_same_stem(word, other) or _same_stem(sound, _sound(other)) for other in words):
        return True
    plain = word.replace(".", "").upper()
    if 2 <= len(plain) <= 6 and plain.isalpha():
        return any(sorted(a) == sorted(plain) for a in acronyms)
    return False


MAX_INITIALS = 8  # letters of the longest acronym read as initials


def _capital_initials(text: str) -> set[str]:
    """The initials of every run of 2 to :data:`MAX_INITIALS` capitalised words of a text
    ("Baloncesto Superior Nacional" gives "BS", "BSN", "SN"), connectors skipped: linear in the
    text (an all-capitals text is one long run)."""
    runs: set[str] = set()
    current: list[str] = []
    for word in [*re.findall(r"[^\W\d_][\w'-]*", text), "."]:
        if word[0].isupper():
            current.append(word[0])
        elif fold(word) in _CONNECTORS and current:
            continue
        else:
            for i in range(len(current)):
                for j in range(i + 2, min(i + MAX_INITIALS, len(current)) + 1):
                    runs.add("".join(current[i:j]))
            current = []
    return runs


def name_found(name: Name, text: str, seen: tuple[set[str], str, set[str]] | None = None,
               ) -> bool:
    """Whether ``name`` shows in ``text``: all its counting words (:func:`word_found`), or
    half of them for a name translated word by word (:attr:`Name.translated`). An acronym is
    also found as the initials of a run of capitalised words, in order or reversed ("BSN":
    "Baloncesto Superior Nacional").

    Args:
        name: A name of the other text.
        text: The text to look in.
        seen: ``text_words(text)``, when already computed.
    """
    seen = seen if seen is not None else text_words(text)
    whole = _EQUIVALENT_INDEX.get(fold(name.text), ())
    if any(_has_form(form, seen[0], seen[1]) for form in whole):
        return True  # "Côte d'Ivoire" = "Ivory Coast": the name as a whole has an equivalent
    initials: set[str] | None = None
    found = 0
    for word in name.words:
        if word_found(word, name.kind, seen):
            found += 1
            continue
        plain = word.replace(".", "").upper()
        if name.kind == "acronym" and plain.isalpha():
            initials = _capital_initials(text) if initials is None else initials
            if plain in initials or plain[::-1] in initials:
                found += 1
    needed = (len(name.words) + 1) // 2 if name.translated else len(name.words)
    return found >= needed
