"""One translation engine's timed run, alone in its process (so its peak RSS is its own).

    python bench/engines.py ENGINE SPEC.json RESULT.json

SPEC.json holds the model directory, the texts, each text's output bound (new tokens), the beam
count and the thread count; RESULT.json gets the timings. Engines:

- ``a1``: ``model.generate`` on one sentence at a time, float32 (what ``pipeline("translation")``
  did by default before transformers 5 removed it).
- ``a2``: ``generate`` on padded batches of 32 in input order, float32 (the Marian model card).
- ``b``: this project's transformers backend, through ``build_translator`` and its defaults.
- ``c``: this project's CTranslate2 backend, int8.

Time inside the model is measured by wrapping the model's ``generate`` (or the CTranslate2
translator's ``translate_batch``) with a timer that also counts the tokens it returned.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "bench" / ".models"


@dataclass
class Spec:
    """What an engine is asked to do."""

    model: str
    texts: list[str]
    bounds: list[int]
    beams: int = 4
    threads: int = 2
    batch_size: int = 32


@dataclass
class Timer:
    """Seconds spent inside model calls, how many calls, and the target tokens they returned."""

    seconds: float = 0.0
    calls: int = 0
    tokens: int = 0

    def time(self, call: Callable[[], Any], *, count: bool = True) -> Any:
        start = time.perf_counter()
        try:
            return call()
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += count


@dataclass
class Outcome:
    """What an engine run measured; ``exact`` is set where every output was checked one by one."""

    engine: str
    load_s: float = 0.0
    wall_s: float = 0.0
    model_s: float = 0.0
    model_calls: int = 0
    decoded_tokens: int = 0
    outputs: int = 0
    empty_outputs: int = 0
    exact: bool | None = None
    peak_rss_mb: float = 0.0
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)


def _time_hf_generate(model: Any, timer: Timer) -> None:
    """Wrap ``model.generate`` (on this instance only) in ``timer``; count non-pad new tokens."""
    generate, pad = model.generate, model.config.pad_token_id

    def timed(*args: Any, **kwargs: Any) -> Any:
        out = timer.time(lambda: generate(*args, **kwargs))
        ids = out if hasattr(out, "shape") else out.sequences
        timer.tokens += int((ids[:, 1:] != pad).sum())
        return out

    model.generate = timed


class _TimedCT2:
    """Stands in for a ``ctranslate2.Translator`` and times its batch calls.

    With ``asynchronous=True`` the call only submits the batch; the time spent waiting in each
    result's ``result()`` is the model's time then (the caller has nothing else to do).
    """

    def __init__(self, inner: Any, timer: Timer) -> None:
        self._inner, self._timer = inner, timer

    def translate_batch(self, *args: Any, **kwargs: Any) -> Any:
        submit_only = bool(kwargs.get("asynchronous"))  # the call is counted at its results
        results = self._timer.time(lambda: self._inner.translate_batch(*args, **kwargs),
                                   count=not submit_only)
        if submit_only:
            self._timer.calls += 1
            return [_TimedAsync(r, self._timer) for r in results]
        self._timer.tokens += sum(len(r.hypotheses[0]) for r in results if r.hypotheses)
        return results

    def translate_iterable(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        results = self._inner.translate_iterable(*args, **kwargs)
        while True:
            try:
                result = self._timer.time(lambda: next(results))
            except StopIteration:
                return
            self._timer.tokens += len(result.hypotheses[0]) if result.hypotheses else 0
            yield result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _TimedAsync:
    """An asynchronous CTranslate2 result whose ``result()`` wait is timed."""

    def __init__(self, inner: Any, timer: Timer) -> None:
        self._inner, self._timer = inner, timer

    def result(self) -> Any:
        result = self._timer.time(self._inner.result, count=False)
        self._timer.tokens += len(result.hypotheses[0]) if result.hypotheses else 0
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def instrument(obj: Any, timer: Timer, depth: int = 3) -> int:
    """Wrap every model found in ``obj``'s attributes (a few levels deep); return how many."""
    import torch

    try:
        import ctranslate2
    except ImportError:
        ctranslate2 = None
    found = 0
    for name, value in _members(obj):
        if isinstance(value, torch.nn.Module) and hasattr(value, "generate"):
            _time_hf_generate(value, timer)
            found += 1
        elif ctranslate2 is not None and isinstance(value, ctranslate2.Translator):
            setattr(obj, name, _TimedCT2(value, timer))
            found += 1
        elif depth > 1 and not isinstance(value, (str, int, float, list, dict, tuple)):
            found += instrument(value, timer, depth - 1)
    return found


def _members(obj: Any) -> list[tuple[str, Any]]:
    """``obj``'s attributes, after reading every property backed by a ``_<name>`` attribute.

    Reading such a property makes a lazily loaded model (or converted CTranslate2 model) load
    now, before the timed part, and leaves it in the attribute that gets wrapped.
    """
    if not hasattr(obj, "__dict__"):
        return []
    for name in dir(type(obj)):
        if isinstance(getattr(type(obj), name, None), property) and f"_{name}" in vars(obj):
            getattr(obj, name)
    return list(vars(obj).items())


def _load_hf(spec: Spec) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(spec.model)
    model = AutoModelForSeq2SeqLM.from_pretrained(spec.model, dtype=torch.float32).eval()
    return tokenizer, model


def _batches(spec: Spec, size: int) -> Iterator[tuple[list[str], int]]:
    """Input-order batches and the bound of their longest input (one bound per generate call)."""
    for start in range(0, len(spec.texts), size):
        yield spec.texts[start:start + size], max(spec.bounds[start:start + size])


def run_plain(spec: Spec, out: Outcome, batch_size: int) -> list[str]:
    """``generate`` on batches of ``batch_size`` in input order (1 = one sentence at a time)."""
    import torch

    start = time.perf_counter()
    tokenizer, model = _load_hf(spec)
    timer = Timer()
    _time_hf_generate(model, timer)
    out.load_s = time.perf_counter() - start
    texts: list[str] = []
    start = time.perf_counter()
    for batch, bound in _batches(spec, batch_size):
        encoded = tokenizer(batch, return_tensors="pt", padding=True)
        with torch.inference_mode():
            ids = model.generate(**encoded, num_beams=spec.beams, max_length=bound + 1)
        texts += tokenizer.batch_decode(ids, skip_special_tokens=True)
    out.wall_s = time.perf_counter() - start
    _record(out, timer)
    if batch_size == 1:  # every sentence ran to its own bound: the count is exact
        out.exact = out.decoded_tokens == sum(spec.bounds)
    return texts


def run_project(spec: Spec, out: Outcome, overrides: list[str]) -> list[str]:
    """The project's translator from ``build_translator``, called as the runner calls it."""
    from pipeline.config import load_config
    from pipeline.translate import build_translator, translate_sorted

    config = load_config(None, [f"translate.model={spec.model}", "translate.device=cpu",
                                f"run.models_dir={MODELS}",  # conversions are cached there
                                f"translate.num_beams={spec.beams}",
                                f"translate.threads={spec.threads}",
                                "translate.max_length_ratio=2.0", "translate.max_length_offset=10",
                                *overrides])
    start = time.perf_counter()
    translator = build_translator(config, Path(spec.model))
    timer = Timer()
    if not instrument(translator, timer):
        out.notes.append("no model found inside the translator: model time not measured")
    precision = getattr(getattr(translator, "engine", None), "precision", None)
    if precision:
        out.notes.append(f"precision: {precision}")
    out.load_s = time.perf_counter() - start
    start = time.perf_counter()
    texts = translate_sorted(translator, spec.texts)
    out.wall_s = time.perf_counter() - start
    _record(out, timer)
    return texts


def _record(out: Outcome, timer: Timer) -> None:
    out.model_s, out.model_calls, out.decoded_tokens = timer.seconds, timer.calls, timer.tokens


def _ct2_missing() -> str | None:
    """Why the CTranslate2 engine cannot run here, or None if it can."""
    try:
        import ctranslate2  # noqa: F401
    except ImportError as exc:
        return f"ctranslate2 is not installed ({exc})"
    try:
        import pipeline.ct2  # noqa: F401
    except ImportError as exc:
        return f"pipeline.ct2 is not importable ({exc})"
    return None


ENGINES: dict[str, Callable[[Spec, Outcome], list[str]]] = {
    "a1": lambda spec, out: run_plain(spec, out, 1),
    "a2": lambda spec, out: run_plain(spec, out, spec.batch_size),
    "b": lambda spec, out: run_project(spec, out, []),
    "c": lambda spec, out: run_project(spec, out, ["translate.backend=ctranslate2",
                                                   "translate.compute_type=int8"]),
}


def run_engine(name: str, spec: Spec) -> Outcome:
    """Run engine ``name`` on ``spec`` in this process and measure it."""
    import torch

    torch.set_num_threads(spec.threads)
    out = Outcome(name)
    out.skipped = _ct2_missing() if name == "c" else None
    if out.skipped is None:
        texts = ENGINES[name](spec, out)
        out.outputs, out.empty_outputs = len(texts), sum(not t.strip() for t in texts)
    from pipeline.runner import peak_rss_mb

    out.peak_rss_mb = peak_rss_mb() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main(argv: list[str]) -> int:
    """``ENGINE SPEC.json RESULT.json``: run one engine and write what it measured."""
    if len(argv) != 3 or argv[0] not in ENGINES:
        print(f"usage: engines.py {{{','.join(ENGINES)}}} SPEC.json RESULT.json", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    spec = Spec(**json.loads(Path(argv[1]).read_text(encoding="utf-8")))
    outcome = run_engine(argv[0], spec)
    Path(argv[2]).write_text(json.dumps(asdict(outcome), indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
