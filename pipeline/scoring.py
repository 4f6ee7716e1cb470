"""Turning an article's translations into an :class:`ArticleResult` with scores and flags.

Always: segment, sentence and split counts and the target/source length ratio. With a reference
translation: BLEU, chrF++ and TER (article level, and per segment when the reference is
segment-aligned). With a reference summary: ROUGE. Quality flags mark suspect segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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


@dataclass
class CorpusText:
    """The run's output lined up with its references, for corpus scores and outside tools.

    ``hypotheses`` has one line per reference segment (one per article for whole-text
    references); a failed article contributes empty lines so the files still line up, and
    is counted in ``missing``.
    """

    hypotheses: list[str] = field(default_factory=list)
    references: list[list[str]] = field(default_factory=list)  # one stream per reference set
    sources: list[str] = field(default_factory=list)
    missing: int = 0


def corpus_text(results: Sequence[ArticleResult]) -> CorpusText:
    """Collect hypotheses and reference streams from every article that has a reference."""
    with_refs = [r for r in results if r.article is not None and r.article.reference is not None]
    streams = min((len(reference_streams(r.article)) for r in with_refs), default=0)
    text = CorpusText(references=[[] for _ in range(streams)])
    for result in with_refs:
        refs = reference_streams(result.article)[:streams]
        count = len(refs[0])
        if result.status == "ok":
            hyps = _hypotheses(result)
        else:
            hyps, text.missing = [""] * count, text.missing + count
        text.hypotheses += hyps
        text.sources += _sources(result.article, count)
        for stream, ref in zip(text.references, refs, strict=True):
            stream += ref
    return text


def corpus_level(results: Sequence[ArticleResult]) -> list[Score]:
    """Corpus BLEU, chrF++ and TER over every article that has a reference (none if none has)."""
    text = corpus_text(results)
    if not text.hypotheses:
        return []
    refs = text.references[0] if len(text.references) == 1 else text.references
    return corpus_scores(text.hypotheses, refs, scope="corpus")


def reference_streams(article: Article) -> list[list[str]]:
    """The article's references as streams of segments (one stream per translator).

    A whole-text reference is one stream of one segment (whitespace collapsed).
    """
    reference = article.reference
    if reference is None:
        return []
    if isinstance(reference, str):
        return [[" ".join(reference.split())]]
    several = article.metadata.get("references") or {}
    if len(several) > 1:
        return [list(r) for r in several.values()]
    return [list(reference)]


def _hypotheses(result: ArticleResult) -> list[str]:
    body = [p for p in result.segments if p.segment.paragraph >= 0]
    article = result.article
    if article is not None and isinstance(article.reference, tuple):
        return _given_segments(body)
    return [" ".join(result.translation.split())]


def _sources(article: Article, count: int) -> list[str]:
    if isinstance(article.reference, tuple):
        return [" ".join(p.split()) for p in article.paragraphs][:count]
    return [" ".join(" ".join(article.paragraphs).split())]


def _reference_scores(article: Article, body: list[TranslatedSegment],
                      translation: str) -> list[Score]:
    streams = reference_streams(article)
    if not streams:
        return []
    refs = streams[0] if len(streams) == 1 else streams
    if isinstance(article.reference, str):  # the whole text is one segment
        return article_scores(translation, article.reference)
    hyps = _given_segments(body)
    return corpus_scores(hyps, refs, scope="article") + segment_scores(hyps, refs)


def _given_segments(body: Sequence[TranslatedSegment], side: str = "translation") -> list[str]:
    """One text per source sentence: the pieces of a broken sentence rejoined.

    ``side`` is ``translation`` (the English) or ``source`` (the French).
    """
    def key(p: TranslatedSegment) -> tuple[int, int]:
        return p.segment.paragraph, p.segment.sentence

    def text(p: TranslatedSegment) -> str:
        return p.translation if side == "translation" else p.segment.source

    return [" ".join(text(p) for p in group if text(p)) for _, group in groupby(body, key=key)]


def _flags(pairs: Sequence[TranslatedSegment]) -> dict[str, list[int]]:
    """Flag name -> indices of the segments it fired on."""
    flagged: dict[str, list[int]] = {}
    for p in pairs:
        for flag in quality_flags(p.segment.source, p.translation):
            flagged.setdefault(flag, []).append(p.segment.index)
    return flagged
