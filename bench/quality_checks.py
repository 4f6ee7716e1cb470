"""Measure the translation and summary quality checks by corrupting good output on purpose.

    python bench/quality_checks.py [--src FILE --ref FILE] [--share 0.3] [--seed 13]
                                   [--json PATH] [--examples N]

Real machine-translation output cannot be produced offline, so the English reference stands in
for the system's output on the French source: it is, by construction, a good translation. For a
seeded random share of the segments one known error is injected, of a kind that applies to that
segment, and the truth is recorded:

- ``numbers``: a number (or a month name) that the source has too is changed in the translation:
  +1, x10, two digits swapped, or another month; expected flag ``numbers-changed``.
- ``names``: a proper name of the source (a capitalised word of 2+ letters, not at a sentence
  start, written alike in the source) is dropped, misspelt or replaced by another document's
  name; expected ``names-missing``.
- ``untranslated``: the translation is the French source itself; expected ``copied-source`` or
  ``not-english`` (either counts). Only sources of 4+ words: shorter ones (names, titles) are
  often legitimately left as they are.
- ``loops``: the last 3-5 words are appended 3-4 more times; expected ``repeated-ngram``.
- ``symbol-lines``: extra pairs whose source is a symbol-only line ("***", "•", "12 %") and whose
  translation is another reference sentence; expected ``invented-words``. As many clean
  controls (the symbol line "translated" as itself) are clean items for this check (the other
  checks' false-flag rates are over real segments only).

Summaries are checked per document: a clean "summary" is 2-3 consecutive reference sentences (the
first ones, then other windows), and each gets two corrupted copies, one with an invented number
(``invented-number``) and one with a name from another document (``invented-name``);
``summary_flags(summary, document's reference sentences, document's source text)`` judges them.

For each check: recall (corrupted items of its kind that it flags / corrupted items of its kind),
precision (its flags on items of its kind / all its flags, other corruptions included) and the
false-flag rate (clean items it flags / clean items; segments for segment checks, summaries for
summary checks). Test sets: WMT SGML (``<doc docid>`` / ``<seg id>``) or line-aligned plain text
(one segment per line; ``--doc-lines`` consecutive lines stand in for a document).

The checks come from :mod:`pipeline.quality` (imported only when the bench runs), so the
corruption generators and the arithmetic here can be tested with stand-in checkers.
"""

from __future__ import annotations

import argparse
import functools
import html
import json
import random
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "wmt-newstest2013-fren"
DEFAULT_SRC = DATA / "newstest2013-src.fr.sgm"
DEFAULT_REF = DATA / "newstest2013-ref.en.sgm"

#: A copied source shorter than this is often a legitimate copy (a name, an acronym, a title).
MIN_WORDS_UNTRANSLATED = 4
#: Symbol-only source lines (separators, bullets, a bare figure) for the ``symbol-lines`` pairs.
SYMBOL_LINES = ("***", "* * *", "—", "–", "•", "■", "…", "---", "#", "+++", "12 %", "(1)", "2.")
SUMMARY_WINDOWS = (2, 3)  # sentences per summary
CONTROL = "control"  # the method of a clean symbol-line control

#: Report row -> (the corruption kind it must catch, the flag names that count as catching it).
CHECKS: dict[str, tuple[str, frozenset[str]]] = {
    "numbers": ("numbers", frozenset({"numbers-changed"})),
    "names": ("names", frozenset({"names-missing"})),
    "untranslated": ("untranslated", frozenset({"copied-source", "not-english"})),
    "loops": ("loops", frozenset({"repeated-ngram"})),
    "symbol-lines": ("symbol-lines", frozenset({"invented-words"})),
    "summary-numbers": ("summary-numbers", frozenset({"invented-number"})),
    "summary-names": ("summary-names", frozenset({"invented-name"})),
}
SEGMENT_KINDS = ("numbers", "names", "untranslated", "loops")  # injected into real segments
SUMMARY_KINDS = ("summary-numbers", "summary-names")
#: Check -> (minimum recall, maximum false-flag rate).
TARGETS: dict[str, tuple[float, float]] = {
    "numbers": (0.9, 0.03),
    "untranslated": (0.9, 0.03),
    "symbol-lines": (0.9, 0.03),
    "loops": (0.9, 0.03),
    "names": (0.8, 0.05),
    "summary-numbers": (0.8, 0.05),
    "summary-names": (0.8, 0.05),
}

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")

# A number standing alone (not inside "G20" or "2nd"): digits with . or , groups or decimals.
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?!\w)")
# French also groups thousands with spaces: "1 000", "2 500 000".
_SPACED_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# What may stand between a sentence end and the next word: spaces, quotes, brackets, dashes.
_OPENERS = re.compile(r"[\"'“”«»‘’(\[\s—–-]*$")
# Abbreviations whose full stop ends no sentence ("M. Hollande", "Dr. Mount", "J. Smith").
_TITLE = re.compile(r"(?<!\w)(?:[A-Z]|M|Mr|Mrs|Ms|Dr|Mme|Mlle|Me|St|Pr|Prof|Gen|Sen|Rep|Gov"
                    r"|Jr|Sr|Lt|Col|Capt|Sgt|No|Vol|etc)\.$")


# --- reading ---------------------------------------------------------------------------------


Document = tuple[str, list[str]]  # (docid, segments)


def read_sgml(text: str) -> list[Document]:
    """``(docid, segments)`` for every ``<doc>`` of a WMT SGML file, entities unescaped."""
    docs = re.findall(r'<doc\b[^>]*?\b(?:doc)?id="([^"]*)"[^>]*>(.*?)</doc>', text, re.S)
    return [(docid, [html.unescape(seg).strip()
                     for seg in re.findall(r"<seg\b[^>]*>(.*?)</seg>", body, re.S)])
            for docid, body in docs]


def read_lines(text: str, doc_lines: int = 20, name: str = "lines") -> list[Document]:
    """One segment per line; runs of ``doc_lines`` consecutive lines stand in for documents."""
    lines = text.splitlines()
    return [(f"{name}:{start + 1}", [line.strip() for line in lines[start:start + doc_lines]])
            for start in range(0, len(lines), doc_lines)]


def read_test_file(path: Path, doc_lines: int = 20) -> list[Document]:
    """A test-set side, WMT SGML when the file has ``<seg>`` elements, plain lines otherwise."""
    text = path.read_text(encoding="utf-8-sig")
    if re.search(r"<seg\b", text):
        return read_sgml(text)
    return read_lines(text, doc_lines)


def read_pairs(src: Path, ref: Path, doc_lines: int = 20) -> list[tuple[str, list[str], list[str]]]:
    """``(docid, source segments, reference segments)``, matched by docid and checked for length."""
    sources, references = read_test_file(src, doc_lines), read_test_file(ref, doc_lines)
    by_id = dict(references)
    if len(sources) != len(references) or set(by_id) != {docid for docid, _ in sources}:
        raise ValueError(f"{src} and {ref} do not hold the same documents "
                         f"({len(sources)} and {len(references)})")
    pairs = []
    for docid, segments in sources:
        refs = by_id[docid]
        if len(refs) != len(segments):
            raise ValueError(f"document {docid}: {len(segments)} source segments in {src}, "
                             f"{len(refs)} reference segments in {ref}")
        pairs.append((docid, segments, refs))
    return pairs


# --- what text holds -------------------------------------------------------------------------


def digits(number: str) -> str:
    """A number's digits alone: "1,000" and "1 000" are both "1000", "3,5" and "3.5" "35"."""
    return re.sub(r"\D", "", number)


def number_digits(text: str) -> set[str]:
    """The digit strings of every number in ``text``, French space-grouped forms included."""
    found = {digits(m.group()) for m in _NUMBER.finditer(text)}
    return found | {digits(m.group()) for m in _SPACED_NUMBER.finditer(text)}


def at_sentence_start(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens the text or a sentence: only quotes, brackets, dashes
    and spaces stand between it and the start or a ., !, ?, : or ; (not a title's full stop)."""
    before = text[:_OPENERS.search(text[:start]).start()]  # type: ignore[union-attr]
    if not before or before[-1] in "!?:;…":
        return True
    return before[-1] == "." and not _TITLE.search(before)


def has_word(text: str, word: str) -> bool:
    """``word`` occurs in ``text`` as a whole word (case-sensitive)."""
    return word in text and re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def _inside(text: str, word: str) -> bool:
    """``word`` occurs in ``text`` as a whole word, at least once not opening a sentence."""
    if word not in text:
        return False
    return any(not at_sentence_start(text, m.start())
               for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text))


def names(translation: str, source: str) -> list[str]:
    """Proper names of ``translation`` that ``source`` writes alike: capitalised words of 2+
    letters, found in both texts as whole words not opening a sentence (in text order)."""
    found: list[str] = []
    for match in _WORD.finditer(translation):
        word = match.group()
        if (len(word) >= 2 and word[0].isupper() and word not in found
                and not at_sentence_start(translation, match.start()) and _inside(source, word)):
            found.append(word)
    return found


@functools.cache
def fold(word: str) -> str:
    """Lower case without accents: "Pérou" -> "perou"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def foreign_names(pool: Iterable[str], text: str) -> list[str]:
    """Names of ``pool`` (3+ letters, not all capitals) that ``text`` has nothing like, accents
    and case aside: no word of ``text`` starts with a name's first four letters, no capitalised
    word with its first three ("Peru" is like "Pérou", "Mexico" like "Mexican")."""
    words = _WORD.findall(text)
    stems = {fold(word)[:4] for word in words}
    capitals = {fold(word)[:3] for word in words if word[0].isupper()}
    return [name for name in pool if len(name) >= 3 and not name.isupper()
            and fold(name)[:4] not in stems and fold(name)[:3] not in capitals]


DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
TITLES = ("Mr", "Mrs", "Ms", "Dr", "Mme", "Mlle", "St", "Pr", "Prof", "Gen", "Sen", "Rep", "Gov",
          "Jr", "Sr", "Lt", "Col", "Capt", "Sgt", "Sir", "Lord", "Lady")
# Calendar words (and their abbreviations) and titles: names to some readers, not to others.
_NOT_NAMES = {fold(word)[:k] for word in MONTHS_EN + MONTHS_FR + DAYS
              for k in (3, 4, len(word))} | {fold(title) for title in TITLES}


def name_pool(pairs: Sequence[tuple[str, list[str], list[str]]]) -> dict[str, set[str]]:
    """Per document, the names that can stand in for invented ones: names (see :func:`names`)
    that no reference of the test set writes in lower case ("Ask", "Summit" are out) and that
    are no month, day or title ("Jan", "Mars", "Col")."""
    lower = {word for _, _, refs in pairs for ref in refs for word in _WORD.findall(ref)
             if word.islower()}
    return {docid: {name for src, ref in zip(srcs, refs, strict=True) for name in names(ref, src)
                    if name.lower() not in lower and fold(name) not in _NOT_NAMES}
            for docid, srcs, refs in pairs}


# --- segment corruptions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Corruption:
    """A corrupted text, how it was corrupted ("+1", "drop"...) and a readable description."""

    text: str
    method: str
    detail: str


def _plus_one(number: str) -> str:
    head, last = re.match(r"(.*?)(\d+)$", number).groups()  # type: ignore[union-attr]
    return head + str(int(last) + 1).zfill(len(last))


def _times_ten(number: str) -> str | None:
    return number + "0" if number.isdigit() and number != "0" else None


def _swap_digits(number: str, rng: random.Random) -> str | None:
    spots = [i for i in range(len(number) - 1)
             if number[i].isdigit() and number[i + 1].isdigit() and number[i] != number[i + 1]
             and not (i == 0 and number[1] == "0")]
    if not spots:
        return None
    i = rng.choice(spots)
    return number[:i] + number[i + 1] + number[i] + number[i + 2:]


def corrupt_numbers(source: str, translation: str, rng: random.Random) -> Corruption | None:
    """Change one number (or month) that both texts have; the new value is not in the source.

    None when the translation has no number or month in common with the source.
    """
    in_source = number_digits(source)
    options: list[tuple[str, int, int, str]] = []  # (method, start, end, replacement)
    for match in _NUMBER.finditer(translation):
        number = match.group()
        if digits(number) not in in_source:
            continue
        for method, new in (("+1", _plus_one(number)), ("x10", _times_ten(number)),
                            ("swap", _swap_digits(number, rng))):
            if new and digits(new) not in in_source:
                options.append((method, match.start(), match.end(), new))
    lowered = source.lower()
    for month, french in zip(MONTHS_EN, MONTHS_FR, strict=True):
        for match in re.finditer(rf"\b{month}\b", translation):
            if french not in lowered or at_sentence_start(translation, match.start()):
                continue
            others = [m for m, f in zip(MONTHS_EN, MONTHS_FR, strict=True)
                      if m != month and f not in lowered]
            options.append(("month", match.start(), match.end(), rng.choice(others)))
    if not options:
        return None
    method = rng.choice(sorted({option[0] for option in options}))
    _, start, end, new = rng.choice([option for option in options if option[0] == method])
    old = translation[start:end]
    return Corruption(translation[:start] + new + translation[end:], method, f"{old} -> {new}")


def _misspell(name: str, rng: random.Random) -> str:
    """One edit inside the name (first letter kept): two letters swapped, or one doubled/dropped."""
    inner = [i for i in range(1, len(name)) if name[i].isalpha()]
    swaps = [i for i in inner[:-1] if name[i + 1].isalpha() and name[i] != name[i + 1]]
    edits = ["double"] + (["swap"] if swaps else []) + (["drop"] if len(name) > 3 else [])
    edit = rng.choice(edits)
    if edit == "swap":
        i = rng.choice(swaps)
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    i = rng.choice(inner)
    return name[:i] + name[i] + name[i:] if edit == "double" else name[:i] + name[i + 1:]


def corrupt_names(source: str, translation: str, rng: random.Random,
                  pool: Sequence[str] = ()) -> Corruption | None:
    """Drop, misspell or replace (by a name of ``pool``) a name that the source has too.

    Every occurrence of the name goes, so that the name is no longer in the translation at all.
    None when the translation has no such name.
    """
    candidates = names(translation, source)
    if not candidates:
        return None
    name = rng.choice(candidates)
    others = foreign_names(pool, source + " " + translation)
    methods = ["drop", "misspell"] + (["replace"] if others else [])
    method = rng.choice(methods)
    pattern = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
    if method == "drop":
        text = re.sub(pattern + r"(?:['’]s)?", "", translation)
        text = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()
        new = ""
    else:
        new = _misspell(name, rng) if method == "misspell" else rng.choice(others)
        text = re.sub(pattern, new, translation)
    if has_word(text, name) or text == translation:
        return None
    return Corruption(text, method, f"{name} -> {new or '(dropped)'}")


def corrupt_untranslated(source: str, translation: str) -> Corruption | None:
    """The source in place of the translation (sources of MIN_WORDS_UNTRANSLATED+ words only)."""
    words = re.findall(r"\w+(?:['’]\w+)*", source)
    if len(words) < MIN_WORDS_UNTRANSLATED or source.casefold() == translation.casefold():
        return None
    return Corruption(source, "copy", "French source as the translation")


def corrupt_loop(translation: str, rng: random.Random) -> Corruption | None:
    """The last 3-5 words appended 3-4 more times, as a decoder stuck in a loop writes them."""
    words = translation.rstrip(" .!?\"'”»").split()
    if len(words) < 3:
        return None
    size, times = rng.randint(3, min(5, len(words))), rng.randint(3, 4)
    span = " ".join(words[-size:])
    text = " ".join(words) + f" {span}" * times
    return Corruption(text, f"{size}x{times}", f"'{span}' x{times} appended")


def corrupt_segment(kind: str, source: str, translation: str, rng: random.Random,
                    name_pool: Sequence[str] = ()) -> Corruption | None:
    """Corruption of ``kind`` for one segment, or None when that kind does not apply to it."""
    if kind == "numbers":
        return corrupt_numbers(source, translation, rng)
    if kind == "names":
        return corrupt_names(source, translation, rng, name_pool)
    if kind == "untranslated":
        return corrupt_untranslated(source, translation)
    if kind == "loops":
        return corrupt_loop(translation, rng)
    raise ValueError(f"unknown segment corruption {kind!r}")


# --- summary corruptions ---------------------------------------------------------------------


NUMBER_WORDS = {
    word: value for value, words in enumerate((
        "zero zéro", "one un une", "two deux", "three trois", "four quatre", "five cinq",
        "six", "seven sept", "eight huit", "nine neuf", "ten dix", "eleven onze", "twelve douze",
        "thirteen treize", "fourteen quatorze", "fifteen quinze", "sixteen seize",
        "seventeen dix-sept", "eighteen dix-huit", "nineteen dix-neuf", "twenty vingt"))
    for word in words.split()} | {
    "thirty": 30, "trente": 30, "forty": 40, "quarante": 40, "fifty": 50, "cinquante": 50,
    "sixty": 60, "soixante": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "cent": 100, "thousand": 1000, "mille": 1000, "dozen": 12, "douzaine": 12}


def taken_numbers(text: str) -> set[str]:
    """Every digit string of ``text`` (each run of digits and each grouped number, however
    attached: "19th", "G20") and the value of every number word ("five", "cinq")."""
    found = number_digits(text) | set(re.findall(r"\d+", text))
    found |= {digits(m) for m in re.findall(r"\d+(?:[.,]\d+)+", text)}
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text.lower())
    return found | {str(NUMBER_WORDS[w]) for w in words if w in NUMBER_WORDS}


def _fresh_number(taken: set[str], rng: random.Random) -> tuple[str, str]:
    """A number that no number of ``taken`` (digit strings) is near, and its kind: a year, a
    small count or a large one."""
    values = {int(d) for d in taken if d and len(d) <= 12}
    for _ in range(1000):
        kind = rng.choice(("year", "count", "count"))
        value = rng.randint(1900, 2029) if kind == "year" else rng.choice(
            (rng.randint(3, 97), rng.randint(120, 9800)))
        text = f"{value:,}" if value >= 1000 and kind == "count" else str(value)
        if digits(text) not in taken and all(abs(value - v) > max(2, v // 5) for v in values):
            return text, kind
    raise RuntimeError("no fresh number found")


def _end_of_sentence(sentence: str) -> int:
    """Where to insert a clause: before the sentence's final punctuation and quotes."""
    return len(sentence.rstrip(" .!?\"'”»)"))


NUMBER_CLAUSES = {"year": (" in {n}", ", as in {n}"),
                  "count": (", according to {n} witnesses", ", at least {n} times",
                            " (about {n} people)")}
NAME_CLAUSES = (", according to {n}", ", {n} said", " with {n}")


def corrupt_summary_number(sentences: Sequence[str], document: str,
                           rng: random.Random) -> tuple[list[str], int, Corruption]:
    """Summary sentences with a number that ``document`` lacks (in digits or words) and is not
    near any of its numbers, replacing a number of the summary or inserted in a clause.

    Returns the sentences, the index of the sentence changed and the corruption.
    """
    taken = taken_numbers(document)
    new, kind = _fresh_number(taken, rng)
    spots = [(k, m) for k, s in enumerate(sentences) for m in _NUMBER.finditer(s)]
    out = list(sentences)
    if spots and rng.random() < 0.5:
        k, match = rng.choice(spots)
        out[k] = out[k][:match.start()] + new + out[k][match.end():]
        return out, k, Corruption(" ".join(out), "replace", f"{match.group()} -> {new}")
    k = rng.randrange(len(out))
    clause = rng.choice(NUMBER_CLAUSES[kind]).format(n=new)
    at = _end_of_sentence(out[k])
    out[k] = out[k][:at] + clause + out[k][at:]
    return out, k, Corruption(" ".join(out), "insert", f"'{clause.strip(' ,')}' inserted")


def corrupt_summary_name(sentences: Sequence[str], document: str, pool: Sequence[str],
                         rng: random.Random) -> tuple[list[str], int, Corruption] | None:
    """Summary sentences with a name of ``pool`` unlike any word of ``document`` (see
    :func:`foreign_names`), replacing a capitalised word of the summary or inserted in a clause;
    None when no pooled name is foreign to the document."""
    foreign = foreign_names(pool, document)
    if not foreign:
        return None
    new = rng.choice(foreign)
    out = list(sentences)
    spots = [(k, m) for k, s in enumerate(sentences) for m in _WORD.finditer(s)
             if len(m.group()) >= 2 and m.group()[0].isupper()
             and not at_sentence_start(s, m.start())]
    if spots and rng.random() < 0.5:
        k, match = rng.choice(spots)
        out[k] = out[k][:match.start()] + new + out[k][match.end():]
        return out, k, Corruption(" ".join(out), "replace", f"{match.group()} -> {new}")
    k = rng.randrange(len(out))
    clause = rng.choice(NAME_CLAUSES).format(n=new)
    at = _end_of_sentence(out[k])
    out[k] = out[k][:at] + clause + out[k][at:]
    return out, k, Corruption(" ".join(out), "insert", f"'{clause.strip(' ,')}' inserted")


# --- the test items --------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One thing to check: a segment (source, translation) or a summary of a document.

    ``kind`` is the corruption injected (None: clean). For a segment ``index`` is its number in
    the run; for a summary, the summary sentence corrupted, ``source`` the document's French text
    and ``sentences`` its reference sentences (what the summary is checked against).
    """

    scope: str  # "segment" or "summary"
    kind: str | None
    source: str
    translation: str
    where: str  # docid and segment number, for examples
    index: int | None = None
    method: str = ""
    detail: str = ""
    sentences: tuple[str, ...] = ()


def build_segment_items(pairs: Sequence[tuple[str, list[str], list[str]]], share: float,
                        rng: random.Random, symbol_lines: int = 100) -> list[Item]:
    """Every segment once: a ``share`` of them corrupted (one applicable kind each, the kind least
    injected so far first), the rest clean; then the symbol-line pairs and their controls
    (clean items whose method is :data:`CONTROL`)."""
    flat = [(f"{docid}#{n + 1}", src, ref) for docid, srcs, refs in pairs
            for n, (src, ref) in enumerate(zip(srcs, refs, strict=True)) if src or ref]
    pool = sorted(set().union(*name_pool(pairs).values()))
    chosen = set(rng.sample(range(len(flat)), round(share * len(flat))))
    injected: Counter[str] = Counter()
    items: list[Item] = []
    for i, (where, src, ref) in enumerate(flat):
        corruption, kind = None, None
        if i in chosen:
            kinds = sorted(SEGMENT_KINDS, key=lambda k: (injected[k], rng.random()))
            for kind in kinds:
                corruption = corrupt_segment(kind, src, ref, rng, pool)
                if corruption:
                    break
        if corruption and kind:
            injected[kind] += 1
            items.append(Item("segment", kind, src, corruption.text, where, i, corruption.method,
                              corruption.detail))
        else:
            items.append(Item("segment", None, src, ref, where, i))
    sentences = [ref for _, _, ref in flat if len(ref.split()) >= 4]
    for n in range(symbol_lines):
        symbol = SYMBOL_LINES[n % len(SYMBOL_LINES)]
        invented = rng.choice(sentences)
        items.append(Item("segment", "symbol-lines", symbol, invented, f"symbol#{n + 1}",
                          len(flat) + 2 * n, "sentence", "a reference sentence for a symbol"))
        items.append(Item("segment", None, symbol, symbol, f"symbol-control#{n + 1}",
                          len(flat) + 2 * n + 1, CONTROL))
    return items


def build_summary_items(pairs: Sequence[tuple[str, list[str], list[str]]], rng: random.Random,
                        copies: int = 3) -> list[Item]:
    """Per document, ``copies`` clean summaries (the first 2-3 reference sentences, then other
    windows) and, for each, one copy with an invented number and one with an invented name."""
    pool_by_doc = name_pool(pairs)
    items: list[Item] = []
    for docid, srcs, refs in pairs:
        sentences = tuple(ref for ref in refs if ref)
        if len(sentences) < 3:
            continue
        document = " ".join(sentences) + "\n" + "\n".join(srcs)
        pool = sorted(set().union(*(p for d, p in pool_by_doc.items() if d != docid)))
        starts = [0] + rng.sample(range(1, len(sentences) - 1),
                                  min(copies - 1, len(sentences) - 2))
        for start in starts:
            size = rng.choice(SUMMARY_WINDOWS)
            window = list(sentences[start:start + size])
            if len(window) < 2 or len(window) >= len(sentences):
                window = list(sentences[start:start + 2])
            where = f"{docid} sentences {start + 1}-{start + len(window)}"
            source = "\n".join(srcs)
            items.append(Item("summary", None, source, " ".join(window), where,
                              sentences=sentences))
            _, k, corruption = corrupt_summary_number(window, document, rng)
            items.append(Item("summary", "summary-numbers", source, corruption.text, where,
                              k, corruption.method, corruption.detail, sentences))
            named = corrupt_summary_name(window, document, pool, rng)
            if named:
                _, k, corruption = named
                items.append(Item("summary", "summary-names", source, corruption.text, where,
                                  k, corruption.method, corruption.detail, sentences))
    return items


# --- scoring ---------------------------------------------------------------------------------


@dataclass
class Score:
    """One check's counts over the items of its scope, and the rates made of them."""

    check: str
    injected: int = 0  # corrupted items of the check's kind
    clean: int = 0  # clean items of the check's scope
    flagged: int = 0  # items the check flags (any kind)
    hits: int = 0  # corrupted items of its kind that it flags
    false_flags: int = 0  # clean items it flags
    methods: dict[str, list[int]] = field(default_factory=dict)  # method -> [hits, injected]

    @property
    def precision(self) -> float | None:
        """Flags on items of the check's kind / all its flags (None without flags)."""
        return self.hits / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        """Corrupted items of its kind flagged / corrupted items (None when none injected)."""
        return self.hits / self.injected if self.injected else None

    @property
    def false_flag_rate(self) -> float | None:
        """Clean items flagged / clean items (None without clean items)."""
        return self.false_flags / self.clean if self.clean else None

    def met(self) -> bool | None:
        """Whether recall and false-flag rate reach the check's target (None: no target)."""
        if self.check not in TARGETS or self.recall is None or self.false_flag_rate is None:
            return None
        recall, false_rate = TARGETS[self.check]
        return self.recall >= recall and self.false_flag_rate <= false_rate

    def as_json(self) -> dict[str, Any]:
        """The JSON record of the score: the rates, the counts and the target."""
        recall, false_rate = TARGETS.get(self.check, (None, None))
        return {
            "precision": self.precision, "recall": self.recall,
            "false_flag_rate": self.false_flag_rate, "injected": self.injected,
            "clean": self.clean, "flagged": self.flagged, "hits": self.hits,
            "false_flags": self.false_flags,
            "flagged_other": self.flagged - self.hits - self.false_flags,
            "flags": sorted(CHECKS[self.check][1]),
            "target_recall": recall, "max_false_flag_rate": false_rate, "met": self.met(),
            "recall_by_method": {m: h / n for m, (h, n) in sorted(self.methods.items())},
        }


@dataclass(frozen=True)
class Outcome:
    """An item and the names of the flags raised on it."""

    item: Item
    flags: frozenset[str]
    evidence: tuple[tuple[str, Any], ...] = ()  # (flag name, evidence) for examples


def score(outcomes: Iterable[Outcome], check: str) -> Score:
    """Count one check (a key of :data:`CHECKS`) over the outcomes of its scope.

    The symbol-line controls are clean items of the ``symbol-lines`` check only: the other
    checks' false-flag rates are over real segments, not diluted by 100 lines of "***".
    """
    kind, flag_names = CHECKS[check]
    scope = "summary" if kind in SUMMARY_KINDS else "segment"
    result = Score(check)
    for outcome in outcomes:
        item = outcome.item
        if item.scope != scope or (item.method == CONTROL and kind != "symbol-lines"):
            continue
        fired = bool(outcome.flags & flag_names)
        result.flagged += fired
        if item.kind is None:
            result.clean += 1
            result.false_flags += fired
        elif item.kind == kind:
            result.injected += 1
            result.hits += fired
            counts = result.methods.setdefault(item.method, [0, 0])
            counts[0] += fired
            counts[1] += 1
    return result


SegmentCheck = Callable[[str, str, int | None], Sequence[Any]]
SummaryCheck = Callable[[str, Sequence[str], str], tuple[Sequence[Any], Any]]


def run_checks(items: Iterable[Item], segment_check: SegmentCheck,
               summary_check: SummaryCheck) -> list[Outcome]:
    """Run the checkers on every item; flags are anything with ``name`` (and ``evidence``)."""
    outcomes = []
    for item in items:
        if item.scope == "segment":
            flags = segment_check(item.source, item.translation, item.index)
        else:
            flags, _ = summary_check(item.translation, item.sentences, item.source)
        outcomes.append(Outcome(item, frozenset(f.name for f in flags),
                                tuple((f.name, getattr(f, "evidence", None)) for f in flags)))
    return outcomes


# --- report ----------------------------------------------------------------------------------


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def table(scores: Sequence[Score]) -> str:
    """The scores as a fixed-width table, one check a row."""
    head = (f"{'check':<16} {'injected':>8} {'flagged':>7} {'precision':>9} {'recall':>6} "
            f"{'false-flag':>10} {'target':>14} {'met?':>4}")
    rows = [head, "-" * len(head)]
    for s in scores:
        recall, false_rate = TARGETS.get(s.check, (None, None))
        target = "" if recall is None else f"R>={recall:.1f} FF<={false_rate:.0%}"
        met = {None: "", True: "yes", False: "NO"}[s.met()]
        rows.append(f"{s.check:<16} {s.injected:>8} {s.flagged:>7} {_rate(s.precision):>9} "
                    f"{_rate(s.recall):>6} {_rate(s.false_flag_rate):>10} {target:>14} {met:>4}")
    return "\n".join(rows)


def _short(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def examples(outcomes: Sequence[Outcome], check: str, count: int,
             rng: random.Random) -> list[str]:
    """Up to ``count`` misses and ``count`` false flags of one check, sampled, as text."""
    kind, flag_names = CHECKS[check]
    scope = "summary" if kind in SUMMARY_KINDS else "segment"
    misses = [o for o in outcomes if o.item.kind == kind and not o.flags & flag_names]
    false = [o for o in outcomes if o.item.scope == scope and o.item.kind is None
             and o.flags & flag_names and (o.item.method != CONTROL or kind == "symbol-lines")]
    lines = []
    for label, chosen in (("miss", misses), ("false flag", false)):
        for o in rng.sample(chosen, min(count, len(chosen))):
            item = o.item
            lines.append(f"  [{label}] {item.where} {item.method} {item.detail}".rstrip())
            if scope == "segment":
                lines.append(f"    src: {_short(item.source)}")
            lines.append(f"    out: {_short(item.translation)}")
            evidence = [f"{n}: {e}" for n, e in o.evidence if n in flag_names or label == "miss"]
            if evidence:
                lines.append(f"    flags: {_short('; '.join(evidence), 400)}")
    return lines


def load_checks() -> tuple[SegmentCheck, SummaryCheck]:
    """``segment_flags`` and ``summary_flags`` of :mod:`pipeline.quality`."""
    sys.path.insert(0, str(ROOT))
    from pipeline.quality import segment_flags, summary_flags

    return segment_flags, summary_flags


def main(argv: Sequence[str] | None = None) -> int:
    """Build the corrupted items, run the checks, print the table (and write JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC, help="French source (SGML/lines)")
    parser.add_argument("--ref", type=Path, default=DEFAULT_REF, help="English reference")
    parser.add_argument("--share", type=float, default=0.3, help="share of segments corrupted")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--symbol-lines", type=int, default=100,
                        help="symbol-line pairs (and as many clean controls)")
    parser.add_argument("--summary-copies", type=int, default=3, help="clean summaries per doc")
    parser.add_argument("--doc-lines", type=int, default=20,
                        help="lines per pseudo-document for plain-text test sets")
    parser.add_argument("--json", type=Path, help="write the scores here")
    parser.add_argument("--examples", type=int, default=0, help="misses/false flags per check")
    args = parser.parse_args(argv)
    if args.ref == DEFAULT_REF and args.src != DEFAULT_SRC:
        parser.error("--src needs --ref")

    started = time.perf_counter()
    pairs = read_pairs(args.src, args.ref, args.doc_lines)
    rng = random.Random(args.seed)
    segments = build_segment_items(pairs, args.share, rng, args.symbol_lines)
    summaries = build_summary_items(pairs, rng, args.summary_copies)
    built = time.perf_counter()
    segment_check, summary_check = load_checks()
    loaded = time.perf_counter()
    segment_outcomes = run_checks(segments, segment_check, summary_check)
    checked = time.perf_counter()
    summary_outcomes = run_checks(summaries, segment_check, summary_check)
    done = time.perf_counter()
    outcomes = segment_outcomes + summary_outcomes

    kinds = Counter(item.kind or "clean" for item in segments)
    print(f"{args.src.name}: {len(pairs)} documents, {len(segments)} segment items "
          f"({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}), "
          f"{len(summaries)} summary items; share {args.share}, seed {args.seed}")
    scores = [score(outcomes, check) for check in CHECKS]
    print(table(scores))
    for s in scores:
        if len(s.methods) > 1:
            parts = ", ".join(f"{m} {h}/{n}" for m, (h, n) in sorted(s.methods.items()))
            print(f"  {s.check} recall by corruption: {parts}")
    for check, (kind, flag_names) in CHECKS.items():
        others = Counter(o.item.kind for o in outcomes
                         if o.item.kind not in (None, kind) and o.flags & flag_names)
        if others:
            print(f"  {check} flags on other corruptions: "
                  + ", ".join(f"{k} {n}" for k, n in sorted(others.items())))
    clean_flags: Counter[str] = Counter()
    clean_counts: Counter[str] = Counter()
    for o in outcomes:
        if o.item.kind is None and o.item.method != CONTROL:
            clean_counts[o.item.scope] += 1
            clean_flags.update(f"{o.item.scope}:{name}" for name in o.flags)
    if clean_flags:
        print("flags on clean items: " + ", ".join(
            f"{name} {n}/{clean_counts[name.split(':')[0]]}"
            for name, n in sorted(clean_flags.items())))
    print(f"time: read+corrupt {built - started:.2f} s, import checks {loaded - built:.2f} s, "
          f"segments {checked - loaded:.2f} s "
          f"({1000 * (checked - loaded) / max(1, len(segments)):.2f} ms each), "
          f"summaries {done - checked:.2f} s")
    if args.examples:
        sampler = random.Random(args.seed)
        for s in scores:
            lines = examples(outcomes, s.check, args.examples, sampler)
            if lines:
                print(f"\n{s.check} ({'met' if s.met() else 'missed'}):")
                print("\n".join(lines))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({s.check: s.as_json() for s in scores}, indent=2) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
