"""Turning an article's translations into an :class:`ArticleResult` with scores and flags.

Always: segment, sentence and split counts and the target/source length ratio. With a reference
translation: BLEU, chrF++ and TER (article level, and per segment when the reference is
segment-aligned). With a reference summary: ROUGE. Quality flags mark suspect segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any

from .metrics import article_scores, corpus_scores, length_ratio, rouge_scores, segment_scores
from .quality import segment_flags, summary_flags
from .quality import verdict as article_verdict
from .records import Article, ArticleResult, Flag, Score, TranslatedSegment

COUNT = "count"
RATIO = "chars(translation)/chars(source)"


def score_article(article: Article, pairs: Sequence[TranslatedSegment], summary: str,
                  splits: int, summary_chunks: int | None = None,
                  kept: dict[int, str] | None = None,
                  language: dict[str, Any] | None = None,
                  triage: dict[str, Any] | None = None) -> ArticleResult:
    """Build the result of one translated article: English title, flags, stats and scores.

    A triage brief (``triage`` given: only the title and the summary sentences were
    translated) gets no translation scores against references, which would score a part of
    the text as if it were the whole; its summary is still scored against a reference summary.

    Args:
        article: The article.
        pairs: Its segments with their translations, in order.
        summary: The English summary.
        splits: Sentences broken because they were too long for the model.
        summary_chunks: Chunks the summariser read (None: one, or not known).
        kept: Segment index -> why the segment was kept as it is rather than translated
            (``no-letters``, ``english``): counted and listed in the stats, not flagged.
        language: What language identification found (``language``, ``language_confidence``).
        triage: For ``translate.scope: brief``, what was chosen (see
            :func:`pipeline.stages.triage`): added to the stats with ``scope: brief``.
    """
    kept = kept or {}
    title = " ".join(p.translation for p in pairs if p.segment.paragraph < 0)
    body = [p for p in pairs if p.segment.paragraph >= 0]
    result = ArticleResult(article.id, article.source, "ok", article=article, title=title,
                           segments=tuple(pairs), summary=summary)
    source_text = "\n\n".join(article.paragraphs)
    translated_source = source_text if triage is None else "\n\n".join(
        " ".join(p.segment.source for p in group)
        for _, group in groupby(body, key=lambda p: p.segment.paragraph))
    issues, support = _checks(pairs, body, summary, source_text, kept)
    flagged: dict[str, list[int]] = {}
    for flag in issues:
        if flag.segment is not None:
            flagged.setdefault(flag.name, []).append(flag.segment)
    verdict, reasons = article_verdict(issues)
    stats = {
        "segments": len(pairs),
        "sentences": len(_given_segments(body)),
        "splits": splits,
        "paragraphs": len(article.paragraphs),
        "source_chars": len(source_text),
        "translation_chars": len(result.translation),
        "summary_chunks": summary_chunks,  # 0: the text is its own summary (no model call)
        "summary_is_text": bool(summary) and summary == " ".join(result.translation.split())
        and (triage is None or triage["summary_sentences"] == triage["source_sentences"]),
        "flagged_segments": flagged,
        **_confidence([p for p in pairs if p.segment.index not in kept]),
        **(language or {}),
        **article.reading,
    }
    if triage is not None:
        stats.update(scope="brief", **triage)
    for reason in sorted(set(kept.values())):  # e.g. kept_english: [3, 7]
        stats[f"kept_{reason.replace('-', '_')}"] = sorted(i for i, r in kept.items()
                                                          if r == reason)
    scores = [
        Score("segments", float(len(pairs)), "article", COUNT),
        Score("splits", float(splits), "article", COUNT),
        Score("length-ratio", round(length_ratio(translated_source, result.translation), 4),
              "article", RATIO),
        *(_reference_scores(article, body, result.translation) if triage is None else []),
    ]
    if article.reference_summary and summary:
        scores += rouge_scores(summary, article.reference_summary)
    return ArticleResult(article.id, article.source, "ok", article=article, title=title,
                         segments=tuple(pairs), summary=summary, scores=tuple(scores),
                         flags=tuple(sorted({f.name for f in issues})), stats=stats,
                         issues=tuple(issues), verdict=verdict, reasons=tuple(reasons),
                         support=tuple(support))


def _checks(pairs: Sequence[TranslatedSegment], body: Sequence[TranslatedSegment], summary: str,
            source_text: str, kept: dict[int, str]
            ) -> tuple[list[Flag], list[tuple[int, ...]]]:
    """Every flag of the article (segments not kept, then the summary) and the summary's
    support; a check that raises becomes a ``checks-failed`` flag, never the run's end."""
    try:
        issues = [flag for p in pairs if p.segment.index not in kept
                  for flag in segment_flags(p.segment.source, p.translation, p.segment.index,
                                            p.logprob)]
        support: list[tuple[int, ...]] = []
        if summary:
            starts, sentences = _sentences_with_starts(body)
            summary_issues, links = summary_flags(summary, sentences, source_text)
            issues += [_in_segments(flag, starts) for flag in summary_issues]
            support = [tuple(starts[k] for k in found) for found in links]
        return issues, support
    except Exception as exc:  # noqa: BLE001 - the translation stands; say the checks did not
        return [Flag("checks-failed", {"expected": "every check run",
                                       "found": f"{type(exc).__name__}: {exc}"})], []


def _confidence(pairs: Sequence[TranslatedSegment]) -> dict[str, Any]:
    """The model's confidence over the article's translated segments: ``logprob_mean`` (the
    mean of the segments' mean token log-probabilities), ``logprob_min`` and the segment
    holding it (``logprob_min_segment``), ``logprob_segments`` (how many have one) and
    ``logprob_missing`` (how many have none: translations the memory held from a version that
    did not store scores); nothing when no segment has one."""
    scored = [(p.logprob, p.segment.index) for p in pairs if p.logprob is not None]
    if not scored:
        return {"logprob_missing": len(pairs)} if pairs else {}
    lowest = min(scored)
    return {"logprob_mean": round(sum(v for v, _ in scored) / len(scored), 4),
            "logprob_min": round(lowest[0], 4), "logprob_min_segment": lowest[1],
            "logprob_segments": len(scored), "logprob_missing": len(pairs) - len(scored)}


def _in_segments(flag: Flag, starts: Sequence[int]) -> Flag:
    """A summary flag whose evidence names supporting sentences by segment index, as
    ``summary_support`` does (the checks count sentences)."""
    if "support" not in flag.evidence:
        return flag
    evidence = {**flag.evidence, "support": [starts[k] for k in flag.evidence["support"]]}
    return replace(flag, evidence=evidence)


def english_sentences(pairs: Sequence[TranslatedSegment]) -> list[str]:
    """The English body (title left out) one sentence per source sentence, the pieces of a
    broken sentence rejoined, whitespace collapsed; a sentence never spans two paragraphs."""
    body = [p for p in pairs if p.segment.paragraph >= 0]
    return [" ".join(s.split()) for s in _sentences_with_starts(body)[1]]


def _sentences_with_starts(body: Sequence[TranslatedSegment]) -> tuple[list[int], list[str]]:
    """The English body one sentence per source sentence (pieces rejoined), and the segment
    index each begins with: summary support is stored as segment indices."""
    starts, sentences = [], []
    for _, group in groupby(body, key=lambda p: (p.segment.paragraph, p.segment.sentence)):
        items = list(group)
        starts.append(items[0].segment.index)
        sentences.append(" ".join(p.translation for p in items if p.translation))
    return starts, sentences


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
    testsets: list[str] = field(default_factory=list)
    articles: int = 0  # articles with a reference


def corpus_part(result: ArticleResult) -> dict[str, Any] | None:
    """One article's share of the test-set files, as stored with it (None without reference).

    Keys: ``hypotheses`` (one line per reference segment, newlines collapsed; empty lines for a
    failed article), ``references`` (one list per reference set), ``sources``, ``missing``
    (lines a failure left empty) and ``testset``.
    """
    article = result.article
    if article is None or article.reference is None or result.is_triage:
        return None  # a triage brief translated only part of the text
    refs = reference_streams(article)
    count = len(refs[0])
    ok = result.status == "ok"
    return {"hypotheses": [" ".join(h.split()) for h in _hypotheses(result)] if ok
            else [""] * count,
            "references": [[" ".join(r.split()) for r in stream] for stream in refs],
            "sources": _sources(article, count), "missing": 0 if ok else count,
            "testset": article.testset or article.source}


def corpus_text(parts: Sequence[dict[str, Any] | None]) -> CorpusText:
    """Line up the stored parts of every article that has a reference (see corpus_part).

    Only the reference sets that every article has are kept.
    """
    kept = [p for p in parts if p]
    streams = min((len(p["references"]) for p in kept), default=0)
    text = CorpusText(references=[[] for _ in range(streams)])
    text.articles = len(kept)
    for part in kept:
        text.hypotheses += part["hypotheses"]
        text.sources += part["sources"]
        text.missing += part["missing"]
        for stream, ref in zip(text.references, part["references"][:streams], strict=True):
            stream += ref
        if part["testset"] not in text.testsets:
            text.testsets.append(part["testset"])
    return text


def corpus_level(text: CorpusText) -> list[Score]:
    """Corpus BLEU, chrF++ and TER over every article that has a reference (none if none has)."""
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
    if not article.given_segments:
        return [[" ".join(str(reference).split())]]
    if len(article.reference_sets) > 1:
        return [list(segments) for _, segments in article.reference_sets]
    return [list(reference)]


def _hypotheses(result: ArticleResult) -> list[str]:
    body = [p for p in result.segments if p.segment.paragraph >= 0]
    article = result.article
    if article is not None and article.given_segments:
        return _given_segments(body)
    return [" ".join(result.translation.split())]


def _sources(article: Article, count: int) -> list[str]:
    if article.given_segments:
        return [" ".join(p.split()) for p in article.paragraphs][:count]
    return [" ".join(" ".join(article.paragraphs).split())]


def _reference_scores(article: Article, body: list[TranslatedSegment],
                      translation: str) -> list[Score]:
    streams = reference_streams(article)
    if not streams:
        return []
    refs = streams[0] if len(streams) == 1 else streams
    if not article.given_segments:  # the whole text is one segment
        return article_scores(translation, article.reference_text)
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
