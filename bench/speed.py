"""Translation speed and memory: plain transformers against this project's backends.

    python bench/speed.py [--quick] [--n N] [--beams 4] [--threads 2] [--engines a1,a2,b,c]
                          [--docs K] [--no-pipeline] [--json PATH]

Translates the French side of newstest2013 (all 3000 segments; the first N with ``--quick``)
with a random-weight model of opus-mt-fr-en's size that never ends a sentence (see
``fullsize.py``), so that every engine generates exactly its output bound per sentence:
ceil(2.0 * input tokens + 10) new tokens, at most 512. Target tokens are counted as the sum of
those bounds (engine a1 checks the count against the token ids it actually got). "decoded" is
the tokens the engine returned over that sum: (a2) bounds each batch by its longest input, so
its short sentences run past their own bound (the extra earns nothing); the project's backends
stop every sentence at its own bound. (The CTranslate2 backend stops one token short of the
bound, where ``generate`` spends its last step on the forced end token.) Each engine runs in
its own process (see ``engines.py``) with the same thread count.
Then the whole pipeline (translation and abstractive summary, with a random-weight model of
distilbart-cnn-12-6's size that never ends either) runs twice on the first K documents, cold
and warm (``fullrun.py``), with ``--pipeline-backend`` for both models.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fullrun import cold_and_warm
from fullsize import (
    SOURCE_SGM,
    build_fullsize_bart,
    build_fullsize_marian,
    read_documents,
    read_segments,
)

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LABELS = {"a1": "generate, 1 sentence/call, fp32", "a2": "generate, 32/batch in order, fp32",
          "b": "project: transformers backend", "c": "project: ctranslate2 int8"}
CAP = 512


@dataclass(frozen=True)
class Workload:
    """The texts, their input token counts and their output bounds."""

    texts: list[str]
    input_tokens: list[int]
    bounds: list[int]
    total_segments: int
    total_documents: int


def load_workload(model: Path, n: int | None) -> Workload:
    """The first ``n`` segments (all if None) and their bounds, by the model's own tokenizer."""
    from transformers import AutoTokenizer

    segments = read_segments(SOURCE_SGM)
    texts = segments[:n] if n else segments
    tokenizer = AutoTokenizer.from_pretrained(model)
    counts = [len(ids) for ids in tokenizer(texts, truncation=False)["input_ids"]]
    bounds = [min(math.ceil(2.0 * c + 10), CAP) for c in counts]
    return Workload(texts, counts, bounds, len(segments), len(read_documents(SOURCE_SGM)))


def run_in_process(engine: str, model: Path, work: Workload, args: argparse.Namespace,
                   scratch: Path) -> dict[str, Any]:
    """Run one engine in a fresh Python process; return what it measured."""
    spec, result = scratch / f"{engine}.spec.json", scratch / f"{engine}.result.json"
    spec.write_text(json.dumps({"model": str(model), "texts": work.texts, "bounds": work.bounds,
                                "beams": args.beams, "threads": args.threads}), encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": str(args.threads),
           "TOKENIZERS_PARALLELISM": "false", "TRANSFORMERS_VERBOSITY": "error",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(BENCH / "engines.py"), engine, str(spec),
                           str(result)], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0 or not result.is_file():
        return {"engine": engine, "failed": f"exit {done.returncode}: {done.stderr[-800:]}"}
    return json.loads(result.read_text(encoding="utf-8"))


def derive(raw: dict[str, Any], work: Workload) -> dict[str, Any]:
    """Add throughput figures to an engine's raw measurements."""
    wall = raw.get("wall_s") or 0.0
    if raw.get("skipped") or raw.get("failed") or wall <= 0:
        return raw
    n, target = len(work.texts), sum(work.bounds)
    docs_per_segment = work.total_documents / work.total_segments
    return {**raw, "target_tokens": target, "tokens_per_s": target / wall,
            "sentences_per_s": n / wall, "articles_per_min": n / wall * 60 * docs_per_segment,
            "outside_model_s": wall - raw["model_s"],
            "decoded_over_target": raw["decoded_tokens"] / target}


def add_ratios(results: dict[str, dict[str, Any]]) -> None:
    """Each engine's tokens/s against a1's and a2's."""
    for base in ("a1", "a2"):
        reference = results.get(base, {}).get("tokens_per_s")
        for result in results.values():
            if reference and "tokens_per_s" in result:
                result[f"x_{base}"] = result["tokens_per_s"] / reference


def machine_info() -> dict[str, Any]:
    """CPU model, core count, load and library versions."""
    import torch
    import transformers

    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    try:
        import ctranslate2
        ct2 = ctranslate2.__version__
    except ImportError:
        ct2 = None
    return {"cpu": cpu, "cores": os.cpu_count(), "load_average": os.getloadavg(),
            "python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "ctranslate2": ct2}


def warn_if_busy(machine: dict[str, Any]) -> None:
    """Say so when other processes keep the CPUs busy: every figure will then be low."""
    load, cores = machine["load_average"][0], machine["cores"] or 1
    if load > cores / 2:
        print(f"warning: load average {load:.1f} on {cores} cores before starting; other "
              "processes compete for the CPUs and the figures will be low and noisy", flush=True)


def _fmt(value: Any, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _why_missing(result: dict[str, Any]) -> str:
    """One line saying why an engine has no figures."""
    if result.get("skipped"):
        return f"skipped: {result['skipped']}"
    lines = [line for line in str(result.get("failed", "")).splitlines() if line.strip()]
    return f"failed: {lines[-1].strip() if lines else 'no time measured'}"


def print_table(results: dict[str, dict[str, Any]], work: Workload,
                pipeline: dict[str, Any] | None) -> None:
    """Print the engines' figures, then the pipeline's cold/warm times."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(work.texts)} segments, {sum(work.bounds)} target tokens",
                  box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True)
    for column in ("", "wall s", "tok/s", "sent/s", "art/min", "RSS MB", "outside",
                   "decoded", "x a1", "x a2"):
        table.add_column(column, justify="right")
    missing = []
    for name, r in results.items():
        if "tokens_per_s" not in r:
            missing.append(f"{name} {LABELS[name]}: {_why_missing(r)}")
            continue
        table.add_row(name, _fmt(r["wall_s"]), _fmt(r["tokens_per_s"]),
                      _fmt(r["sentences_per_s"], ".2f"), _fmt(r["articles_per_min"], ".2f"),
                      _fmt(r["peak_rss_mb"], ".0f"), _fmt(r["outside_model_s"], ".2f"),
                      _fmt(r["decoded_over_target"], ".2f"), _fmt(r.get("x_a1"), ".2f"),
                      _fmt(r.get("x_a2"), ".2f"))
    console = Console()
    console.print(table)
    for name, label in LABELS.items():
        if name in results and "tokens_per_s" in results[name]:
            console.print(f"  {name}: {label}", markup=False)
    for line in missing:
        console.print(line, markup=False)
    console.print("  tok/s: the sum of per-sentence bounds / wall s; decoded: tokens returned / "
                  "that sum (above 1: sentences ran past their own bound); outside: wall s "
                  "minus seconds inside generate/translate_batch", markup=False)
    exact = results.get("a1", {}).get("exact")
    if exact is not None:
        console.print(f"  a1 check, target token ids counted in its outputs == sum of bounds: "
                      f"{exact}", markup=False)
    if pipeline:
        console.print(f"pipeline (translate + abstractive summary, {pipeline['backend']}) on "
                      f"{pipeline['documents']} documents ({pipeline['segments']} segments): "
                      f"cold/warm {_fmt(pipeline['cold_over_warm'], '.1f')}", markup=False)
        for name in ("cold", "warm"):
            run = pipeline[name]
            share = run.get("outside_share")
            console.print(f"  {name}: {run['wall_s']:.1f} s (exit {run['rc']}), peak RSS "
                          f"{_fmt(run['peak_rss_mb'], '.0f')} MB, model calls "
                          f"{_fmt(run['run_seconds'].get('model calls'))} s, outside model calls "
                          f"{_fmt(run.get('outside_model_s'))} s = "
                          f"{_fmt(None if share is None else 100 * share)}% of wall",
                          markup=False)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the first --n segments")
    parser.add_argument("--n", type=int, default=200, help="segments in --quick mode")
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="threads for every engine")
    parser.add_argument("--engines", default="a1,a2,b,c", help="comma-separated subset")
    parser.add_argument("--docs", type=int, help="documents for the pipeline runs "
                        "(default: 1 with --quick, all 52 otherwise)")
    parser.add_argument("--no-pipeline", action="store_true", help="skip the pipeline runs")
    parser.add_argument("--pipeline-backend", choices=("transformers", "ctranslate2"),
                        default="ctranslate2", help="backend of both models in the pipeline runs")
    parser.add_argument("--json", type=Path, default=BENCH / "results" / "speed.json")
    args = parser.parse_args(argv)
    unknown = set(args.engines.split(",")) - set(LABELS)
    if unknown:
        parser.error(f"unknown engines {sorted(unknown)}; known: {', '.join(LABELS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the table and write the JSON."""
    args = parse_args(argv)
    model = build_fullsize_marian()
    work = load_workload(model, args.n if args.quick else None)
    machine = machine_info()
    warn_if_busy(machine)
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for engine in args.engines.split(","):
            print(f"running {engine}: {LABELS[engine]} ...", flush=True)
            results[engine] = derive(run_in_process(engine, model, work, args, Path(scratch)),
                                     work)
    add_ratios(results)
    pipeline = None
    if not args.no_pipeline:
        docs = args.docs or (1 if args.quick else work.total_documents)
        print(f"running the pipeline twice on {docs} documents ...", flush=True)
        pipeline = cold_and_warm(model, build_fullsize_bart(), docs, beams=args.beams,
                                 threads=args.threads, backend=args.pipeline_backend,
                                 work=BENCH / "results" / "pipeline-run")
    print(f"{machine['cpu']}, {machine['cores']} cores, {args.threads} threads per engine, "
          f"beam {args.beams}; torch {machine['torch']}, transformers {machine['transformers']}, "
          f"ctranslate2 {machine['ctranslate2']}")
    print_table(results, work, pipeline)
    machine["load_average_after"] = os.getloadavg()
    report = {"machine": machine, "model": str(model), "beams": args.beams,
              "threads": args.threads, "segments": len(work.texts),
              "input_tokens": sum(work.input_tokens), "target_tokens": sum(work.bounds),
              "bound_rule": f"min(ceil(2.0 * input tokens + 10), {CAP}) new tokens",
              "engines": results, "pipeline": pipeline}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
