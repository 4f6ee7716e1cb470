"""The same run on Ray Data (``run.executor: ray``): one machine's cores, or a cluster.

    input files --map_batches--> read + segment --> translate --> summarise + score --> driver
                 (actor pool:     (actor pool:      (actor pool:      (commits through the
                  tokenizer)       engine, GPUs)     engine, GPUs)     same store, in order)

Each stage is :func:`pipeline.stages.process_chunk` cut at its seams (``start_work``,
``translate_work``, ``summarise_work``, ``finish_work``), run by actors that build their models
once. Rows travel as pickled :class:`pipeline.stages.Work`; the dataset keeps input order, so
the driver gives each input the position a local run would, finds duplicate ids as a local run
does, and commits results in chunks through :class:`pipeline.store.Store`: the run folder is
the same as a local run's, and the same command resumes it (with either executor).

Everything a worker needs is in the rows or the actor's arguments, with paths made absolute
by the driver: on a cluster, the inputs, the models and ``cache.path`` must be at those paths
on every node (a shared filesystem), and every node needs this project installed with
``pip install .[scale]``. Ray is imported here only, and only when ``executor: ray`` is asked
for.
"""

from __future__ import annotations

import logging
import os
import pickle
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config
from .errors import ConfigError, ModelError, PipelineError
from .memory import Usage
from .records import ArticleResult, ReadFailure
from .stages import (
    Work,
    build_stages,
    failure_result,
    finish_work,
    start_work,
    summarise_work,
    timed,
    translate_work,
)

if TYPE_CHECKING:
    from .listing import Listing

RAY_REQUIREMENT = "ray[data,client]~=2.60.0"  # as pyproject.toml's [scale] extra
COMMIT_SECONDS = 10.0  # the driver commits at least this often while results come in
BLOCK_BYTES = 8 << 20  # largest block a read task emits (Ray Data's default: 128 MiB)


def require_ray() -> None:
    """Stop before any work when Ray Data is not installed.

    Raises:
        ConfigError: ``import ray.data`` fails; the message says how to install it.
    """
    try:
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"run.executor: ray needs Ray Data, which is not installed here "
                          f"({exc}); install it with  pip install '.[scale]'  in this "
                          f"project's folder (or  pip install '{RAY_REQUIREMENT}'), or set "
                          "run.executor: local") from None


@dataclass
class Skipped:
    """An input an earlier attempt finished from the same text: read, not processed again."""

    id: str
    source: str


@dataclass
class Fatal:
    """A worker's model or memory cannot be used: the run stops with this error, as a local
    run would (sent as a row, so that Ray neither retries it nor wraps it)."""

    error: PipelineError


@dataclass
class Done:
    """A finished input: its result and its share of the test-set files."""

    result: ArticleResult
    corpus_part: dict[str, Any] | None
    seconds: dict[str, float]
    reuse: dict[str, tuple[int, int]]  # translation memory hits and misses, per kind


def run_on_ray(config: Config, files: Listing, paths: dict[str, Path], store: Any,
               progress: Any, timings: dict[str, float],
               usage: dict[str, Usage] | None = None) -> int:
    """Process every input not yet finished on Ray (joined with :func:`connect`) and commit
    the results through ``store``.

    Args:
        config: The run's config (``ray.*`` says where and how wide).
        files: The inputs, as the driver listed them (refused links fail as in a local run).
        paths: The model directories the driver resolved (stage -> directory).
        store: The run's open :class:`pipeline.store.Store`.
        progress: The driver's progress display (articles, notes).
        timings: Seconds per stage, added to (summed over actors).
        usage: The translation memory's hits and misses per kind, added to.

    Returns:
        How many inputs were skipped (finished by an earlier attempt).

    Raises:
        ConfigError: a worker's config or memory is unusable.
        ModelError: a worker cannot load its model.
    """
    import ray

    rows: Iterator[Any] | None = None
    try:
        rows = _rows(_dataset(config, files, paths, store.done_inputs(), progress))
        return _collect(config, rows, store, progress, timings, usage)
    except ray.exceptions.RayError as exc:
        raise _pipeline_error(exc) from None
    finally:
        if rows is not None:
            rows.close()  # stop the dataset's execution while Ray is still up


def connect(config: Config) -> bool:
    """Join the cluster at ``ray.address`` or start a local Ray; True when started here (and
    to be shut down by the caller, :func:`disconnect`). A Ray already initialised in this
    process is used as it is.

    Raises:
        ConfigError: Ray cannot be started, or reached at ``ray.address``.
    """
    import ray

    if ray.is_initialized():
        return False
    # Ray's own notices are not this run's; its errors still raise, workers' output still shows
    quiet = {"logging_level": logging.ERROR, "log_to_driver": True}
    address, key = config.ray.address, "ray.address"
    if not address and os.environ.get("RAY_ADDRESS"):  # as `ray job submit` sets it
        address, key = os.environ["RAY_ADDRESS"], "RAY_ADDRESS (environment)"
    try:
        if address:
            _check_reachable(address, key)
            ray.init(address=address, **quiet)
        else:
            ray.init(num_cpus=max(os.cpu_count() or 1, _cpus_wanted(config)),
                     include_dashboard=False, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"at {key} {address!r}" if address else "locally"
        raise ConfigError(f"cannot start or reach Ray {where}: {exc}") from None
    return True


def disconnect() -> None:
    """Shut down the Ray that :func:`connect` started (it said so by returning True)."""
    import ray

    ray.shutdown()


def _check_reachable(address: str, key: str, timeout: float = 10.0) -> None:
    """Fail at once when nothing listens at a ``host:port`` address (``ray.init`` would retry
    for minutes); ``auto`` and ``ray://`` addresses are left to Ray, which fails fast there."""
    import socket

    if address == "auto" or "://" in address or ":" not in address:
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot reach Ray at {key} {address!r}: nothing answers there "
                          f"({exc}); start the cluster (ray start --head) or fix the "
                          "address") from None


def _cpus_wanted(config: Config) -> int:
    """CPUs the three actor pools reserve: a local Ray gets at least that many, so that every
    pool can start on a machine with fewer cores (their threads then share the cores)."""
    r = config.ray
    return int(-(-sum(s.actors * s.cpus for s in (r.read, r.translate, r.summarise)) // 1))


def _gpus(config: Config, stage: str) -> float:
    """GPUs per actor of a model stage: ``ray.<stage>.gpus``, or when null a share of the
    cluster's GPUs among the actors of the stages that load a model (one each when there are
    enough, none when there are none)."""
    import ray

    asked = getattr(config.ray, stage).gpus
    if asked is not None:
        return asked
    modelled = ["translate"] + (["summarise"] if config.summarise.method == "abstractive" else [])
    if stage not in modelled:  # extractive or no summaries: no model to put on a GPU
        return 0.0
    total = ray.cluster_resources().get("GPU", 0)
    actors = sum(getattr(config.ray, s).actors for s in modelled)
    return min(1.0, total / actors) if total else 0.0


def _dataset(config: Config, files: Listing, paths: dict[str, Path],
             done: dict[str, str | None], progress: Any) -> Any:
    """The Ray Data plan: files -> read + segment -> translate -> summarise + score."""
    import ray
    import ray.data

    from .listing import absolute_path
    from .readers import plan_reads
    from .reading import ReadOptions

    logging.getLogger("ray.data").setLevel(logging.ERROR)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # the driver numbers inputs as they come
    context.enable_progress_bars = False  # the driver's own display counts articles
    # A read task passes its articles on in blocks of at most this size (a large JSONL file
    # streams instead of being held whole); each model stage then gets blocks of one call's
    # articles, so that every actor of a pool has work
    context.target_max_block_size = BLOCK_BYTES
    # Relative paths would mean something else in a worker's folder (or on another node)
    shipped = config.model_copy(deep=True)
    shipped.cache.path = str(Path(config.cache.path).resolve())
    shipped.run.models_dir = str(Path(config.run.models_dir).resolve())  # CTranslate2 copies
    setup = {"config": shipped.model_dump(mode="json"),
             "paths": {k: str(Path(v).resolve()) for k, v in paths.items()}}
    i = config.input
    # Inputs go as the driver names them (sources and messages read as in a local run); a
    # read actor works in the driver's folder where it exists, else opens the absolute path
    plan = plan_reads(files, i.format, ReadOptions(
        max_chars=i.max_chars, language=i.language,
        references=i.references, origlang=i.origlang))
    items = [{"file": n, "payload": pickle.dumps((*entry, absolute_path(entry[0])))}
             for n, entry in enumerate(plan)]
    setup["cwd"] = os.getcwd()
    r = config.ray
    gpus = {stage: _gpus(config, stage) for stage in ("translate", "summarise")}
    asked, have_gpus = {k: v for k, v in gpus.items() if v}, ray.cluster_resources().get("GPU", 0)
    if asked and not have_gpus:
        stages = ", ".join(f"ray.{k}.gpus = {v:g}" for k, v in asked.items())
        if not config.ray.address and not os.environ.get("RAY_ADDRESS"):
            raise ConfigError(f"{stages}, but this machine's Ray has no GPU: set gpus: 0 or "
                              "null (a share of the GPUs there are), or run on a cluster with "
                              "GPUs (ray.address)")
        progress.note(f"{stages}, but the cluster has no GPU now: the actors wait for one (an "
                      "autoscaling cluster adds GPU nodes)")
    wanted, have = _cpus_wanted(config), ray.cluster_resources().get("CPU", 0)
    if wanted > have:
        progress.note(f"the ray.* actor pools ask for {wanted} CPUs, the cluster has {have:g} "
                      "now: some actors wait for CPUs (an autoscaling cluster adds nodes)")
    dataset = ray.data.from_items(items, override_num_blocks=max(1, min(len(items), 1000)))
    dataset = dataset.map_batches(
        ReadStage, batch_size=1, fn_constructor_kwargs={**setup, "done": done},
        compute=ray.data.ActorPoolStrategy(size=r.read.actors), num_cpus=r.read.cpus)
    dataset = dataset.repartition(target_num_rows_per_block=r.translate.batch_size)
    dataset = dataset.map_batches(
        TranslateStage, batch_size=r.translate.batch_size, fn_constructor_kwargs=setup,
        compute=ray.data.ActorPoolStrategy(size=r.translate.actors), num_cpus=r.translate.cpus,
        num_gpus=gpus["translate"])
    dataset = dataset.repartition(target_num_rows_per_block=r.summarise.batch_size)
    return dataset.map_batches(
        SummariseStage, batch_size=r.summarise.batch_size, fn_constructor_kwargs=setup,
        compute=ray.data.ActorPoolStrategy(size=r.summarise.actors), num_cpus=r.summarise.cpus,
        num_gpus=gpus["summarise"])


def _rows(dataset: Any) -> Iterator[Any]:
    """The dataset's rows as objects, in input order."""
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        for payload in batch["payload"]:
            yield pickle.loads(payload)


def _collect(config: Config, rows: Iterator[Any], store: Any, progress: Any,
             timings: dict[str, float], usage: dict[str, Usage] | None = None) -> int:
    """Number, de-duplicate and commit the rows as they come; returns how many were skipped.
    The workers' seconds are added to ``timings``, their memory reuse to ``usage``."""
    from .readers import duplicate_id

    uses: dict[str, tuple[str, int]] = {}
    usage = usage if usage is not None else {}
    pending: list[tuple[ArticleResult, dict[str, Any] | None]] = []
    skipped, size, last, number = 0, 0, time.monotonic(), 0

    def commit() -> None:
        nonlocal pending, size, last, number
        number += 1
        with timed(timings, "commit"):
            store.commit([r for r, _ in pending], [p for _, p in pending])
        failed = sum(r.status == "failed" for r, _ in pending)
        progress.articles(len(pending), failed)
        progress.note(f"chunk {number}: {len(pending)} articles committed ({failed} failed)")
        pending, size, last = [], 0, time.monotonic()

    for position, row in enumerate(rows):
        if position == 0:  # the actors' start-up is not a reason to commit one article alone
            last = time.monotonic()
        if isinstance(row, Fatal):
            raise row.error
        if isinstance(row, Done):  # the time spent, even on what turns out a duplicate
            for key, value in row.seconds.items():
                timings[key] = timings.get(key, 0.0) + value
            for kind, (hits, misses) in row.reuse.items():
                counted = usage.setdefault(kind, Usage())
                counted.hits, counted.misses = counted.hits + hits, counted.misses + misses
        source = row.source if isinstance(row, Skipped) else row.result.source
        article_id = row.id if isinstance(row, Skipped) else row.result.article_id
        duplicate = duplicate_id(article_id, source, uses)
        if duplicate is not None:  # as a local run reads it: a failure of its own
            failure = ReadFailure(*duplicate)
            pending.append((replace(failure_result(failure), position=position,
                                    input_sha=failure.input_sha), None))
        elif isinstance(row, Skipped):
            skipped += 1
            continue
        else:
            pending.append((replace(row.result, position=position), row.corpus_part))
        size += max(1, len(pending[-1][0].segments))
        if size >= config.run.chunk_segments or time.monotonic() - last >= COMMIT_SECONDS:
            commit()
    if pending:
        commit()
    return skipped


def _pipeline_error(exc: BaseException) -> BaseException:
    """The project's own error inside a Ray error (a worker's missing model, broken memory),
    so that it is reported as in a local run; else a RuntimeError with Ray's message."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, PipelineError):
            return seen
        cause = getattr(seen, "cause", None)
        seen = cause if isinstance(cause, BaseException) else seen.__cause__
    return RuntimeError(f"the Ray job failed: {exc}")


class _Stage:
    """What every actor does once: rebuild the config and its models (loaded when first used)."""

    def __init__(self, config: dict[str, Any], paths: dict[str, str], **_: Any) -> None:
        self.settings = settings = Config.model_validate(config)
        for stage in ("translate", "summarise"):
            model = getattr(settings, stage)
            if model.threads is None:  # all cores would fight the other actors for them
                model.threads = max(1, int(getattr(settings.ray, stage).cpus))
        self.stages, self.memory = build_stages(settings, {k: Path(v) for k, v in paths.items()},
                                           None, None)

    def _reused(self, before: dict[str, tuple[int, int]], work: list[Work]) -> None:
        """Put the memory's hits and misses since ``before`` on the batch's first input."""
        if self.memory is None or not work:
            return
        for kind, now in self.memory.usage.items():
            hits, misses = before.get(kind, (0, 0))
            if (now.hits - hits, now.misses - misses) != (0, 0):
                old = work[0].reuse.get(kind, (0, 0))
                work[0].reuse[kind] = (old[0] + now.hits - hits, old[1] + now.misses - misses)

    def _counts(self) -> dict[str, tuple[int, int]]:
        return {k: (u.hits, u.misses) for k, u in self.memory.usage.items()} if self.memory \
            else {}

    @staticmethod
    def _share(work: list[Work], key: str, seconds: float, model: float = 0.0) -> None:
        """Give each input its share of the batch's time (summed again by the driver)."""
        for w in work:
            w.seconds[key] = w.seconds.get(key, 0.0) + seconds / len(work)
            if model:
                w.seconds["model calls"] = w.seconds.get("model calls", 0.0) + model / len(work)

    @staticmethod
    def _load(batch: dict[str, Any]) -> list[Any]:
        return [pickle.loads(p) for p in batch["payload"]]

    @staticmethod
    def _dump(rows: list[Any]) -> dict[str, Any]:
        return {"payload": [pickle.dumps(r) for r in rows]}


class ReadStage(_Stage):
    """Read one input file and segment its articles (the translator's tokenizer counts tokens);
    inputs finished by an earlier attempt become :class:`Skipped` rows."""

    def __init__(self, config: dict[str, Any], paths: dict[str, str],
                 done: dict[str, str | None], cwd: str = "", **_: Any) -> None:
        if cwd and Path(cwd).is_dir():  # relative inputs and references, as the driver has them
            os.chdir(cwd)
        super().__init__(config, paths)
        self.done = done
        self.batch_size = self.settings.ray.read.batch_size

    def __call__(self, batch: dict[str, Any]) -> Iterator[dict[str, Any]]:
        from .readers import read_file

        for file, name, options, absolute in self._load(batch):
            file = file if file.is_absolute() or file.exists() else absolute
            rows: list[Any] = []
            seen: set[str] = set()
            for item in read_file(file, name, options):
                finished = not isinstance(item, ReadFailure) and item.id in self.done and \
                    self.done[item.id] in (None, item.input_sha)
                repeated = item.id in seen  # the driver records it as a duplicate's failure
                seen.add(item.id)
                if finished or repeated:
                    rows.append(Skipped(item.id, item.source))
                    continue
                clock = time.perf_counter()
                try:
                    work = start_work([(0, item)], self.stages)
                except (ModelError, ConfigError) as exc:  # the tokenizer, the memory
                    yield self._dump([Fatal(exc)])
                    return
                self._share(work, "segment", time.perf_counter() - clock)
                rows.extend(work)
                if len(rows) >= self.batch_size:
                    yield self._dump(rows)
                    rows = []
            if rows:
                yield self._dump(rows)


class TranslateStage(_Stage):
    """Translate every segment of a batch of articles together, longest first."""

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        rows = self._load(batch)
        work = [r for r in rows if isinstance(r, Work)]
        clock, model = time.perf_counter(), self.stages.translator.model_seconds
        before = self._counts()
        try:
            translate_work(work, self.stages.translator,
                           keep_english=self.stages.keep_english)
        except (ModelError, ConfigError) as exc:
            return self._dump([Fatal(exc)])
        self._reused(before, work)
        self._share(work, "translate", time.perf_counter() - clock,
                    self.stages.translator.model_seconds - model)
        return self._dump(rows)


class SummariseStage(_Stage):
    """Summarise a batch of articles, then score them (and brief fidelity)."""

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        from .scoring import corpus_part

        rows = self._load(batch)
        work = [r for r in rows if isinstance(r, Work)]
        summariser = self.stages.summariser
        before = self._counts()
        try:
            clock, model = time.perf_counter(), summariser.model_seconds
            summarise_work(work, summariser)
            self._share(work, "summarise", time.perf_counter() - clock,
                        summariser.model_seconds - model)
            clock, model = time.perf_counter(), summariser.model_seconds
            results = iter(finish_work(work, self.stages))
            self._share(work, "score", time.perf_counter() - clock,
                        summariser.model_seconds - model)
        except (ModelError, ConfigError) as exc:
            return self._dump([Fatal(exc)])
        self._reused(before, work)
        out = []
        for row in rows:
            if isinstance(row, Work):
                result = next(results)
                row = Done(result, corpus_part(result), row.seconds, row.reuse)
            out.append(row)
        return self._dump(out)
