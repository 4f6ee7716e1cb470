"""Extractive summaries: an article's own sentences, ranked and chosen within a budget; no model.

The method, for one article given as its sentences in order (the title left out):

1. **Words.** Each sentence becomes a bag of content words: lower-cased words and numbers,
   function words of the article's language dropped (:data:`STOPWORDS`, English and French),
   the rest reduced to their Snowball stem (Porter's Snowball stemmers, English and French, from
   NLTK). Each word is weighted by its count times its inverse sentence frequency within the
   article, ``log((n + 1) / (df + 0.5))``: words that run through every sentence count little.
2. **Centrality.** A sentence's centrality is its mean cosine similarity to the other sentences
   (degree centrality on the continuous similarity graph: Erkan and Radev 2004, "LexRank:
   Graph-based lexical centrality as salience in text summarization", JAIR 22). A sentence that
   shares the words the article keeps coming back to is central.
3. **Position prior.** News is written top-down (the inverted pyramid): the i-th sentence
   (from 0) has weight ``1 / (i + 1)`` (:data:`POSITION_POWER`). Relevance is centrality times
   prior, scaled to a maximum of 1.
4. **Redundancy.** Sentences are taken one at a time by maximal marginal relevance (Carbonell
   and Goldstein 1998, "The use of MMR, diversity-based reranking for reordering documents and
   producing summaries", SIGIR): ``LAMBDA * relevance - (1 - LAMBDA) * max similarity to the
   sentences already taken``, with :data:`LAMBDA` 0.5 (the two weighed equally).
5. **Budget.** At most ``max_sentences`` sentences and ``max_words`` words (whitespace-separated
   tokens). The first sentence taken always goes in, whatever its length (sentences are never
   cut); a later one that would take the summary past the word budget is passed over for the
   next that fits. A text that fits the budget whole is its own summary.

The chosen sentences keep the article's order. Sentences are the units the caller gives: in the
pipeline, the segments that were translated (with their paragraphs), so no sentence ever spans a
paragraph break. The constants are textbook choices (a harmonic position prior, relevance and
redundancy weighed equally), not fitted: on the development set (``bench/summaries.py``) the
scores move by under a point of ROUGE across prior exponents 0.5-2, ``LAMBDA`` 0.5-1 and budgets
of 60-100 words, which is within the set's noise.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

from . import entities

#: The exponent of the position prior ``1 / (i + 1) ** POSITION_POWER``.
POSITION_POWER = 1.0
#: Maximal marginal relevance: weight of relevance against redundancy.
LAMBDA = 0.5

#: Function words, folded (lower case, no accents), per language.
STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("""
        a an the and or but if so as of to in on at by for with from into onto over under about
        after before since during than then there here this that these those it its it's he she
        they we you i me him her them us his hers their theirs our your my mine is are was were
        be been being am has have had having do does did doing will would shall should can could
        may might must not no nor also just only even more most much many some any all each
        every other such what which who whom whose when where why how said says say told tell
        according very too up out off again further once both own same s t don't didn't won't
        isn't wasn't aren't weren't hasn't haven't hadn't can't couldn't mr mrs ms
        """.split()),
    "fr": frozenset("""
        le la les l un une des du de d et ou mais donc or ni car si comme que qu qui quoi dont ou
        ce cet cette ces c ca cela ceci celui celle ceux celles il ils elle elles on je j tu nous
        vous me m moi toi te t se s lui leur leurs mon ma mes ton ta tes son sa ses notre nos
        votre vos y en au aux a dans par pour sur sous avec sans chez vers entre contre selon
        apres avant depuis pendant lors des jusqu malgre parmi quand lorsque puisque parce ainsi
        alors aussi encore enfin cependant pourtant toutefois deja ensuite puis tout tous toute
        toutes autre autres meme memes tel telle tels telles ne n pas plus moins tres trop peu
        bien est sont etait etaient sera seront ete etre ont avait avaient avoir fait faire a
        as ai eu sont soit sont va vont peut peuvent doit dit selon cet cette m mme
        """.split()),
}

_WORD = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")


fold = entities.fold  # lower case, no accents, plain apostrophes: "Pékin" -> "pekin"


@functools.cache
def _stemmer(language: str) -> Callable[[str], str]:
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer({"fr": "french"}.get(language, "english")).stem


def content_words(sentence: str, language: str = "en") -> list[str]:
    """The stemmed content words of a sentence, in order (function words and single letters out).

    Args:
        sentence: One sentence.
        language: ``en`` or ``fr`` (another code is treated as English).

    Returns:
        Snowball stems of the words that are not function words of ``language``; numbers as
        written.
    """
    stop = STOPWORDS.get(language, STOPWORDS["en"])
    stem = _stemmer(language)
    words = []
    for word in _WORD.findall(sentence.lower()):
        if word[0].isdigit():
            words.append(word)
        elif len(word) > 1 and fold(word) not in stop:
            words.append(stem(word))
    return words


def _vectors(sentences: Sequence[str], language: str) -> list[dict[str, float]]:
    """TF-ISF vectors: count times ``log((n + 1) / (df + 0.5))`` within the article."""
    bags = [Counter(content_words(s, language)) for s in sentences]
    df = Counter(word for bag in bags for word in bag)
    n = len(bags)
    isf = {word: math.log((n + 1) / (count + 0.5)) for word, count in df.items()}
    return [{w: c * isf[w] for w, c in bag.items()} for bag in bags]


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def relevance(sentences: Sequence[str], language: str = "en"
              ) -> tuple[list[float], list[list[float]], list[bool]]:
    """Each sentence's relevance (centrality times position prior), the similarity matrix, and
    which sentences have content words.

    Args:
        sentences: The article's sentences, in order.
        language: ``en`` or ``fr``: which function words and stemmer.

    Returns:
        (relevance per sentence, 0-1 with a maximum of 1 unless all are 0; cosine similarities,
        ``n x n``, 0 on the diagonal; per sentence, True when it has content words). A sentence
        without content words has relevance 0.
    """
    vectors = _vectors(sentences, language)
    n = len(vectors)
    sim = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            sim[i][j] = sim[j][i] = _cosine(vectors[i], vectors[j])
    central = [sum(row) / (n - 1) if n > 1 else 1.0 for row in sim]
    scores = [c / (i + 1) ** POSITION_POWER if vectors[i] else 0.0
              for i, c in enumerate(central)]
    top = max(scores, default=0.0)
    return ([s / top for s in scores] if top else scores), sim, [bool(v) for v in vectors]


def select(sentences: Sequence[str], language: str = "en", max_sentences: int = 2,
           max_words: int = 90) -> list[int]:
    """The indices of the summary sentences, in text order (see the module's method).

    Args:
        sentences: The article's sentences, in order (one unit each: never re-split).
        language: ``en`` or ``fr``.
        max_sentences: At most this many sentences (>= 1).
        max_words: At most this many words, except that the first sentence chosen always goes
            in; a text of at most ``max_sentences`` sentences and ``max_words`` words is its
            own summary (every index).

    Returns:
        Sorted indices into ``sentences``; empty only when ``sentences`` is empty.

    Raises:
        ValueError: ``max_sentences`` or ``max_words`` below 1.
    """
    if max_sentences < 1 or max_words < 1:
        raise ValueError(f"max_sentences and max_words must be at least 1, got "
                         f"{max_sentences} and {max_words}")
    lengths = [len(s.split()) for s in sentences]
    if len(sentences) <= max_sentences and sum(lengths) <= max_words:
        return list(range(len(sentences)))
    scores, sim, worded = relevance(sentences, language)
    # A sentence without content words ("***", "12 %") is no summary; if none has any, the
    # lead is taken by position alone (ties go to the earlier sentence).
    candidates = [i for i, has in enumerate(worded) if has] or list(range(len(sentences)))
    chosen: list[int] = []
    words = 0
    while candidates and len(chosen) < max_sentences:
        best = max(candidates, key=lambda i: (
            LAMBDA * scores[i] - (1 - LAMBDA) * max((sim[i][j] for j in chosen), default=0.0),
            -i))
        candidates.remove(best)
        if chosen and words + lengths[best] > max_words:
            continue
        chosen.append(best)
        words += lengths[best]
    return sorted(chosen)
