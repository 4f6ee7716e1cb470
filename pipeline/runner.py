"""The flow, written out in order, one chunk at a time.

    list inputs (lazily) -> chunk -> [segment -> translate -> summarise -> score] -> commit
    at the end: corpus scores, metrics.json, the files rewritten in input order

Inputs are read lazily and grouped into chunks of about ``run.chunk_segments`` segments; each
chunk goes through :func:`process_chunk` (articles in, results out: the unit an executor calls)
and is committed at once, so memory stays bounded, the first brief appears after the first
chunk, and a crash or Ctrl-C loses at most the chunk in flight. Running the same command again
resumes: finished articles are skipped, failed ones retried.

Models are passed in (or built from the config once), so tests can run the whole flow with fakes
that satisfy the :class:`Translator` and :class:`Summariser` protocols.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .config import Config, config_differences, dump_config
from .errors import ConfigError, InputError, Interrupted, ModelError
from .memory import Memory
from .progress import NullProgress
from .records import (
    Article,
    ArticleResult,
    ReadFailure,
    Score,
    Segment,
    TranslatedSegment,
)
from .store import RunState, Store
from .summarise import Summariser, build_summariser
from .translate import Advance, Translator, one_to_one, translate_sorted

Item = Article | ReadFailure
SHOWN_BRIEFS = 5  # briefs printed at the end of a run; the rest are in the files
SHOWN_FAILURES = 20


@dataclass
class RunOutcome:
    """What a run produced, for the command line to report (read back from the store)."""

    name: str
    out_dir: Path
    counts: dict[str, int]  # articles, ok, failed, skipped (finished by an earlier attempt)
    shown: list[dict[str, Any]] = field(default_factory=list)  # first briefs, results.jsonl form
    failures: list[dict[str, Any]] = field(default_factory=list)  # first failures, same form
    corpus_scores: list[Score] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    memory: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (hits, misses)
    notes: list[str] = field(default_factory=list)  # what was not scored, and why
    resumed: bool = False

    @property
    def failed(self) -> int:
        """How many articles ended as failures."""
        return self.counts.get("failed", 0)


@dataclass
class Stages:
    """The models and settings a chunk goes through: what :func:`process_chunk` needs."""

    translator: Translator
    summariser: Summariser
    max_segment_tokens: int = 256
    fidelity: bool = True  # summarise references too, to score brief fidelity


@dataclass
class Work:
    """An input on its way through the stages: an article, or a read failure carried along
    (``failure`` set) so that every input gives one result, in input order."""

    article: Article | None
    position: int
    segments: list[Segment]
    splits: int
    translations: list[str] = field(default_factory=list)
    summary: str = ""
    summary_chunks: int | None = None
    error: str | None = None
    failure: ReadFailure | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # this input's share of stage time

    @property
    def item(self) -> Item:
        """The input this work was made from."""
        return self.failure if self.failure is not None else self.article  # type: ignore


def run(config: Config, *, translator: Translator | None = None,
        summariser: Summariser | None = None, progress: Any = None,
        overwrite: bool = False) -> RunOutcome:
    """Run the pipeline for ``config``, committing each chunk under its output dir.

    Args:
        config: The validated config.
        translator, summariser: Models to use instead of those the config names (tests).
        progress: A :class:`pipeline.progress.Progress` display; None shows nothing.
        overwrite: Start a new run even if ``output.dir`` holds another run (its files are
            moved aside, see :meth:`Store.open`).

    Raises:
        ConfigError: the input path matches nothing, or the output dir is in use or holds
            another run.
        ModelError: a model is missing (raised before any article is processed).
        Interrupted: Ctrl-C or SIGTERM; every committed chunk is kept and the run can resume.
    """
    from .readers import find_inputs, survey_inputs

    progress = progress or NullProgress()
    clock = time.perf_counter()
    if config.run.executor == "ray":
        from .distributed import require_ray

        require_ray()  # before any work
        if translator is not None or summariser is not None:
            raise ConfigError("run.executor: ray builds its models from the config on every "
                              "worker; models passed in are for run.executor: local")
    name = config.run.name or datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    try:
        files = find_inputs(config.input.path, references=config.input.references)
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    paths = resolve_models(config, translator is None, summariser is None)
    stages, memory = _stages(config, paths, translator, summariser)  # weights load when used
    total, inputs_sha = survey_inputs(files)
    store = Store(config.output_dir(name))
    try:
        state = store.open(name, {**config.model_dump(mode="json"), "resolved": _resolved(stages)},
                           differences=config_differences, overwrite=overwrite,
                           inputs_sha=inputs_sha)
    except BaseException:
        store.close()  # the lock too
        if memory:
            memory.close()
        raise
    timings: dict[str, float] = {}
    try:
        store.write_config(dump_config(config))
        if state.resumed:
            progress.note(f"resuming run {state.name!r}: {state.done} articles done, "
                          f"{state.failed} failed ones to retry")
        # a resumed run counts (and times) only what is left to do
        progress.begin(max(total - state.done, 0))
        timings["load"] = time.perf_counter() - clock
        if config.run.executor == "ray":
            from .distributed import run_on_ray

            skipped = run_on_ray(config, files, paths, store, progress, timings)
        else:
            skipped = _run_chunks(config, files, stages, store, progress, timings)
        return _finish(config, store, state, stages, memory, timings, skipped, clock)
    except KeyboardInterrupt:
        progress.close("interrupted")
        counts = store.counts()
        earlier = store.stored_counts()
        peak = max(filter(None, [peak_rss_mb(), earlier.get("peak_rss_mb")]), default=None)
        store.mark("interrupted", {**counts, **_attempts(earlier, timings), "peak_rss_mb": peak})
        raise Interrupted(f"stopped; {counts['articles']} articles are stored in "
                          f"{store.out_dir}", str(store.out_dir), counts) from None
    except BaseException as exc:  # recorded, then reported by the caller; a rerun resumes
        progress.close("stopped")
        with suppress(Exception):  # never hide the error itself
            store.mark("stopped", {**store.counts(), "error": f"{type(exc).__name__}: {exc}"})
        raise
    finally:
        progress.close()
        store.close()
        if memory:
            memory.close()


def _resolved(stages: Stages) -> dict[str, Any]:
    """What the models resolve to on this machine (weights, backend, device's precision,
    decoding): a run is resumed only where they are the same, even if the config says
    ``auto``."""
    return {"translate": stages.translator.cache_key(),
            "summarise": stages.summariser.cache_key()}


def _stages(config: Config, paths: dict[str, Path], translator: Translator | None,
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
    budget = min(config.segment.max_tokens, translator.max_input_tokens - 2)
    return Stages(translator, summariser, budget), memory


def _run_chunks(config: Config, files: list[Path], stages: Stages, store: Store,
                progress: Any, timings: dict[str, float]) -> int:
    """Read, process and commit chunk after chunk; returns how many articles were skipped."""
    from .readers import iter_inputs
    from .scoring import corpus_part

    items = iter_inputs(config.input.path, config.input.format, max_chars=config.input.max_chars,
                        language=config.input.language,
                        check_language=config.input.check_language,
                        references=config.input.references, origlang=config.input.origlang,
                        files=files)
    skipped = 0

    def done(item: Item) -> bool:  # finished by an earlier attempt, from the same input
        nonlocal skipped
        finished = store.is_done(item.id, item.input_sha)
        skipped += finished
        return finished

    for number, chunk in enumerate(chunks(items, config.run.chunk_segments, done), start=1):
        results = process_chunk(chunk, stages, progress, timings)
        store.commit(results, [corpus_part(r) for r in results])
        failed = sum(r.status == "failed" for r in results)
        progress.articles(len(results), failed)
        progress.note(f"chunk {number}: {len(results)} articles committed "
                      f"({failed} failed)")
    return skipped


def chunks(items: Iterable[Item], budget: int, is_done: Callable[[Item], bool]
           ) -> Iterator[list[tuple[int, Item]]]:
    """Group ``(position, item)`` pairs into chunks of about ``budget`` segments.

    Articles ``is_done`` says are finished are left out. An article is never split across
    chunks; one larger than the budget is a chunk of its own.
    """
    chunk: list[tuple[int, Item]] = []
    size = 0
    for position, item in enumerate(items):
        if is_done(item):
            continue
        chunk.append((position, item))
        size += estimate_segments(item)
        if size >= budget:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


_SENTENCE_END = re.compile(r"[.!?…]+[\"»”')\]]*(?:\s|$)")


def estimate_segments(item: Item) -> int:
    """About how many segments an article gives (sentence ends counted, no model needed)."""
    if isinstance(item, ReadFailure):
        return 1
    if item.given_segments:
        return len(item.paragraphs) + 1
    return 1 + sum(max(1, len(_SENTENCE_END.findall(p))) for p in item.paragraphs)


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
    with _timed(timings, "translate"):
        translate_work(work, stages.translator, progress)
    with _timed(timings, "summarise"):
        summarise_work(work, stages.summariser, progress)
    with _timed(timings, "score"):
        return finish_work(work, stages)


def start_work(chunk: Sequence[tuple[int, Item]], stages: Stages) -> list[Work]:
    """One :class:`Work` per input, articles segmented (a read failure is carried along)."""
    return [_segment(item, position, stages) if isinstance(item, Article)
            else Work(None, position, [], 0, error=item.message, failure=item)
            for position, item in chunk]


def finish_work(work: Sequence[Work], stages: Stages) -> list[ArticleResult]:
    """Score the translated and summarised work (and brief fidelity): one result per input,
    in the same order, each with its ``position`` and ``input_sha``."""
    from .scoring import score_article

    results = [_failure(w.failure) if w.failure is not None
               else _failed_work(w) if w.error is not None or w.article is None
               else score_article(w.article, _pairs(w), w.summary, w.splits, w.summary_chunks)
               for w in work]
    if stages.fidelity:
        results = _with_fidelity(results, stages.summariser)
    return [replace(r, position=w.position, input_sha=w.item.input_sha)
            for r, w in zip(results, work, strict=True)]


class _timed:
    """Add the seconds a block takes to ``timings[key]``."""

    def __init__(self, timings: dict[str, float], key: str) -> None:
        self.timings, self.key = timings, key

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.start
        self.timings[self.key] = self.timings.get(self.key, 0.0) + elapsed


def _finish(config: Config, store: Store, state: RunState, stages: Stages,
            memory: Memory | None, timings: dict[str, float], skipped: int,
            clock: float) -> RunOutcome:
    """Corpus scores and metrics.json from what is stored; final files and counts."""
    from .evaluate import comet_score, evaluation_summary
    from .scoring import corpus_level, corpus_text

    text = corpus_text(store.corpus_parts())
    corpus = corpus_level(text)
    notes = []
    if config.scores.comet_model and corpus:
        try:
            corpus.append(comet_score(text, config.scores.comet_model))
        except ModelError as exc:
            notes.append(f"COMET not scored: {exc}")
    store.add_corpus_scores(corpus)
    counts = store.counts()
    if text.hypotheses:
        store.write_metrics(evaluation_summary(state.name, text, corpus, counts,
                                               store.mean_scores("fidelity "), notes))
    # (on Ray, the workers' model seconds are in already)
    timings["model calls"] = (timings.get("model calls", 0.0) + stages.translator.model_seconds
                              + stages.summariser.model_seconds)
    timings["total"] = time.perf_counter() - clock
    earlier = store.stored_counts() if state.resumed else {}
    store.finish({**counts, "skipped": skipped, **_attempts(earlier, timings)})
    # after the final rewrite of the files; the peak over every attempt
    store.mark(None, {"peak_rss_mb": max(filter(None, [peak_rss_mb(),
                                                       earlier.get("peak_rss_mb")]), default=None)})
    usage = {k: (u.hits, u.misses) for k, u in memory.usage.items()} if memory else {}
    return RunOutcome(state.name, store.out_dir, {**counts, "skipped": skipped},
                      store.results("ok", SHOWN_BRIEFS), store.results("failed", SHOWN_FAILURES),
                      corpus, timings, usage, notes, state.resumed)


def _attempts(earlier: dict[str, Any], timings: dict[str, float]) -> dict[str, Any]:
    """The run's seconds per stage added up over its attempts (a resumed run keeps the time
    its earlier attempts spent), and how many attempts it took."""
    seconds = dict(earlier.get("seconds") or {})
    for key, value in timings.items():
        seconds[key] = round(seconds.get(key, 0.0) + value, 3)
    return {"seconds": seconds, "attempts": int(earlier.get("attempts", 1 if earlier else 0)) + 1}


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


def _segment(article: Article, position: int, stages: Stages) -> Work:
    from .segment import segment_article

    try:
        segments, splits = segment_article(article, stages.translator.count_tokens,
                                           stages.max_segment_tokens)
    except (ModelError, ConfigError):
        raise  # the model or the memory, not the article: stop the run with one message
    except Exception as exc:  # noqa: BLE001 - recorded as this article's failure
        return Work(article, position, [], 0,
                    error=f"segment failed: {type(exc).__name__}: {exc}")
    return Work(article, position, segments, splits)


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


def translate_work(work: Sequence[Work], translator: Translator, progress: Any = None
                   ) -> None:
    """All segments of the chunk at once; if that fails, each article is retried alone."""
    live = [w for w in work if w.error is None]
    texts = [s.source for w in live for s in w.segments]
    if not texts:  # a chunk of read failures: no model (nor its library) is needed
        return
    advance, complete = _stage_progress(progress or NullProgress(), "translate", len(texts))
    try:
        flat = translate_sorted(translator, texts, progress=advance)
    except (ModelError, ConfigError):
        raise  # the model or the memory, not the articles: stop with one message
    except Exception:  # noqa: BLE001 - find which articles fail instead of failing them all
        for w in live:
            sources = [s.source for s in w.segments]
            out = _isolate(w, "translate", lambda s=sources: translator.translate(s), len(sources))
            w.translations = out or []
        complete()
        return
    position = 0
    for w in live:
        w.translations = flat[position:position + len(w.segments)]
        position += len(w.segments)
    complete()


def summarise_work(work: Sequence[Work], summariser: Summariser, progress: Any = None
                   ) -> None:
    """One call for every article still alive; if that fails, each article is retried alone."""
    live = [w for w in work if w.error is None]
    texts = [_english_body(w) for w in live]
    if not texts:
        return
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


def _isolate(w: Work, stage: str, call: Callable[[], list[str]], expected: int
             ) -> list[str] | None:
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


def _english_body(w: Work) -> str:
    pairs = _pairs(w)
    return ArticleResult(w.article.id, w.article.source, "ok", segments=tuple(pairs)).translation


def _pairs(w: Work) -> list[TranslatedSegment]:
    return [TranslatedSegment(s, t) for s, t in zip(w.segments, w.translations, strict=True)]


def _failure(f: ReadFailure) -> ArticleResult:
    return ArticleResult(f.id, f.source, "failed", error=f.message)


def _failed_work(w: Work) -> ArticleResult:
    return ArticleResult(w.article.id, w.article.source, "failed", error=w.error,
                         article=w.article, position=w.position)
