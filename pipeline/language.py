"""Which language a text is in, offline: whole articles, and single segments left in English.

Identification is done by lingua (``lingua-language-detector``: character n-gram models that ship
inside the package, no download), limited to the languages a French news archive plausibly holds,
which makes it both faster and more accurate than asking among 75 languages.

- :func:`identify` (articles): lingua's low-accuracy mode (trigram models, about 18 MB, loaded on
  first use) among :data:`ARTICLE_LANGUAGES`, plus a script check for texts mostly not in the
  Latin alphabet (Arabic, Cyrillic, CJK...), which are never French. An article found in
  another language whose sentences found French hold :data:`MIN_FRENCH_SHARE` of its words or
  more is French (a short brief quoting English).
- :func:`is_english` (segments): lingua's high-accuracy mode among French and English only (about
  90 MB), English confidence >= 0.9, and English also the likeliest of
  :data:`ARTICLE_LANGUAGES` (so that an Italian or Spanish sentence is not taken for English).
  A sentence holding a word English does not use (:data:`FRENCH_MARKERS`) is not English.
  Measured on WMT newstest2013 (3,000 French source sentences, 3,000 English reference
  sentences): no French sentence taken for English, 2,766 English sentences (92%) found. A
  quotation inside a French sentence stays French.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

#: ISO 639-1 codes of the languages an article is told apart from (French first).
ARTICLE_LANGUAGES = ("fr", "en", "es", "de", "it", "pt", "nl", "ca", "ro")
#: A segment is English when lingua gives English at least this confidence (0-1) ...
ENGLISH_CONFIDENCE = 0.9
#: ... and it has at least this many words; shorter ones ("Paris, France") are left to the model.
MIN_ENGLISH_WORDS = 4
#: An article is judged only with at least this many words.
MIN_ARTICLE_WORDS = 5
#: An article is in another language only when lingua gives that language at least this
#: confidence (0-1): a short or noisy French text ("mot1 mot2...", markup) gets a low one for
#: whatever language it names. Every newstest2013 document gets 0.99 or more for its language.
MIN_OTHER_CONFIDENCE = 0.8
#: The share of an article's letters that must be Latin for it to be told apart by lingua.
MIN_LATIN_SHARE = 0.5
#: Characters of an article that identification reads (its start): enough, and bounded.
SAMPLE_CHARS = 5000
#: An article whose sentences in French hold at least this share of its words is French, even
#: when lingua finds another language likelier over the whole (a short brief quoting English).
MIN_FRENCH_SHARE = 0.25
#: Words French uses and English does not: a sentence with one of them ("Breaking Bad et The
#: Walking Dead sur Netflix", '"...," a-t-il déclaré') is not English.
FRENCH_MARKERS = frozenset(
    "le la les du des un une et est sont dans pour avec sur au aux ce cette ces il elle ils "
    "elles qui que où été être ont pas ne nous vous leur leurs selon mais très sa ses "
    "a-t-il a-t-elle l' d' qu' n' c' j' s'".split())

_WORD = re.compile(r"[^\W\d_]+")
_MARKER_WORD = re.compile(r"a-t-(?:il|elle)|\b(?:[ldncjs]|qu)['’](?=[^\W\d_])|[^\W\d_]+")


@dataclass(frozen=True)
class Identified:
    """A language guess: ISO 639-1 ``code`` (or ``script:<name>`` when not Latin), its English
    ``name`` and lingua's ``confidence`` (0-1; 1.0 for a script decision); ``french_share``:
    the share of the words in sentences found French, when the whole was found another
    language."""

    code: str
    name: str
    confidence: float
    french_share: float | None = None


def has_letters(text: str) -> bool:
    """Whether ``text`` holds any letter (of any script): "***", "—", "•" and "12 %" do not."""
    return any(char.isalpha() for char in text)


def identify(text: str) -> Identified | None:
    """The language of an article's text (its first :data:`SAMPLE_CHARS` characters).

    Args:
        text: The article, title and paragraphs.

    Returns:
        The most likely language, or None when the text has fewer than
        :data:`MIN_ARTICLE_WORDS` words or lingua cannot decide. Callers treat a language
        other than French as such only from :data:`MIN_OTHER_CONFIDENCE` on.
    """
    sample = text[:SAMPLE_CHARS]
    words = _WORD.findall(sample)
    if len(words) < MIN_ARTICLE_WORDS:
        return None
    script = main_script(sample)
    if script is not None:
        return Identified(f"script:{script.lower()}", f"{script.title()} script", 1.0)
    values = _article_detector().compute_language_confidence_values(sample)
    if not values or values[0].value <= 0:
        return None
    top = values[0]
    code = top.language.iso_code_639_1.name.lower()
    if code == "fr":
        return Identified(code, "French", round(float(top.value), 4))
    share = round(french_share(sample), 4)
    if share >= MIN_FRENCH_SHARE:
        french = next(v.value for v in values if v.language.iso_code_639_1.name == "FR")
        return Identified("fr", "French", round(float(french), 4), share)
    return Identified(code, top.language.name.title(), round(float(top.value), 4), share)


def french_share(text: str) -> float:
    """The share of the words of ``text`` that are in sentences lingua finds French (sentences
    split at line breaks and by :func:`pipeline.segment.split_sentences`)."""
    from lingua import Language

    from .segment import split_sentences

    detector = _article_detector()
    french = total = 0
    for line in text.split("\n"):
        for sentence in split_sentences(line):
            words = len(_WORD.findall(sentence))
            total += words
            if words and detector.detect_language_of(sentence) == Language.FRENCH:
                french += words
    return french / total if total else 0.0


def _has_marker(text: str) -> bool:
    """Whether ``text`` holds a word French uses and English does not (:data:`FRENCH_MARKERS`)."""
    return any(word.replace("’", "'") in FRENCH_MARKERS
               for word in _MARKER_WORD.findall(text.lower()))


def is_english(text: str) -> bool:
    """Whether a segment is English (and so is kept as it is rather than translated).

    Args:
        text: One segment (a sentence) of a French article.

    Returns:
        True when it has :data:`MIN_ENGLISH_WORDS` words or more, none of
        :data:`FRENCH_MARKERS`, and lingua, choosing between French and English, gives English
        a confidence of :data:`ENGLISH_CONFIDENCE` or more.
    """
    if len(_WORD.findall(text)) < MIN_ENGLISH_WORDS or _has_marker(text):
        return False
    from lingua import Language

    if _segment_detector().compute_language_confidence(text, Language.ENGLISH) < (
            ENGLISH_CONFIDENCE):
        return False
    # Italian or Spanish is closer to English than to French: ask among all the languages too
    return _article_detector().detect_language_of(text) == Language.ENGLISH


def main_script(text: str) -> str | None:
    """The name of the script most letters of ``text`` are in (``CYRILLIC``, ``CJK``...), when
    under half of them are Latin; None otherwise (and for a text without letters)."""
    scripts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "UNKNOWN").split(" ")[0]
            scripts[name] = scripts.get(name, 0) + 1
    total = sum(scripts.values())
    if not total or scripts.get("LATIN", 0) >= MIN_LATIN_SHARE * total:
        return None
    return max(scripts.items(), key=lambda kv: kv[1])[0]


@functools.cache
def _article_detector() -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
                 for code in ARTICLE_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def french_confidence(text: str) -> float:
    """lingua's confidence (0-1) that ``text`` is French rather than English (high-accuracy
    models, the detector :func:`is_english` uses)."""
    from lingua import Language

    return float(_segment_detector().compute_language_confidence(text, Language.FRENCH))


@functools.cache
def _segment_detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH).build()
