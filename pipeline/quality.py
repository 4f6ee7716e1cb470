"""Checks that flag suspect translations and summaries, each with its evidence.

Marian models loop, drop or rewrite numbers and names, and sometimes copy the French, answer in
French or return nothing on fragments, ALL-CAPS headers and over-long inputs; summarisers add
numbers, names and claims that the text does not hold. Every check here looks at one French
source segment and its English translation (:data:`SEGMENT_CHECKS`, run by
:func:`segment_flags`) or at a summary and the translated sentences it summarises
(:func:`summary_flags`), and returns a :class:`~pipeline.records.Flag` with what it expected and
what it found. :func:`verdict` turns an article's flags into ``ok`` or ``review`` with reasons.

Segment checks (French source, English translation; names are kebab-case):

- ``empty``: nothing came back for a non-empty source (then no other check runs).
- ``not-english``: the translation (4+ words) is not English: mostly another script, or lingua
  (:mod:`pipeline.language`) finds French likelier than English.
- ``copied-source``: the translation is the source copied (4+ words): the same letters and
  digits, or 80% of the source's words of 3+ letters (names and numbers left out) unchanged.
- ``invented-words``: the source has no letters ("***", "12 %") but the translation has words.
- ``repeated-ngram``: a 1- to 4-gram 3+ times in a row, or a 4-gram 3+ times (a decoding loop).
- ``length-ratio``: translation/source characters outside [0.5, 2.0] (sources of 20+ chars).
- ``numbers-changed``: the numbers, dates, times and decades of the two sides differ, read by
  :func:`pipeline.entities.quantities` ("1,5 million" = "1.5 million", "14/12/2011" =
  "December 14, 2011", "20 h 45" = "8:45 p.m.", "dix" may stand for "10").
- ``names-missing``: a proper name of the source is not in the translation
  (:func:`pipeline.entities.names`, :func:`pipeline.entities.name_found`).

Summary checks (English summary, the article's translated sentences):

- ``invented-number``: a number or date of a summary sentence is nowhere in the translation.
- ``invented-name``: a name of a summary sentence is nowhere in the translation.
- ``unsupported-sentence``: the 1-3 translated sentences that best cover a summary sentence's
  content words (stemmed, stopwords out) hold under a fifth of them.
- ``summary-longer-than-text``: the summary has more characters than the translation.

Measured on WMT newstest2013 (3,000 French sentences with their professional English
reference; every flag on a reference is a false alarm or a liberty of the human translator:
"the last 16" for "les 8es de finale", "Mursi" for "Morsi", "in this country" for "en
Allemagne"), false-flag rates per check: ``numbers-changed`` 0.63% (19), ``names-missing``
4.6% (138), ``length-ratio`` 0.30% (9), ``repeated-ngram`` 0.07% (2), ``not-english``,
``copied-source``, ``invented-words`` and ``empty`` 0%. The same French sentences given as
their own "translation" are all flagged ``copied-source``; given as another sentence's, 99.5%
of those of 4+ words are flagged ``not-english``. With :func:`verdict`, 21 of the 52 reference
documents (about 58 sentences each) get ``review``, 18 of them for a strong flag. Errors
injected into the references (``bench/quality_checks.py``, seed 13) are caught at these rates:
changed numbers and months 100%, dropped, misspelt or replaced names 88%, copies, loops and
words for symbol lines 100%; in summaries, invented numbers 100% and names 99%.

Summary checks, on the 380 sentences of 143 human summaries of 50 English news articles
(news-summaries-dev; the article's sentences stand for the translation): ``invented-number``
0.3%, ``invented-name`` 4.7% (mostly names the writers misspelt), ``unsupported-sentence``
3.7%, while 94% of the summary sentences of another article are ``unsupported-sentence``.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from pipeline.entities import (
    Quantity,
    fold,
    match_quantities,
    name_found,
    names,
    quantities,
    text_words,
)
from pipeline.metrics import length_ratio
from pipeline.records import Flag

__all__ = [
    "Flag", "SEGMENT_CHECKS", "SUMMARY_CHECKS", "WEAK_FLAGS", "segment_flags", "summary_flags",
    "verdict", "is_weak", "quality_flags", "low_confidence", "MIN_LOGPROB",
]

#: English is usually a little shorter than French (ratio about 0.9); outside these bounds a
#: translation has likely lost or invented material.
MIN_LENGTH_RATIO = 0.5
MAX_LENGTH_RATIO = 2.0
#: Below this many source characters (headers, bylines) ratios swing too much to mean anything.
MIN_SOURCE_CHARS_FOR_RATIO = 20
#: A span repeated this many times in a row, or a 4-gram this many times anywhere, is a loop.
REPEAT_LIMIT = 3
MAX_REPEAT_N = 4
#: A copied source shorter than this (names, acronyms, "Paris, France") is legitimately unchanged;
#: shorter outputs are not judged for their language either.
MIN_WORDS = 4
#: Share of the source's words (3+ letters, not names or numbers) found unchanged in the
#: translation from which it is a copy; and the fewest such words to judge by.
MAX_COPIED_SHARE = 0.8
MIN_COPY_WORDS = 3
#: A translation is not English when lingua, choosing between French and English, gives French
#: at least this confidence (no English reference sentence of newstest2013 gets 0.65) ...
MIN_FRENCH_CONFIDENCE = 0.8
#: ... or at least the lower one when French function words (le, la, est, que...) make at least
#: this share of its words.
LOW_FRENCH_CONFIDENCE = 0.6
MIN_MARKER_SHARE = 0.1
#: A summary sentence is supported when the translated sentences linked to it hold this share
#: of its content words (ROUGE-1 recall). Human summaries are abstractive: on news-summaries-dev
#: 3.9% of their sentences fall under 0.2 (7.1% under 0.25, 31% under 0.5), while 94% of summary
#: sentences of another article do.
MIN_SUPPORT = 0.2
#: A linked sentence after the first must add this share of the content words; at most this
#: many sentences are linked.
MIN_SUPPORT_GAIN = 0.2
MAX_SUPPORT_SENTENCES = 3
#: Summary sentences with fewer content words than this are linked but not judged ("Ms.").
MIN_JUDGED_WORDS = 3
#: A translation whose mean token log-probability (the model's own confidence) is below this is
#: ``low-confidence``: a geometric-mean token probability under 0.22. Mean log-probability is
#: the best of the unsupervised glass-box quality estimates of Fomicheva et al. (2020) and the
#: simplest strong hallucination detector of Guerreiro et al. (2023); this threshold is not
#: calibrated on this model's outputs (they cannot be produced offline), so the flag is weak.
MIN_LOGPROB = -1.5
#: Weak flags do not make an article ``review`` alone (see :func:`verdict`) unless they fire on
#: :data:`WEAK_REVIEW_SEGMENTS` segments or more: ``names-missing`` (a free but correct
#: translation raises it on 4.6% of sentences), ``low-confidence`` (its threshold is not
#: calibrated), and ``length-ratio`` on a source shorter than :data:`WEAK_RATIO_CHARS`
#: characters (where one word more or less swings the ratio).
WEAK_FLAGS = frozenset({"names-missing", "low-confidence"})
WEAK_RATIO_CHARS = 80
WEAK_REVIEW_SEGMENTS = 5

# Numbers are one token each, so "1,000,000,000" is not read as "000" three times over.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:['’]\w+)*")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_FRENCH_WORDS = frozenset(
    "le la les du des un une et est sont dans pour avec sur au aux ce cette ces il elle ils "
    "elles qui que ou ete etre ont pas ne nous vous leur leurs selon mais tres sa ses "
    "l' d' qu' n' c' j' s'".split())
# words, and French elisions ("l'", "qu'") as words of their own
_MARKER = re.compile(r"\b(?:[ldncjs]|qu)'(?=[^\W\d_])|[^\W\d_]+")
_ENGLISH_STOPWORDS = frozenset("""
a an the and or but if so as of to in on at by for with from into onto over under about after
before since during than then there here this that these those it its he she they we you i me
him her them us his their our your my is are was were be been being has have had do does did
will would shall should can could may might must not no nor also just only even more most much
many some any all each every other such what which who whom whose when where why how said says
say told tell according one two very too up out off again further once both
""".split())


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


# -- segment checks ----------------------------------------------------------------------------


def empty(source: str, translation: str) -> dict[str, Any] | None:
    """Nothing came back for a non-empty source.

    Evidence: ``expected`` "a translation", ``found`` "" and ``source_chars``.
    """
    if source.strip() and not translation.strip():
        return {"expected": "a translation", "found": "", "source_chars": len(source.strip())}
    return None


def not_english(source: str, translation: str) -> dict[str, Any] | None:
    """The translation is not in English.

    Method: outputs under :data:`MIN_WORDS` words, capitalised words (names) left out, are not
    judged. Letters mostly outside the
    Latin alphabet (:func:`pipeline.language.main_script`) are another language. Otherwise
    lingua chooses between French and English (high-accuracy models, as
    :func:`pipeline.language.is_english` uses); the output is French when French gets
    :data:`MIN_FRENCH_CONFIDENCE` or more, or :data:`LOW_FRENCH_CONFIDENCE` or more with French
    function words (le, la, est, que, l'...) making :data:`MIN_MARKER_SHARE` of its words.
    Outputs of 20+ words that are not French are also asked among all of
    :data:`pipeline.language.ARTICLE_LANGUAGES` (:func:`pipeline.language.identify`): another
    language than English at :data:`pipeline.language.MIN_OTHER_CONFIDENCE` or more fires.

    Evidence: ``expected`` "en", ``found`` the language code (or ``script:<name>``) and
    ``confidence`` (0-1).
    """
    from pipeline import language

    words = _WORD.findall(translation)
    if len(words) < MIN_WORDS:
        return None
    script = language.main_script(translation)
    if script is not None:
        return {"expected": "en", "found": f"script:{script.lower()}", "confidence": 1.0}
    # Capitalised words (names, mostly French ones in French news) tell no language: "Jean-Marie
    # Le Pen and François Bayrou clashed" is judged on "and clashed", too short to judge.
    plain = [w for w in words if not w[:1].isupper()]
    if len(plain) < MIN_WORDS:
        return None
    translation = " ".join(plain)
    french = _french_confidence(translation)
    markers = _MARKER.findall(fold(translation))
    marker_share = sum(m in _FRENCH_WORDS for m in markers) / max(1, len(markers))
    if french >= MIN_FRENCH_CONFIDENCE or (french >= LOW_FRENCH_CONFIDENCE
                                           and marker_share >= MIN_MARKER_SHARE):
        return {"expected": "en", "found": "fr", "confidence": round(french, 4)}
    if len(plain) >= 20 and french < 0.5:
        found = language.identify(translation)
        if found is not None and found.code not in ("en", "fr") and (
                found.confidence >= language.MIN_OTHER_CONFIDENCE):
            return {"expected": "en", "found": found.code, "confidence": found.confidence}
    return None


def _french_confidence(text: str) -> float:
    from pipeline import language

    return language.french_confidence(text)


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


def copied_source(source: str, translation: str) -> dict[str, Any] | None:
    """The translation is (nearly) the source copied.

    Method: sources of :data:`MIN_WORDS` words or more only. The same letters and digits
    (ignoring case, accents, punctuation and spaces) fire; so does a translation holding
    :data:`MAX_COPIED_SHARE` or more of the source's distinct words of 3+ letters (case and
    accents aside), when the source has :data:`MIN_COPY_WORDS` or more of them (capitalised
    words, which are names or sentence starts, and numbers are left out: they stay the same in
    a good translation).

    Evidence: ``expected`` the highest share allowed, ``found`` the share copied (0-1),
    ``identical`` (bool) and ``copied`` (the words, up to 12).
    """
    if len(_WORD.findall(source)) < MIN_WORDS or not translation.strip():
        return None
    if _squash(source) == _squash(translation):
        return {"expected": f"< {MAX_COPIED_SHARE}", "found": 1.0, "identical": True,
                "copied": []}
    words = {fold(w) for w in _WORD.findall(source) if len(w) >= 3 and not w[0].isupper()}
    if len(words) < MIN_COPY_WORDS:
        return None
    target = {fold(w) for w in _WORD.findall(translation)}
    copied = sorted(words & target)
    share = len(copied) / len(words)
    if share < MAX_COPIED_SHARE:
        return None
    return {"expected": f"< {MAX_COPIED_SHARE}", "found": round(share, 3), "identical": False,
            "copied": copied[:12]}


def invented_words(source: str, translation: str) -> dict[str, Any] | None:
    """The source has no letters ("***", "—", "•", "12 %", "2011.") but the translation has words.

    Method: :func:`pipeline.language.has_letters` on both sides.

    Evidence: ``expected`` [] (no words), ``found`` the translation's words (up to 12).
    """
    from pipeline.language import has_letters

    if not source.strip() or has_letters(source) or not has_letters(translation):
        return None
    return {"expected": [], "found": _WORD.findall(translation)[:12]}


def _consecutive_repeats(tokens: list[str]) -> list[tuple[tuple[str, ...], int]]:
    """Every run of a 1- to :data:`MAX_REPEAT_N`-gram repeated :data:`REPEAT_LIMIT`+ times in
    a row, shortest n-gram first, each (n-gram, times); the tokens of a run are not searched
    again for longer n-grams."""
    found: list[tuple[tuple[str, ...], int]] = []
    taken = [False] * len(tokens)
    for n in range(1, MAX_REPEAT_N + 1):
        start = 0
        while start <= len(tokens) - REPEAT_LIMIT * n:
            first = tokens[start : start + n]
            count = 1
            while tokens[start + count * n : start + (count + 1) * n] == first:
                count += 1
            if count >= REPEAT_LIMIT and not any(taken[start : start + count * n]):
                found.append((tuple(first), count))
                taken[start : start + count * n] = [True] * (count * n)
                start += count * n
            else:
                start += 1
    return found


def repeated_ngram(source: str, translation: str) -> dict[str, Any] | None:
    """A decoding loop: a 1- to 4-gram repeated :data:`REPEAT_LIMIT`+ times in a row, or a
    4-gram seen :data:`REPEAT_LIMIT`+ times anywhere (tokens lower-cased; a number is one token),
    unless the source repeats as much ("Non, non, non" -> "No, no, no").

    Evidence: ``expected`` the most repeats allowed, in words ("at most 2 in a row"),
    ``found`` the repeats, ``ngram`` and ``consecutive`` (in a row, or anywhere).
    """
    tokens = _tokens(translation)
    mirrors = _consecutive_repeats(_tokens(source))
    repeat = None
    for gram, count in _consecutive_repeats(tokens):
        # the source's own repetition, translated ("Non, non, non": "No, no, no"): as long,
        # as many times, and not made of function words ("the the the" mirrors nothing)
        mirror = next((m for m in mirrors if len(m[0]) == len(gram) and m[1] >= count), None)
        if mirror is not None and not set(gram) <= _ENGLISH_STOPWORDS - {"no", "yes"}:
            mirrors.remove(mirror)
            continue
        repeat = gram, count
        break
    consecutive = repeat is not None
    if repeat is None:
        gram, count = _most_common_4gram(tokens)
        if count < REPEAT_LIMIT or (gram and count <= _most_common_4gram(_tokens(source))[1]
                                    and not set(gram) <= _ENGLISH_STOPWORDS):
            return None
        repeat = gram, count
    where = "in a row" if consecutive else "times"
    return {"expected": f"at most {REPEAT_LIMIT - 1} {where}", "found": repeat[1],
            "ngram": " ".join(repeat[0]), "consecutive": consecutive}


def _most_common_4gram(tokens: list[str]) -> tuple[tuple[str, ...], int]:
    grams = Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))
    return grams.most_common(1)[0] if grams else ((), 0)


def odd_length_ratio(source: str, translation: str) -> dict[str, Any] | None:
    """Translation/source character ratio outside [:data:`MIN_LENGTH_RATIO`,
    :data:`MAX_LENGTH_RATIO`], for sources of :data:`MIN_SOURCE_CHARS_FOR_RATIO`+ characters.

    Evidence: ``expected`` the bounds [min, max], ``found`` the ratio, and both lengths.
    """
    if len(source.strip()) < MIN_SOURCE_CHARS_FOR_RATIO:
        return None
    ratio = length_ratio(source, translation)
    if MIN_LENGTH_RATIO <= ratio <= MAX_LENGTH_RATIO:
        return None
    return {"expected": [MIN_LENGTH_RATIO, MAX_LENGTH_RATIO], "found": round(ratio, 3),
            "source_chars": len(source.strip()), "translation_chars": len(translation.strip())}


def _texts(items: Sequence[Quantity]) -> list[str]:
    return [q.text for q in items]


def numbers_changed(source: str, translation: str) -> dict[str, Any] | None:
    """The numbers, dates, times and decades differ between source and translation.

    Method: :func:`pipeline.entities.quantities` reads the French source and the English
    translation into normalised values and :func:`pipeline.entities.match_quantities` pairs
    them; a quantity written in digits on one side with no partner on the other fires. Numbers
    written in words ("three", "dix") may partner a number in digits but are never required.

    Evidence: ``expected`` the source's quantities in digits (normalised: ``1500000``,
    ``2011-12-14``, ``15:30``, ``1990s``), ``found`` the translation's, ``missing`` (in the
    source, not in the translation) and ``extra`` (in the translation, not in the source).
    """
    expected = quantities(source, "fr")
    found = quantities(translation, "en")
    missing, extra = match_quantities(expected, found)
    if not missing and not extra:
        return None
    return {"expected": _texts([q for q in expected if not q.soft]),
            "found": _texts([q for q in found if not q.soft]),
            "missing": _texts(missing), "extra": _texts(extra)}


def names_missing(source: str, translation: str) -> dict[str, Any] | None:
    """Proper names of the source that the translation lacks.

    Method (no model): :func:`pipeline.entities.names` finds the source's names (capitalised
    words not at a sentence start, or at one when a table knows them; acronyms; words with
    inner capitals or digits; stoplisted French words, months and weekdays left out) and
    :func:`pipeline.entities.name_found` looks for each in the translation, allowing for case,
    accents, French/English exonyms and demonyms (Allemagne/Germany, Allemands/Germans,
    ONU/UN), acronyms in another order (OTAN/NATO) and endings that differ (Ministère/Ministry).

    Evidence: ``expected`` the source's names, ``found`` those in the translation, ``missing``.
    """
    expected = names(source, "fr")
    if not expected:
        return None
    seen = text_words(translation)
    found = [n for n in expected if name_found(n, translation, seen)]
    missing = [n.text for n in expected if n not in found]
    if not missing:
        return None
    return {"expected": [n.text for n in expected], "found": [n.text for n in found],
            "missing": list(dict.fromkeys(missing))}


#: Check name -> check(source_fr, translation_en) -> evidence, or None when it does not fire.
SEGMENT_CHECKS: dict[str, Callable[[str, str], dict[str, Any] | None]] = {
    "empty": empty,
    "not-english": not_english,
    "copied-source": copied_source,
    "invented-words": invented_words,
    "repeated-ngram": repeated_ngram,
    "length-ratio": odd_length_ratio,
    "numbers-changed": numbers_changed,
    "names-missing": names_missing,
}


def low_confidence(logprob: float | None, threshold: float = MIN_LOGPROB
                   ) -> dict[str, Any] | None:
    """The model gave its own translation a low probability.

    Method: the mean natural log-probability per generated token of the hypothesis under the
    model (:func:`pipeline.hf.mean_logprobs`; CTranslate2's score with the length penalty
    undone), compared with ``threshold`` (:data:`MIN_LOGPROB`). Source: Fomicheva et al.
    (2020), "Unsupervised Quality Estimation for Neural Machine Translation", TACL 8 (the "TP"
    estimate). None when there is no score.

    Evidence: ``expected`` ">= threshold", ``found`` the mean log-probability (4 decimals).
    """
    if logprob is None or round(logprob, 4) >= threshold:  # as stored and shown
        return None
    return {"expected": f">= {threshold}", "found": round(logprob, 4)}


def segment_flags(source: str, translation: str, index: int | None = None,
                  logprob: float | None = None) -> list[Flag]:
    """The checks of :data:`SEGMENT_CHECKS` that fire on one segment, in registry order, then
    ``low-confidence`` (:func:`low_confidence`) when ``logprob`` is given.

    An empty translation is flagged ``empty`` alone: its length ratio and missing numbers follow
    from it and would only add noise. A copied source is not also flagged ``not-english``.

    Args:
        source: The French source segment.
        translation: Its English translation.
        index: The segment's ``Segment.index`` within its article, kept on each flag.
        logprob: The model's mean token log-probability of the translation, or None.

    Returns:
        One :class:`~pipeline.records.Flag` (scope ``segment``) per check that fired.
    """
    evidence = empty(source, translation)
    if evidence is not None:
        return [Flag("empty", evidence, index)]
    flags = [Flag(name, evidence, index) for name, check in SEGMENT_CHECKS.items()
             if name != "empty" and (evidence := check(source, translation)) is not None]
    if any(f.name == "copied-source" for f in flags):
        flags = [f for f in flags if f.name != "not-english"]
    if (evidence := low_confidence(logprob)) is not None:
        flags.append(Flag("low-confidence", evidence, index))
    return flags


def quality_flags(source: str, translation: str) -> list[str]:
    """The names of the checks that fire on one segment (see :func:`segment_flags`)."""
    return [flag.name for flag in segment_flags(source, translation)]


# -- summary checks ----------------------------------------------------------------------------


@functools.cache
def _stemmer() -> Any:
    from nltk.stem import porter

    return porter.PorterStemmer("ORIGINAL_ALGORITHM")  # as rouge-score stems


def content_words(text: str) -> set[str]:
    """The content words of an English text: lower-cased, stopwords out, Porter-stemmed as
    rouge-score stems (words of 4+ letters); numbers kept as written."""
    stem = _stemmer().stem
    words = set()
    for word in re.findall(r"[a-z0-9]+", fold(text)):
        if word in _ENGLISH_STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        words.add(stem(word) if len(word) > 3 else word)
    return words


def support(sentence: str, sentences: Sequence[set[str]]) -> tuple[list[int], float]:
    """The translated sentences that support a summary sentence, and how much of it they cover.

    Method: greedy cover of the summary sentence's content words (:func:`content_words`): the
    translated sentence holding most of them first (ROUGE-1 recall against it), then each that
    adds :data:`MIN_SUPPORT_GAIN` of them or more, up to :data:`MAX_SUPPORT_SENTENCES`.

    Args:
        sentence: One summary sentence.
        sentences: The content words of each translated sentence, in order.

    Returns:
        (indices of the supporting sentences, best first; share of the content words covered,
        0-1, or 1.0 for a sentence without content words).
    """
    words = content_words(sentence)
    if not words:
        return [], 1.0
    covered: set[str] = set()
    chosen: list[int] = []
    while len(chosen) < MAX_SUPPORT_SENTENCES:
        gains = [(len((words & other) - covered), -i) for i, other in enumerate(sentences)
                 if i not in chosen]
        if not gains:
            break
        gain, best = max(gains)
        if gain == 0 or (chosen and gain < MIN_SUPPORT_GAIN * len(words)):
            break
        chosen.append(-best)
        covered |= words & sentences[-best]
    return chosen, len(covered) / len(words)


def _in_any(item: Quantity, others: Sequence[Quantity]) -> bool:
    missing, _ = match_quantities([item], others)
    return not missing


def summary_flags(summary: str, sentences: Sequence[str],
                  source_text: str = "") -> tuple[list[Flag], list[list[int]]]:
    """The summary checks, and the translated sentences that support each summary sentence.

    The summary is split into sentences with :func:`pipeline.metrics.split_sentences`. Per
    summary sentence k (evidence ``summary_sentence``: k, and ``sentence``: its text):

    - ``invented-number``: a quantity in digits (:func:`pipeline.entities.quantities`, same
      normalisation as ``numbers-changed``) that matches none of the translation's. Evidence:
      ``expected`` the translation's quantities, ``found`` the invented ones, ``in_source``
      those of them that the French source has (when ``source_text`` is given).
    - ``invented-name``: a name (:func:`pipeline.entities.names`, English rules) not found in the
      translation (:func:`pipeline.entities.name_found`). Evidence: ``expected`` "names of the
      translation", ``found`` the invented names, ``in_source`` those the source has.
    - ``unsupported-sentence``: the supporting sentences (:func:`support`) cover under
      :data:`MIN_SUPPORT` of its content words. Evidence: ``expected`` :data:`MIN_SUPPORT`,
      ``found`` the share covered, ``support`` the best sentences found.

    And for the whole summary (``summary_sentence`` None): ``summary-longer-than-text``, when
    the summary has more characters than the translation (evidence: ``expected`` the
    translation's characters, the most allowed, ``found`` the summary's).

    Args:
        summary: The English summary.
        sentences: The article's translated sentences, in order.
        source_text: The French article, to say whether an invented item is in the source.

    Returns:
        (flags, scope ``summary`` and segment None; support links: for each summary sentence,
        the indices in ``sentences`` of the sentences that support it, best first).
    """
    from pipeline.metrics import split_sentences

    flags: list[Flag] = []
    summary_sentences = split_sentences(summary) if summary.strip() else []
    translation = " ".join(s.strip() for s in sentences)
    if summary.strip() and len(summary.strip()) > len(translation):
        flags.append(Flag("summary-longer-than-text",
                          {"expected": len(translation), "found": len(summary.strip()),
                           "summary_sentence": None}, None, "summary"))
    found_quantities = quantities(translation, "en")
    source_quantities = quantities(source_text, "fr") if source_text else []
    seen = text_words(translation)
    source_seen = text_words(source_text) if source_text else None
    sentence_words = [content_words(s) for s in sentences]
    links: list[list[int]] = []
    for k, sentence in enumerate(summary_sentences):
        base = {"summary_sentence": k, "sentence": sentence}
        invented = [q for q in quantities(sentence, "en")
                    if not q.soft and not _in_any(q, found_quantities)]
        if invented:
            flags.append(Flag("invented-number", {
                "expected": list(dict.fromkeys(_texts([q for q in found_quantities
                                                       if not q.soft]))),
                "found": _texts(invented),
                "in_source": _texts([q for q in invented if _in_any(q, source_quantities)]),
                **base}, None, "summary"))
        made_up = [n for n in names(sentence, "en") if not name_found(n, translation, seen)]
        if made_up:
            flags.append(Flag("invented-name", {
                "expected": "names of the translation", "found": [n.text for n in made_up],
                "in_source": [n.text for n in made_up
                              if source_seen is not None
                              and name_found(n, source_text, source_seen)],
                **base}, None, "summary"))
        chosen, covered = support(sentence, sentence_words)
        links.append(chosen)
        if covered < MIN_SUPPORT and len(content_words(sentence)) >= MIN_JUDGED_WORDS:
            flags.append(Flag("unsupported-sentence", {
                "expected": MIN_SUPPORT, "found": round(covered, 3), "support": chosen,
                **base}, None, "summary"))
    return flags, links


#: Summary check names, in the order :func:`summary_flags` reports them.
SUMMARY_CHECKS = ("summary-longer-than-text", "invented-number", "invented-name",
                  "unsupported-sentence")


# -- verdict -----------------------------------------------------------------------------------

#: Flag name -> (what a flagged segment or summary sentence is, singular and plural).
_REASONS = {
    "empty": ("sentence with no translation", "sentences with no translation"),
    "not-english": ("sentence not translated into English",
                    "sentences not translated into English"),
    "copied-source": ("sentence copied from the French", "sentences copied from the French"),
    "invented-words": ("sentence with words where the source has none",
                       "sentences with words where the source has none"),
    "repeated-ngram": ("sentence with a repeated phrase (a decoding loop)",
                       "sentences with a repeated phrase (a decoding loop)"),
    "length-ratio": ("sentence much shorter or longer than its source",
                     "sentences much shorter or longer than their source"),
    "numbers-changed": ("sentence with changed numbers", "sentences with changed numbers"),
    "names-missing": ("sentence with missing names", "sentences with missing names"),
    "low-confidence": ("sentence the model is unsure of (low log-probability)",
                       "sentences the model is unsure of (low log-probability)"),
    "invented-number": ("summary sentence with a number not in the text",
                        "summary sentences with numbers not in the text"),
    "invented-name": ("summary sentence with a name not in the text",
                      "summary sentences with names not in the text"),
    "unsupported-sentence": ("summary sentence not supported by the text",
                             "summary sentences not supported by the text"),
    "summary-longer-than-text": ("summary longer than the text", "summary longer than the text"),
    "checks-failed": ("check that could not run", "checks that could not run"),
}


def verdict(flags: Sequence[Flag]) -> tuple[str, list[str]]:
    """An article's verdict from its flags: ``ok`` or ``review``, with reasons in words.

    Rule: ``review`` when any flag fires, except the weak ones (:func:`is_weak`:
    ``names-missing``, which a free but correct translation also raises on a few sentences of an
    article, ``low-confidence``, and ``length-ratio`` on a short source): those make it
    ``review`` only when they fire together on :data:`WEAK_REVIEW_SEGMENTS` or more distinct
    segments.

    Reasons: one per flag name, in :data:`SEGMENT_CHECKS` then summary order, such as "2
    sentences with changed numbers (segments 3, 7)" or "a summary sentence not supported by
    the text (summary sentence 2)"; weak flags that did not decide the verdict end in
    "(minor)". An ``ok`` verdict can so have reasons.

    Args:
        flags: Every flag of the article (segment and summary).

    Returns:
        (``ok`` or ``review``, reasons).
    """
    weak_segments = {f.segment for f in flags if is_weak(f)}
    weak_decides = len(weak_segments) >= WEAK_REVIEW_SEGMENTS
    strong = any(not is_weak(f) for f in flags)
    outcome = "review" if strong or weak_decides else "ok"
    order = [*SEGMENT_CHECKS, "low-confidence", *SUMMARY_CHECKS]
    grouped: dict[str, list[Flag]] = {}
    for flag in flags:
        grouped.setdefault(flag.name, []).append(flag)
    reasons = []
    for name in sorted(grouped, key=lambda n: order.index(n) if n in order else len(order)):
        minor = not weak_decides and all(is_weak(f) for f in grouped[name])
        reasons.append(_reason(name, grouped[name], minor))
    return outcome, reasons


def is_weak(flag: Flag) -> bool:
    """Whether a flag is weak (see :data:`WEAK_FLAGS`): ``names-missing``, ``low-confidence``,
    or ``length-ratio`` on a source under :data:`WEAK_RATIO_CHARS` characters."""
    if flag.name == "length-ratio":
        return flag.evidence.get("source_chars", 0) < WEAK_RATIO_CHARS
    return flag.name in WEAK_FLAGS


def _reason(name: str, flags: list[Flag], minor: bool) -> str:
    one, many = _REASONS.get(name, (f"{name} flag", f"{name} flags"))
    if name == "summary-longer-than-text":
        return "the summary is longer than the text"
    if flags[0].scope == "summary":
        where = sorted({f.evidence.get("summary_sentence") for f in flags
                        if f.evidence.get("summary_sentence") is not None})
        where = [w + 1 for w in where]  # numbered from 1, as the report and brief show them
        label = "summary sentence"
    else:
        where = sorted({f.segment for f in flags if f.segment is not None})
        label = "segment"
    count = len(where) or len(flags)
    text = f"a {one}" if count == 1 else f"{count} {many}"
    if where:
        text += f" ({label}{'s' if len(where) > 1 else ''} {', '.join(map(str, where))})"
    return text + (" (minor)" if minor else "")
