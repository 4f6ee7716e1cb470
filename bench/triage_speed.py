"""Articles per minute of triage briefs (``translate.scope: brief``) against full translations.

    python bench/triage_speed.py [--docs 2] [--repeats 3] [--threads 2] [--beams 4]
                                 [--backend ctranslate2] [--json PATH]

Input: the first ``--docs`` documents of newstest2013 (French), one JSONL article each: the first
segment as the title, every other segment a paragraph; no references. Model: the full-size
random-weight OPUS-MT of ``fullsize.py``, which never ends a sentence, so every sentence costs
what the real model costs at its output bound (``translate.max_length_ratio`` x input tokens +
offset): a pessimistic, but equal, cost per translated sentence for both scopes. Summaries are
``extractive`` in both (the brief needs them; the full run ranks the translated sentences). No
translation memory. Each run is ``python run.py`` in its own process, timed from outside (start-up
and model loading included), the two scopes alternating ``--repeats`` times after one untimed
warm-up each (the first converts the model for CTranslate2).

Reported per scope: the median wall seconds, articles per minute, segments translated, and the
seconds the run itself recorded translating; then brief/full ratios of articles per minute
(wall) and of translation seconds. Nothing is asserted; figures go to ``--json`` (default
``bench/results/triage_speed.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

SCOPES = ("full", "brief")


def write_documents(path: Path, count: int) -> int:
    """The first ``count`` newstest2013 documents as JSONL articles; returns their segments."""
    from fullsize import SOURCE_SGM, read_documents

    documents = read_documents(SOURCE_SGM)[:count]
    with path.open("w", encoding="utf-8") as f:
        for docid, segments in documents:
            record = {"id": docid, "title": segments[0], "text": "\n\n".join(segments[1:])}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return sum(len(s) for _, s in documents)


def run_once(scope: str, input_path: Path, out: Path, args: argparse.Namespace, model: Path,
             models_dir: Path) -> dict[str, Any]:
    """One ``python run.py``: wall time from outside, and what the run stored."""
    shutil.rmtree(out, ignore_errors=True)
    sets = [f"input.path={input_path}", "input.check_language=false",
            f"translate.model={model}", f"translate.backend={args.backend}",
            f"translate.num_beams={args.beams}", "translate.device=cpu",
            f"translate.threads={args.threads}", f"translate.scope={scope}",
            "summarise.method=extractive", "cache.enabled=false",
            f"run.models_dir={models_dir}", f"output.dir={out}"]
    command = [sys.executable, "run.py", "-q"] + [a for s in sets for a in ("--set", s)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    wall = time.perf_counter() - start
    result: dict[str, Any] = {"scope": scope, "rc": done.returncode, "wall_s": wall}
    if done.returncode != 0:
        result["stderr_tail"] = done.stderr[-1500:]
        return result
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        (counts,) = conn.execute("SELECT counts_json FROM runs").fetchone()
        (segments,) = conn.execute("SELECT COUNT(*) FROM segments").fetchone()
    stored = json.loads(counts)
    result.update(ok=stored.get("ok"), translated_segments=segments,
                  translate_s=stored.get("seconds", {}).get("translate"))
    return result


def processor() -> str:
    """The processor's name, as lscpu gives it (else /proc/cpuinfo)."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines()
                    if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        pass
    try:
        return next(line.split(":", 1)[1].strip() for line in
                    Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name"))
    except (OSError, StopIteration):
        return "unknown"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise_runs(runs: dict[str, list[dict[str, Any]]], docs: int) -> dict[str, Any]:
    """Medians per scope and the brief/full ratios."""
    table: dict[str, Any] = {}
    for scope, rs in runs.items():
        good = [r for r in rs if r["rc"] == 0]
        wall = _median([r["wall_s"] for r in good])
        table[scope] = {
            "median_wall_s": wall, "walls_s": [round(r["wall_s"], 2) for r in rs],
            "articles_per_min": docs / wall * 60 if wall else None,
            "translated_segments": good[0]["translated_segments"] if good else None,
            "median_translate_s": _median([r["translate_s"] for r in good
                                           if r.get("translate_s") is not None]),
        }
    full, brief = table.get("full", {}), table.get("brief", {})
    if full.get("articles_per_min") and brief.get("articles_per_min"):
        table["ratio_articles_per_min"] = brief["articles_per_min"] / full["articles_per_min"]
    if full.get("median_translate_s") and brief.get("median_translate_s"):
        table["ratio_translate_s"] = full["median_translate_s"] / brief["median_translate_s"]
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--backend", default="ctranslate2")
    parser.add_argument("--models-dir", type=Path, default=BENCH / ".models")
    parser.add_argument("--json", type=Path, default=BENCH / "results" / "triage_speed.json")
    args = parser.parse_args(argv)

    from fullsize import build_fullsize_marian

    model = build_fullsize_marian()
    models_dir = args.models_dir.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="triage-speed-"))
    runs: dict[str, list[dict[str, Any]]] = {scope: [] for scope in SCOPES}
    try:
        input_path = scratch / "articles.jsonl"
        segments = write_documents(input_path, args.docs)
        warm_input = scratch / "warm.jsonl"
        write_documents(warm_input, 1)
        for scope in SCOPES:  # untimed: model conversion, file caches
            warm = run_once(scope, warm_input, scratch / "warm", args, model, models_dir)
            print(f"warm-up {scope}: {warm['wall_s']:.1f} s (exit {warm['rc']})", flush=True)
            if warm["rc"] != 0:
                print(warm.get("stderr_tail", ""))
                return 1
        for repeat in range(args.repeats):
            for scope in SCOPES:
                result = run_once(scope, input_path, scratch / f"out-{scope}", args, model,
                                  models_dir)
                runs[scope].append(result)
                print(f"repeat {repeat + 1} {scope}: {result['wall_s']:.1f} s (exit "
                      f"{result['rc']})", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    table = summarise_runs(runs, args.docs)
    cpu = processor()
    print(f"\n{args.docs} newstest2013 documents ({segments} segments, titles included); "
          f"{args.backend}, beam {args.beams}, {args.threads} threads; median of "
          f"{args.repeats}; CPU: {cpu}")
    print(f"{'scope':>6} {'median s':>9} {'articles/min':>13} {'segments':>9} "
          f"{'translate s':>12}")
    for scope in SCOPES:
        s = table[scope]
        print(f"{scope:>6} {s['median_wall_s'] or 0:9.1f} {s['articles_per_min'] or 0:13.2f} "
              f"{s['translated_segments'] or 0:9d} {s['median_translate_s'] or 0:12.1f}")
    print(f"brief/full articles per minute: {table.get('ratio_articles_per_min', 0):.2f}x "
          f"(translation seconds alone: {table.get('ratio_translate_s', 0):.2f}x)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"docs": args.docs, "segments": segments, "cpu": cpu,
                                     "backend": args.backend, "beams": args.beams,
                                     "threads": args.threads, "repeats": args.repeats,
                                     "scopes": table}, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
