"""The flow, written out in order: read -> segment -> translate -> summarise -> score -> store.

Each stage is a plain function call. Models are passed in (or built from the config once), so
tests can run the whole flow with fakes that satisfy the :class:`Translator` and
:class:`Summariser` protocols.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .config import Config, dump_config
from .errors import ConfigError, InputError, ModelError
from .evaluate import add_fidelity, write_evaluation
from .memory import Memory
from .records import Article, ArticleResult, ReadFailure, Score, Segment, TranslatedSegment
from .store import Store
from .summarise import Summariser, build_summariser
from .translate import Translator, one_to_one, translate_in_chunks

# A progress callback: called with (stage, total) it returns a function to call with advances.
Progress = Callable[[str, int], Callable[[int], None]]


@dataclass
class RunOutcome:
    """What a run produced, for the command line to report."""

    name: str
    out_dir: Path
    results: list[ArticleResult]
    corpus_scores: list[Score] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    memory: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (hits, misses)
    notes: list[str] = field(default_factory=list)  # what was not scored, and why

    @property
    def failed(self) -> list[ArticleResult]:
        """The articles that ended as failures."""
        return [r for r in self.results if r.status == "failed"]


@dataclass
class _Work:
    """An article on its way through the stages."""

    article: Article
    segments: list[Segment]
    splits: int
    translations: list[str] = field(default_factory=list)
    summary: str = ""
    summary_chunks: int | None = None
    error: str | None = None


def run(config: Config, *, translator: Translator | None = None,
        summariser: Summariser | None = None, progress: Progress | None = None) -> RunOutcome:
    """Run the whole pipeline for ``config`` and store everything under its output dir.

    Raises:
        ConfigError: the input path matches nothing.
        ModelError: a model is missing (raised before any article is processed).
    """
    from .readers import read_inputs

    started = datetime.now(timezone.utc)
    name = config.run.name or started.strftime("%Y%m%d-%H%M%S")
    timings: dict[str, float] = {}
    clock = start_clock = time.perf_counter()
    inputs = _read(config, read_inputs)
    paths = resolve_models(config, translator is None, summariser is None)
    translator = translator or _build_translator(config, paths.get("translate"))
    summariser = summariser or build_summariser(config, paths.get("summarise"))
    memory, translator, summariser = _with_memory(config, translator, summariser)
    timings["load"] = time.perf_counter() - clock
    out_dir = config.output_dir(name)
    store = Store(out_dir)
    store.open_run(name, config.model_dump(mode="json"), started_at=started.isoformat())
    store.write_config(dump_config(config))

    work = [_segment(a, translator, config) for a in inputs if isinstance(a, Article)]
    clock = time.perf_counter()
    _translate(work, translator, progress)
    timings["translate"] = time.perf_counter() - clock
    clock = time.perf_counter()
    _summarise(work, summariser, progress)
    timings["summarise"] = time.perf_counter() - clock

    from .scoring import corpus_level, score_article

    results = [_failure(f) for f in inputs if isinstance(f, ReadFailure)]
    results += [score_article(w.article, _pairs(w), w.summary, w.splits, w.summary_chunks)
                if w.error is None else _failed_work(w) for w in work]
    order = {item.id: i for i, item in enumerate(inputs)}
    results.sort(key=lambda r: order.get(r.article_id, len(order)))
    corpus = corpus_level(results)
    notes = _comet(config, results, corpus)
    results = _with_fidelity(results, summariser)
    timings["model calls"] = sum(_model_seconds(m) for m in (translator, summariser))
    timings["total"] = time.perf_counter() - start_clock
    _store_all(store, results, corpus, timings)
    write_evaluation(out_dir, name, results, corpus, notes)
    usage = {k: (u.hits, u.misses) for k, u in memory.usage.items()} if memory else {}
    if memory:
        memory.close()
    return RunOutcome(name, out_dir, results, corpus, timings, usage, notes)


def _with_memory(config: Config, translator: Translator, summariser: Summariser
                 ) -> tuple[Memory | None, Translator, Summariser]:
    """Put the translation memory in front of the models (those that can name their settings)."""
    if not config.cache.enabled:
        return None, translator, summariser
    from .memory import CachedSummariser, CachedTranslator

    memory = Memory(config.cache.path)
    if hasattr(translator, "cache_key"):
        translator = CachedTranslator(translator, memory)
    if hasattr(summariser, "cache_key"):
        summariser = CachedSummariser(summariser, memory)
    return memory, translator, summariser


def _store_all(store: Store, results: list[ArticleResult], corpus: list[Score],
               timings: dict[str, float]) -> None:
    for result in results:
        store.add(result)
    store.add_corpus_scores(corpus)
    ok = sum(r.status == "ok" for r in results)
    store.close_run({"articles": len(results), "ok": ok, "failed": len(results) - ok,
                     "seconds": {k: round(v, 3) for k, v in timings.items()},
                     "peak_rss_mb": peak_rss_mb()})


def peak_rss_mb() -> float | None:
    """This process's peak resident memory in MB (Linux's VmHWM; None where unknown).

    ``ru_maxrss`` would do elsewhere, but on Linux it keeps the parent's peak across the
    fork and exec that started this process.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _model_seconds(stage: object) -> float:
    """Seconds a stage's engine spent inside model calls (0 for stages without a model)."""
    inner = getattr(stage, "inner", stage)  # behind the translation memory
    return float(getattr(getattr(inner, "engine", None), "model_seconds", 0.0) or 0.0)


def _comet(config: Config, results: list[ArticleResult], corpus: list[Score]) -> list[str]:
    """Add corpus COMET when a checkpoint is configured; say why not when it cannot be."""
    from .evaluate import comet_score

    if not (config.scores.comet_model and corpus):
        return []
    try:
        corpus.append(comet_score(results, config.scores.comet_model))
    except ModelError as exc:
        return [f"COMET not scored: {exc}"]
    return []


def _with_fidelity(results: list[ArticleResult], summariser: Summariser) -> list[ArticleResult]:
    """Brief fidelity where references exist; a failure costs those scores (recorded), not the
    articles."""
    from dataclasses import replace

    try:
        return add_fidelity(results, summariser)
    except Exception as exc:  # noqa: BLE001 - the briefs stand without this extra score
        why = f"brief fidelity not scored: {type(exc).__name__}: {exc}"
        return [replace(r, stats={**r.stats, "fidelity_error": why}) if r.status == "ok" else r
                for r in results]


def _read(config: Config, read_inputs: Callable[..., list[Article | ReadFailure]]
          ) -> list[Article | ReadFailure]:
    try:
        return read_inputs(config.input.path, config.input.format,
                           max_chars=config.input.max_chars, language=config.input.language,
                           check_language=config.input.check_language,
                           references=config.input.references, origlang=config.input.origlang)
    except InputError as exc:
        raise ConfigError(f"input.path: {exc}") from None


def resolve_models(config: Config, translator: bool, summariser: bool) -> dict[str, Path]:
    """Find every model the run needs before loading any, so a missing one stops it at once."""
    from .models import resolve_model

    wanted = {}
    if translator:
        wanted["translate"] = config.translate
    if summariser and config.summarise.method == "abstractive":
        wanted["summarise"] = config.summarise
    return {stage: resolve_model(s.model, key=f"{stage}.model", revision=s.revision,
                                 models_dir=config.run.models_dir)
            for stage, s in wanted.items()}


def _build_translator(config: Config, model_dir: Path | None) -> Translator:
    from .translate import build_translator

    return build_translator(config, model_dir)


def _segment(article: Article, translator: Translator, config: Config) -> _Work:
    from .segment import segment_article

    count = getattr(translator, "count_tokens", None) or (lambda text: len(text.split()))
    limit = getattr(translator, "max_input_tokens", 512)
    budget = min(config.segment.max_tokens, limit - 2)
    try:
        segments, splits = segment_article(article, count, budget)
    except ModelError:
        raise  # the model's tokenizer, not the article: stop the run with one message
    except Exception as exc:  # noqa: BLE001 - recorded as this article's failure
        return _Work(article, [], 0, error=f"segment failed: {type(exc).__name__}: {exc}")
    return _Work(article, segments, splits)


def _translate(work: list[_Work], translator: Translator, progress: Progress | None) -> None:
    """All segments of all articles at once; if that fails, each article is retried alone."""
    texts = [s.source for w in work for s in w.segments]
    advance = progress("translate", len(texts)) if progress else None
    try:
        flat = translate_in_chunks(translator, texts, progress=advance)
    except Exception:  # noqa: BLE001 - find which articles fail instead of failing them all
        for w in work:
            sources = [s.source for s in w.segments]
            out = _isolate(w, "translate", lambda s=sources: translator.translate(s), len(sources))
            w.translations = out or []
        return
    position = 0
    for w in work:
        w.translations = flat[position:position + len(w.segments)]
        position += len(w.segments)


def _summarise(work: list[_Work], summariser: Summariser, progress: Progress | None) -> None:
    """One call for every article still alive; if that fails, each article is retried alone."""
    live = [w for w in work if w.error is None]
    texts = [_english_body(w) for w in live]
    advance = progress("summarise", len(texts)) if progress else None
    try:
        summaries = one_to_one(summariser.summarise(texts), texts, "summariser")
        for w, summary, n in zip(live, summaries, _chunks(summariser, len(live)), strict=True):
            w.summary, w.summary_chunks = summary, n
    except Exception:  # noqa: BLE001 - isolate the failing article(s)
        for w, text in zip(live, texts, strict=True):
            out = _isolate(w, "summarise", lambda t=text: summariser.summarise([t]), 1)
            if out is not None:
                w.summary, w.summary_chunks = out[0], _chunks(summariser, 1)[0]
    if advance:
        advance(len(texts))


def _isolate(w: _Work, stage: str, call: Callable[[], list[str]], expected: int
             ) -> list[str] | None:
    """Run one article's stage alone; on failure record why on the article and return None."""
    if w.error is not None:
        return None
    try:
        return one_to_one(call(), range(expected), stage)
    except Exception as exc:  # noqa: BLE001 - recorded as this article's failure
        w.error = f"{stage} failed: {type(exc).__name__}: {exc}"
        return None


def _chunks(summariser: Summariser, n: int) -> list[int | None]:
    chunks = getattr(summariser, "chunks", None)
    return list(chunks) if chunks and len(chunks) == n else [None] * n


def _english_body(w: _Work) -> str:
    pairs = _pairs(w)
    return ArticleResult(w.article.id, w.article.source, "ok", segments=tuple(pairs)).translation


def _pairs(w: _Work) -> list[TranslatedSegment]:
    return [TranslatedSegment(s, t) for s, t in zip(w.segments, w.translations, strict=True)]


def _failure(f: ReadFailure) -> ArticleResult:
    return ArticleResult(f.id, f.source, "failed", error=f.message)


def _failed_work(w: _Work) -> ArticleResult:
    return ArticleResult(w.article.id, w.article.source, "failed", error=w.error,
                         article=w.article)
