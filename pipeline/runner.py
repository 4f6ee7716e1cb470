"""The flow, written out in order, one chunk at a time.

    list inputs (lazily) -> chunk -> [segment -> translate -> summarise -> score] -> commit
    at the end: corpus scores, metrics.json, the files rewritten in input order, report.html

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
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config, config_differences, dump_config
from .errors import ConfigError, InputError, Interrupted, ModelError
from .memory import Memory
from .progress import NullProgress
from .records import ReadFailure, Score
from .stages import (  # noqa: F401  (process_chunk, Stages: the chunk API, also from here)
    Item,
    Stages,
    build_stages,
    process_chunk,
    timed,
)
from .store import RunState, Store
from .summarise import Summariser
from .translate import Translator

if TYPE_CHECKING:
    from .listing import Listing

SHOWN_BRIEFS = 5  # briefs printed at the end of a run; the rest are in the files
SHOWN_FAILURES = 20


@dataclass
class RunOutcome:
    """What a run produced, for the command line to report (read back from the store)."""

    name: str
    out_dir: Path
    # articles, ok, failed, skipped (not in the source language: input.other_language),
    # resumed (finished by an earlier attempt, not redone)
    counts: dict[str, int]
    shown: list[dict[str, Any]] = field(default_factory=list)  # first briefs, results.jsonl form
    failures: list[dict[str, Any]] = field(default_factory=list)  # first failures, same form
    corpus_scores: list[Score] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    memory: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (hits, misses)
    notes: list[str] = field(default_factory=list)  # what was not read or scored, and why
    resumed: bool = False
    skipped: list[dict[str, Any]] = field(default_factory=list)  # first skipped articles

    @property
    def failed(self) -> int:
        """How many articles ended as failures."""
        return self.counts.get("failed", 0)

    @property
    def exit_code(self) -> int:
        """The command line's exit code for this run: 0 every article done, 1 one or more
        failed."""
        return 1 if self.failed else 0


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
        ConfigError: a model section's device or precision cannot be used here (checked
            first), the input path matches nothing or input.format is no reader's name
            (both before the output dir is made), the output dir is in use or holds another
            run, or ``output.dir`` / ``cache.path`` cannot be written (checked first).
        ModelError: a model is missing (raised before any article is processed).
        Interrupted: Ctrl-C or SIGTERM; every committed chunk is kept and the run can resume.
    """
    from .listing import list_inputs
    from .readers import survey_inputs

    progress = progress or NullProgress()
    clock = time.perf_counter()
    if config.run.executor == "ray":
        from .distributed import require_ray

        require_ray()  # before any work
        if translator is not None or summariser is not None:
            raise ConfigError("run.executor: ray builds its models from the config on every "
                              "worker; models passed in are for run.executor: local")
    from .engines import check_settings

    # devices and precisions: a wrong one would otherwise show only when a model first runs
    built = {"translate": translator is None, "summarise": summariser is None}
    check_settings(config, [section for section, from_config in built.items() if from_config])
    name = config.run.name or datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    from .rundir import check_writable_paths

    check_writable_paths(config, name)  # output.dir, cache.path: before any input or model
    try:  # (input.format too: a wrong one stops the run before its folder is made)
        files = list_inputs(config.input.path, references=config.input.references,
                            fmt=config.input.format, exclude=_run_paths(config, name))
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    paths = resolve_models(config, translator is None, summariser is None)
    stages, memory = build_stages(config, paths, translator, summariser)  # weights load when used
    # models passed in may have worked before this run: only its own model seconds are counted
    models_before = stages.translator.model_seconds + stages.summariser.model_seconds
    total, inputs_sha = survey_inputs(files)
    ray_started = _connect_ray(config)  # a wrong ray.address stops the run before its folder
    store = Store(config.output_dir(name))
    try:
        state = store.open(name, {**config.model_dump(mode="json"), "resolved": _resolved(stages)},
                           differences=config_differences, overwrite=overwrite,
                           inputs_sha=inputs_sha)
    except BaseException:
        store.close()  # the lock too
        if memory:
            memory.close()
        _disconnect_ray(ray_started)
        raise
    timings: dict[str, float] = {}
    try:
        store.write_config(dump_config(config))
        if state.resumed:
            progress.note(f"resuming run {state.name!r}: {state.done} articles done, "
                          f"{state.failed} failed ones to retry")
        if files.skipped:
            progress.note(f"{len(files.skipped)} files under input.path are not read; they are "
                          "listed at the end")
        # a resumed run counts (and times) only what is left to do
        progress.begin(max(total - state.done, 0))
        timings["load"] = time.perf_counter() - clock
        if config.run.executor == "ray":
            from .distributed import run_on_ray

            skipped = run_on_ray(config, files, paths, store, progress, timings,
                                 memory.usage if memory else None)
        else:
            skipped = _run_chunks(config, files, stages, store, progress, timings)
        return _finish(config, store, state, stages, memory, timings, skipped, clock, files,
                       models_before)
    except KeyboardInterrupt:
        progress.close("interrupted")
        counts = store.counts()
        earlier = store.stored_counts()
        peak = max(filter(None, [peak_rss_mb(), earlier.get("peak_rss_mb")]), default=None)
        from .html_report import package_versions

        store.mark("interrupted", {**counts, **_attempts(earlier, timings), "peak_rss_mb": peak,
                                   "versions": package_versions()})
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
        _disconnect_ray(ray_started)


def _run_paths(config: Config, name: str) -> dict[str | Path, str]:
    """What the run writes, which a folder or glob under input.path leaves out (a rerun does not
    read its own outputs): output.dir and, with the memory on, cache.path (and SQLite's files
    beside it)."""
    from .listing import SQLITE_FILES

    paths: dict[str | Path, str] = {config.output_dir(name): "the run's output.dir"}
    if config.cache.enabled:
        paths.update((config.cache.path + end, "the run's cache.path") for end in SQLITE_FILES)
    return paths


def _connect_ray(config: Config) -> bool:
    """With ``run.executor: ray``, join or start Ray; True when started here."""
    if config.run.executor != "ray":
        return False
    from .distributed import connect

    return connect(config)


def _disconnect_ray(started: bool) -> None:
    if started:
        from .distributed import disconnect

        disconnect()


def _resolved(stages: Stages) -> dict[str, Any]:
    """What the models resolve to on this machine (weights, backend, device's precision,
    decoding): a run is resumed only where they are the same, even if the config says
    ``auto``."""
    return {"translate": stages.translator.cache_key(),
            "summarise": stages.summariser.cache_key()}


def _run_chunks(config: Config, files: Listing, stages: Stages, store: Store,
                progress: Any, timings: dict[str, float]) -> int:
    """Read, process and commit chunk after chunk; returns how many articles were skipped."""
    from .readers import iter_inputs
    from .scoring import corpus_part

    items = iter_inputs(config.input.path, config.input.format, max_chars=config.input.max_chars,
                        language=config.input.language,
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
        with timed(timings, "commit"):
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


def _finish(config: Config, store: Store, state: RunState, stages: Stages,
            memory: Memory | None, timings: dict[str, float], skipped: int,
            clock: float, listing: Listing, models_before: float = 0.0) -> RunOutcome:
    """Corpus scores and metrics.json from what is stored; final files and counts (with the
    files under input.path that were not read, and why: ``unread_inputs``)."""
    from .evaluate import comet_score, evaluation_summary
    from .listing import printable
    from .scoring import corpus_level, corpus_text

    text = corpus_text(store.corpus_parts())
    corpus = corpus_level(text)
    notes = listing.notes()
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
                              + stages.summariser.model_seconds - models_before)
    timings["total"] = time.perf_counter() - clock
    earlier = store.stored_counts() if state.resumed else {}
    unread = [[printable(str(path)), printable(why)] for path, why in listing.skipped]
    from .html_report import package_versions

    store.finish({**counts, "resumed": skipped, "unread_inputs": unread,
                  **_attempts(earlier, timings), "versions": package_versions()})
    # after the final rewrite of the files; the peak over every attempt
    store.mark(None, {"peak_rss_mb": max(filter(None, [peak_rss_mb(),
                                                       earlier.get("peak_rss_mb")]), default=None)})
    notes += _write_report(store)  # last: it shows the final counts and timings
    usage = {k: (u.hits, u.misses) for k, u in memory.usage.items()} if memory else {}
    return RunOutcome(state.name, store.out_dir, {**counts, "resumed": skipped},
                      store.results("ok", SHOWN_BRIEFS), store.results("failed", SHOWN_FAILURES),
                      corpus, timings, usage, notes, state.resumed,
                      store.results("skipped", SHOWN_FAILURES))


def _write_report(store: Store) -> list[str]:
    """Write ``report.html`` from what is stored; a failure is a note, never the run's."""
    from .html_report import report_notes

    return report_notes(store.out_dir, store.run_id)


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


