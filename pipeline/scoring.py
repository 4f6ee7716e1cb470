"""Turning an article's translations into an :class:`ArticleResult` with scores and flags.

Always: segment, sentence and split counts and the target/source length ratio. With a reference
translation: BLEU, chrF++ and TER (article level, and per segment when the reference is
segment-aligned). With a reference summary: ROUGE. Quality flags mark suspect segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from .metrics import article_scores, corpus_scores, length_ratio, rouge_scores, segment_scores
from .quality import quality_flags
from .records import Article, ArticleResult, Score, TranslatedSegment

COUNT = "count"
RATIO = "chars(translation)/chars(source)"


def score_article(article: Article, pairs: Sequence[TranslatedSegment], summary: str,
                  splits: int, summary_chunks: int | None = None) -> ArticleResult:
    """Build the result of one translated article: English title, flags, stats and scores."""
    title = " ".join(p.translation for p in pairs if p.segment.paragraph < 0)
    body = [p for p in pairs if p.segment.paragraph >= 0]
    result = ArticleResult(article.id, article.source, "ok", article=article, title=title,
                           segments=tuple(pairs), summary=summary)
    source_text = "\n\n".join(article.paragraphs)
    flagged = _flags(pairs)
    stats = {
        "segments": len(pairs),
        "sentences": len(_given_segments(body)),
        "splits": splits,
        "paragraphs": len(article.paragraphs),
        "source_chars": len(source_text),
        "translation_chars": len(result.translation),
        "summary_chunks": summary_chunks,
        "flagged_segments": flagged,
    }
    scores = [
        Score("segments", float(len(pairs)), "article", COUNT),
        Score("splits", float(splits), "article", COUNT),
        Score("length-ratio", round(length_ratio(source_text, result.translation), 4),
              "article", RATIO),
        *_reference_scores(article, body, result.translation),
    ]
    if article.reference_summary and summary:
        scores += rouge_scores(summary, article.reference_summary)
    return ArticleResult(article.id, article.source, "ok", article=article, title=title,
                         segments=tuple(pairs), summary=summary, scores=tuple(scores),
                         flags=tuple(sorted(flagged)), stats=stats)


def corpus_level(results: Sequence[ArticleResult]) -> list[Score]:
    """Corpus BLEU, chrF++ and TER over every article that has a reference (none if none has).

    Segment-aligned references contribute one line per given segment; whole-text references
    contribute one line per article.
    """
    hyps: list[str] = []
    refs: list[str] = []
    for result in results:
        article = result.article
        if result.status != "ok" or article is None or article.reference is None:
            continue
        body = [p for p in result.segments if p.segment.paragraph >= 0]
        if isinstance(article.reference, tuple):
            hyps += _given_segments(body)
            refs += list(article.reference)
        else:
            hyps.append(" ".join(result.translation.split()))
            refs.append(" ".join(article.reference.split()))
    return corpus_scores(hyps, refs, scope="corpus") if hyps else []


def _reference_scores(article: Article, body: list[TranslatedSegment],
                      translation: str) -> list[Score]:
    reference = article.reference
    if reference is None:
        return []
    if isinstance(reference, str):
        return article_scores(translation, reference)
    hyps = _given_segments(body)
    return corpus_scores(hyps, list(reference), scope="article") + segment_scores(
        hyps, list(reference))


def _given_segments(body: Sequence[TranslatedSegment]) -> list[str]:
    """One translation per source sentence: the pieces of a broken sentence rejoined."""
    def key(p: TranslatedSegment) -> tuple[int, int]:
        return p.segment.paragraph, p.segment.sentence

    return [" ".join(p.translation for p in group if p.translation)
            for _, group in groupby(body, key=key)]


def _flags(pairs: Sequence[TranslatedSegment]) -> dict[str, list[int]]:
    """Flag name -> indices of the segments it fired on."""
    flagged: dict[str, list[int]] = {}
    for p in pairs:
        for flag in quality_flags(p.segment.source, p.translation):
            flagged.setdefault(flag, []).append(p.segment.index)
    return flagged
