"""One chunk of articles through the stages: segment, translate, summarise, score.

:func:`process_chunk` is the unit of work. Its four steps (:func:`start_work`,
:func:`translate_work`, :func:`summarise_work`, :func:`finish_work`) are also called one by one,
on other processes or machines, by :mod:`pipeline.distributed`: an input travels between them as
a :class:`Work`. A failure in any step fails only the articles it concerns, each with its reason;
a model or memory that cannot be used (:class:`ModelError`, :class:`ConfigError`) stops the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import Any

from .config import Config
from .errors import ConfigError, ModelError
from .language import MIN_OTHER_CONFIDENCE
from .memory import Memory
from .progress import NullProgress
from .records import (
    Article,
    ArticleResult,
    ReadFailure,
    Segment,
    TranslatedSegment,
)
from .summarise import Summariser, build_summariser
from .translate import Advance, Translator, one_to_one, translate_sorted_scored

Item = Article | ReadFailure


@dataclass
class Stages:
    """The models and settings a chunk goes through: what :func:`process_chunk` needs."""

    translator: Translator
    summariser: Summariser
    max_segment_tokens: int = 256
    fidelity: bool = True  # summarise references too, to score brief fidelity
    check_language: bool = True  # identify each article's language (input.check_language)
    other_language: str = "skip"  # skip | fail | translate an article in another language
    keep_english: bool = True  # English segments of a French article kept as they are
    scope: str = "full"  # translate.scope: full, or brief (the title and summary sentences)
    budget: tuple[int, int] = (2, 90)  # summarise.sentences, summarise.words (for a brief)


@dataclass
class Work:
    """An input on its way through the stages: an article, or a read failure carried along
    (``failure`` set) so that every input gives one result, in input order."""

    article: Article | None
    position: int
    segments: list[Segment]
    splits: int
    translations: list[str] = field(default_factory=list)
    # Aligned with ``translations``: the model's mean natural log-probability per generated
    # token of each translation (end token included when generated); None for a kept segment,
    # a translator without scores, or a memory entry stored without one.
    logprobs: list[float | None] = field(default_factory=list)
    summary: str = ""
    summary_chunks: int | None = None
    error: str | None = None
    failure: ReadFailure | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # this input's share of stage time
    reuse: dict[str, tuple[int, int]] = field(default_factory=dict)  # memory hits, misses
    kept: dict[int, str] = field(default_factory=dict)  # segment index -> why not translated
    language: dict[str, Any] = field(default_factory=dict)  # what identification found
    # translate.scope brief: what was chosen to be translated (see _triage); None: everything
    triage: dict[str, Any] | None = None

    @property
    def item(self) -> Item:
        """The input this work was made from."""
        return self.failure if self.failure is not None else self.article  # type: ignore



def build_stages(config: Config, paths: dict[str, Path], translator: Translator | None,
            summariser: Summariser | None) -> tuple[Stages, Memory | None]:
    """Load (lazily) the models the config names, behind the translation memory if enabled."""
    translator = translator or _build_translator(config, paths.get("translate"))
    summariser = summariser or build_summariser(config, paths.get("summarise"))
    memory = None
    if config.cache.enabled:
        from .memory import CachedSummariser, CachedTranslator

        memory = Memory(config.cache.path)
        if translator.cache_key() is not None:
            translator = CachedTranslator(translator, memory)  # type: ignore[assignment]
        if summariser.cache_key() is not None:
            summariser = CachedSummariser(summariser, memory)  # type: ignore[assignment]
    return stages_from_config(config, translator, summariser), memory


def stages_from_config(config: Config, translator: Translator, summariser: Summariser,
                       **changes: Any) -> Stages:
    """The :class:`Stages` the config asks for, on these models (``changes``: fields set
    otherwise, as the Python API's list translation does)."""
    settings: dict[str, Any] = {
        "max_segment_tokens": min(config.segment.max_tokens, translator.max_input_tokens - 2),
        "check_language": config.input.check_language,
        "other_language": config.input.other_language,
        "keep_english": config.segment.keep_english, "scope": config.translate.scope,
        "budget": (config.summarise.sentences, config.summarise.words)}
    return Stages(translator, summariser, **{**settings, **changes})



def process_chunk(chunk: Sequence[tuple[int, Item]], stages: Stages, progress: Any = None,
                  timings: dict[str, float] | None = None) -> list[ArticleResult]:
    """Segment, translate, summarise and score one chunk of articles.

    Segments of every article in the chunk are translated together, longest first; summaries
    are made together too. A failure in any stage fails only the articles it concerns, each
    with its reason. The four steps are also called one by one, on other machines, by
    :mod:`pipeline.distributed`.

    Args:
        chunk: ``(position in the input, article or read failure)`` pairs.
        stages: The models and settings.
        progress: A progress display (per-batch advances of both model stages).
        timings: Seconds per stage (``translate``, ``summarise``, ``score``: scores, flags and
            brief fidelity, which summarises the references), added to.

    Returns:
        One result per input, in the chunk's order (``position`` set).
    """
    progress = progress or NullProgress()
    timings = timings if timings is not None else {}
    work = start_work(chunk, stages)
    with timed(timings, "translate"):
        translate_work(work, stages.translator, progress, stages.keep_english)
    with timed(timings, "summarise"):
        summarise_work(work, stages.summariser, progress)
    with timed(timings, "score"):
        return finish_work(work, stages)


def start_work(chunk: Sequence[tuple[int, Item]], stages: Stages) -> list[Work]:
    """One :class:`Work` per input, articles segmented (a read failure is carried along).

    With ``stages.scope`` ``brief``, each article keeps only the segments to translate: its
    title and its summary sentences, chosen from the French (see :func:`triage`).
    """
    work = [_segment(item, position, stages) if isinstance(item, Article)
            else Work(None, position, [], 0, error=item.message, failure=item)
            for position, item in chunk]
    if stages.scope == "brief":
        for w in work:
            if w.error is None and w.article is not None:
                _triaged(w, stages.budget)
    return work


def triage(segments: Sequence[Segment], language: str, budget: tuple[int, int]
           ) -> tuple[list[Segment], dict[str, Any]]:
    """The segments a triage brief translates: the title's and the summary sentences'.

    The body's sentences (the pieces of a sentence broken for the model rejoined) are ranked in
    the source language by :func:`pipeline.extractive.select` within ``budget`` (sentences,
    words of the source).

    Args:
        segments: An article's segments, in order.
        language: The source language (``fr``).
        budget: ``(summarise.sentences, summarise.words)``.

    Returns:
        (the kept segments, renumbered from 0 in their order, so that flags and summary support
        name them as stored; ``source_segments``: how many the article has,
        ``source_sentences``: its body sentences, ``summary_sentences``: how many were chosen,
        ``brief_segments``: the kept segments' original indices).
    """
    from .extractive import select

    body = [s for s in segments if s.paragraph >= 0]
    groups = [list(g) for _, g in groupby(body, key=lambda s: (s.paragraph, s.sentence))]
    chosen = select([" ".join(s.source for s in g) for g in groups], language, *budget)
    keep = sorted([s for s in segments if s.paragraph < 0] +
                  [s for k in chosen for s in groups[k]], key=lambda s: s.index)
    info = {"source_segments": len(segments), "source_sentences": len(groups),
            "summary_sentences": len(chosen), "brief_segments": [s.index for s in keep]}
    return [replace(s, index=k) for k, s in enumerate(keep)], info


def _triaged(w: Work, budget: tuple[int, int]) -> None:
    """Narrow an article's work to its triage brief; a failure fails the article alone."""
    try:
        w.segments, w.triage = triage(w.segments, w.article.language if w.article else "fr",
                                      budget)
    except Exception as exc:  # noqa: BLE001 - recorded as this article's failure
        w.error = f"triage failed: {type(exc).__name__}: {exc}"
        return
    w.splits = len({(s.paragraph, s.sentence) for s in w.segments if s.piece > 0})


def finish_work(work: Sequence[Work], stages: Stages) -> list[ArticleResult]:
    """Score the translated and summarised work (and brief fidelity): one result per input,
    in the same order, each with its ``position`` and ``input_sha``."""
    from .scoring import score_article

    results = [failure_result(w.failure, w.language) if w.failure is not None
               else _failed_work(w) if w.error is not None or w.article is None
               else score_article(w.article, translated_segments(w), w.summary, w.splits,
                                  w.summary_chunks, kept=w.kept, language=w.language,
                                  triage=w.triage)
               for w in work]
    if stages.fidelity:
        results = _with_fidelity(results, stages.summariser)
    if stages.scope != "full":  # a failed or skipped article says which run it was part of
        results = [r if "scope" in r.stats else replace(r, stats={**r.stats, "scope": stages.scope})
                   for r in results]
    return [replace(r, position=w.position, input_sha=w.item.input_sha)
            for r, w in zip(results, work, strict=True)]


class timed:
    """Add the seconds a block takes to ``timings[key]``."""

    def __init__(self, timings: dict[str, float], key: str) -> None:
        self.timings, self.key = timings, key

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.start
        self.timings[self.key] = self.timings.get(self.key, 0.0) + elapsed



def _with_fidelity(results: list[ArticleResult], summariser: Summariser) -> list[ArticleResult]:
    """Brief fidelity where references exist; a failure costs those scores (recorded), not the
    articles."""
    from .evaluate import add_fidelity

    try:
        return add_fidelity(results, summariser)
    except Exception as exc:  # noqa: BLE001 - the briefs stand without this extra score
        why = f"brief fidelity not scored: {type(exc).__name__}: {exc}"
        return [replace(r, stats={**r.stats, "fidelity_error": why}) if r.status == "ok" else r
                for r in results]



def _build_translator(config: Config, model_dir: Path | None) -> Translator:
    from .translate import build_translator

    return build_translator(config, model_dir)


def _segment(article: Article, position: int, stages: Stages) -> Work:
    from .segment import segment_article

    language: dict[str, Any] = {}
    if stages.check_language:
        found = _identify(article)
        if found is not None:
            language = {"language": found.code, "language_confidence": found.confidence}
            if found.french_share is not None:
                language["french_share"] = found.french_share
        if found is not None and found.code != article.language and (
                found.confidence >= MIN_OTHER_CONFIDENCE and stages.other_language != "translate"):
            return _other_language(article, position, found, stages.other_language, language)
    try:
        segments, splits = segment_article(article, stages.translator.count_tokens,
                                           stages.max_segment_tokens)
    except (ModelError, ConfigError):
        raise  # the model or the memory, not the article: stop the run with one message
    except Exception as exc:  # noqa: BLE001 - recorded as this article's failure
        return Work(article, position, [], 0,
                    error=f"segment failed: {type(exc).__name__}: {exc}")
    return Work(article, position, segments, splits, language=language)


def _identify(article: Article) -> Any:
    """The article's language (:func:`pipeline.language.identify`), French only checked."""
    from .language import identify

    if article.language != "fr":
        return None
    return identify("\n".join([article.title, *article.paragraphs]))


def _other_language(article: Article, position: int, found: Any, action: str,
                    language: dict[str, Any]) -> Work:
    """An article not in the source language: skipped or failed (``input.other_language``),
    with what identification found (and how the text was read) kept for its stats."""
    why = (f"{article.source}: the text is in {found.name} ({found.code}, confidence "
           f"{found.confidence:.2f}), not French; input.other_language: {action} "
           "(set it to translate to translate it anyway)")
    status = "skipped" if action == "skip" else "failed"
    failure = ReadFailure(article.id, article.source, why, status=status)
    return Work(None, position, [], 0, error=why, failure=failure,
                language={**language, **article.reading})


def _stage_progress(progress: Any, name: str, total: int) -> tuple[Advance, Callable[[], None]]:
    """An advance function for a stage and a ``complete`` that tops it up to ``total``
    (repeated texts are computed once, so a model may report fewer)."""
    advance = progress.stage(name, total)
    seen = [0]

    def step(n: int) -> None:
        n = min(n, total - seen[0])
        if n > 0:
            seen[0] += n
            advance(n)

    return step, lambda: step(total - seen[0])


def translate_work(work: Sequence[Work], translator: Translator, progress: Any = None,
                   keep_english: bool = True) -> None:
    """All segments of the chunk at once; if that fails, each article is retried alone.

    Segments without letters ("***", "—", "12 %") and, with ``keep_english``, segments in
    English are not sent to the model: their translation is their source, and ``Work.kept``
    says why (``no-letters``, ``english``).
    """
    live = [w for w in work if w.error is None]
    for w in live:
        w.kept = _kept_segments(w.segments, keep_english)
    texts = [s.source for w in live for s in w.segments if s.index not in w.kept]
    if not texts:  # read failures, or nothing to translate: no model is needed
        for w in live:
            w.translations = [s.source for s in w.segments]
            w.logprobs = [None] * len(w.segments)
        return
    advance, complete = _stage_progress(progress or NullProgress(), "translate", len(texts))
    try:
        flat = translate_sorted_scored(translator, texts, progress=advance)
    except (ModelError, ConfigError):
        raise  # the model or the memory, not the articles: stop with one message
    except Exception:  # noqa: BLE001 - find which articles fail instead of failing them all
        for w in live:
            sources = [s.source for s in w.segments if s.index not in w.kept]
            out = _isolate(w, "translate",
                           lambda s=sources: translate_sorted_scored(translator, s), len(sources))
            _fill(w, out)
        complete()
        return
    position = 0
    for w in live:
        wanted = len(w.segments) - len(w.kept)
        _fill(w, flat[position:position + wanted])
        position += wanted
    complete()


def _fill(w: Work, translated: Sequence[tuple[str, float | None]] | None) -> None:
    """Set the article's translations and log-probabilities (kept segments between); None:
    its translation failed."""
    if translated is None:
        w.translations, w.logprobs = [], []
        return
    w.translations = _with_kept(w, [text for text, _ in translated])
    scores = iter([score for _, score in translated])
    w.logprobs = [None if s.index in w.kept else next(scores) for s in w.segments]


def _kept_segments(segments: Sequence[Segment], keep_english: bool) -> dict[int, str]:
    """Segment index -> why it is kept as it is: no letters, or (``keep_english``) English."""
    from .language import has_letters, is_english

    kept = {}
    for s in segments:
        if not has_letters(s.source):
            kept[s.index] = "no-letters"
        elif keep_english and is_english(s.source):
            kept[s.index] = "english"
    return kept


def _with_kept(w: Work, translated: Sequence[str]) -> list[str]:
    """The article's translations in segment order: the model's, and kept sources between."""
    out, model = [], iter(translated)
    for s in w.segments:
        out.append(s.source if s.index in w.kept else next(model))
    return out


def summarise_work(work: Sequence[Work], summariser: Summariser, progress: Any = None
                   ) -> None:
    """One call for every article still alive; if that fails, each article is retried alone.

    A summariser that extracts (its ``select`` gives indices) ranks each article's translated
    sentences as they were translated, with their paragraphs (the pieces of a broken sentence
    rejoined), instead of splitting the joined translation again. A triage brief's summary is
    all of its translated sentences: they were chosen before translation (see :func:`triage`).
    """
    live = [w for w in work if w.error is None]
    briefs = [w for w in live if w.triage is not None]
    for w in briefs:  # the sentences were chosen before translation: all of them
        w.summary = " ".join(" ".join(_english_sentences(w)).split())
    if briefs and progress is not None:
        _stage_progress(progress, "summarise", len(briefs))[1]()
    live = [w for w in live if w.triage is None]
    if not live:
        return
    select = getattr(summariser, "select", None)  # a duck-typed summariser may not have it
    if select is not None and select([]) is not None:
        _extract(live, summariser, progress)
        return
    texts = [_english_body(w) for w in live]
    advance, complete = _stage_progress(progress or NullProgress(), "summarise", len(texts))
    try:
        summaries = one_to_one(summariser.summarise(texts, progress=advance), texts,
                               "summariser")
        for w, summary, n in zip(live, summaries, _chunks_of(summariser, len(live)),
                                 strict=True):
            w.summary, w.summary_chunks = summary, n
    except (ModelError, ConfigError):
        raise  # the model or the memory, not the articles: stop with one message
    except Exception:  # noqa: BLE001 - isolate the failing article(s)
        for w, text in zip(live, texts, strict=True):
            out = _isolate(w, "summarise", lambda t=text: summariser.summarise([t]), 1)
            if out is not None:
                w.summary, w.summary_chunks = out[0], _chunks_of(summariser, 1)[0]
    complete()


def _extract(live: Sequence[Work], summariser: Summariser, progress: Any) -> None:
    """Summaries chosen from each article's translated sentences (one call; on failure, each
    article alone, a failing one recorded as such)."""
    documents = [_english_sentences(w) for w in live]
    advance, complete = _stage_progress(progress or NullProgress(), "summarise", len(live))

    def pick(docs: Sequence[list[str]]) -> list[str]:
        chosen = summariser.select(docs) or []
        summaries = [" ".join(" ".join(d[k] for k in c).split())
                     for d, c in zip(docs, chosen, strict=False)]
        return one_to_one(summaries, docs, "summariser")

    try:
        for w, summary in zip(live, pick(documents), strict=True):
            w.summary = summary
    except (ModelError, ConfigError):
        raise
    except Exception:  # noqa: BLE001 - isolate the failing article(s)
        for w, doc in zip(live, documents, strict=True):
            out = _isolate(w, "summarise", lambda d=doc: pick([d]), 1)
            if out is not None:
                w.summary = out[0]
    complete()


def _isolate(w: Work, stage: str, call: Callable[[], list[Any]], expected: int
             ) -> list[Any] | None:
    """Run one article's stage alone; on failure record why on the article and return None."""
    if w.error is not None:
        return None
    try:
        return one_to_one(call(), range(expected), stage)
    except (ModelError, ConfigError):
        raise
    except Exception as exc:  # noqa: BLE001 - recorded as this article's failure
        w.error = f"{stage} failed: {type(exc).__name__}: {exc}"
        return None


def _chunks_of(summariser: Summariser, n: int) -> list[int | None]:
    chunks = list(summariser.chunks)
    return chunks if len(chunks) == n else [None] * n


def _english_sentences(w: Work) -> list[str]:
    """The translated body one sentence per source sentence (pieces rejoined), in order; no
    sentence spans a paragraph break."""
    from .scoring import english_sentences

    return english_sentences(translated_segments(w))


def _english_body(w: Work) -> str:
    pairs = translated_segments(w)
    return ArticleResult(w.article.id, w.article.source, "ok", segments=tuple(pairs)).translation


def translated_segments(w: Work) -> list[TranslatedSegment]:
    """The article's segments with their translations and log-probabilities, in order."""
    scores = w.logprobs if len(w.logprobs) == len(w.segments) else [None] * len(w.segments)
    return [TranslatedSegment(s, t, p)
            for s, t, p in zip(w.segments, w.translations, scores, strict=True)]


def failure_result(f: ReadFailure, stats: dict[str, Any] | None = None) -> ArticleResult:
    """The result of an input that failed to read, or was skipped (``stats``: what is known of
    it, e.g. its language)."""
    return ArticleResult(f.id, f.source, f.status, error=f.message, stats=dict(stats or {}))


def _failed_work(w: Work) -> ArticleResult:
    return ArticleResult(w.article.id, w.article.source, "failed", error=w.error,
                         article=w.article, position=w.position)
