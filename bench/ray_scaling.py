"""Articles per minute: the local executor against Ray Data on this machine, and a paper
estimate for N workers.

    python bench/ray_scaling.py [--articles 40] [--segments-per-article 8] [--repeats 3]
                                [--threads 2] [--beams 4] [--backend ctranslate2]
                                [--actor-rate SEGMENTS_PER_S] [--workers 1,2,4,8,16]

Input: the first ``articles x segments-per-article`` segments of newstest2013 (French), cut into
articles of ``--segments-per-article`` consecutive segments, written as JSONL with their
segment-aligned English references. Model: the full-size random-weight OPUS-MT of
``fullsize.py`` (never emits EOS, so its compute per token is the real model's), CTranslate2
int8 by default, beam 4; summaries are ``extractive`` (no model: this measures the translation
and the executor, not DistilBART). No translation memory. Every run is ``python run.py`` in its
own process, timed from outside (so Ray's start-up and shutdown are counted), with the
configurations alternating ``--repeats`` times after one untimed warm-up each:

- ``local``: ``run.executor: local``, ``translate.threads = --threads``;
- ``ray-1x<threads>``: one translate actor with ``--threads`` CPUs (and as many threads);
- ``ray-<threads>x1``: ``--threads`` translate actors of one CPU (and one thread) each.

The read and summarise pools have one actor each (a local Ray is started with at least the CPUs
the pools reserve, so on 2 cores those actors share the cores with the translators).

Reported: median wall seconds, articles/min and segments/s per configuration, the ratio to
local, whether every configuration stored the same ``hypotheses.en.txt``, and, from the Ray
runs' own timings, the translate actors' busy seconds and the rate of one actor
(segments translated / busy seconds of the stage, summed over its actors). The paper estimate
for N workers is ``min(N x actor rate, driver ceiling)``, where the driver ceiling is the rate at
which the driver committed results (segments / its ``commit`` seconds); ``--actor-rate`` replaces
the measured CPU actor rate by one measured elsewhere (e.g. one GPU actor). Nothing is asserted;
figures go to ``--json`` (default ``bench/results/ray_scaling.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def write_articles(path: Path, articles: int, per_article: int) -> int:
    """JSONL articles of ``per_article`` consecutive newstest2013 segments; returns segments."""
    from fullsize import REFERENCE_SGM, SOURCE_SGM, read_segments

    sources, references = read_segments(SOURCE_SGM), read_segments(REFERENCE_SGM)
    with path.open("w", encoding="utf-8") as f:
        for n in range(articles):
            part = slice(n * per_article, (n + 1) * per_article)
            f.write(json.dumps({"id": f"nt13-{n:04d}", "text": "\n".join(sources[part]),
                                "reference": references[part]}, ensure_ascii=False) + "\n")
    return articles * per_article


def configurations(threads: int) -> dict[str, list[str]]:
    """The executors compared, as ``--set`` overrides."""
    return {
        "local": ["run.executor=local", f"translate.threads={threads}"],
        f"ray-1x{threads}": ["run.executor=ray", "ray.translate.actors=1",
                             f"ray.translate.cpus={threads}"],
        f"ray-{threads}x1": ["run.executor=ray", f"ray.translate.actors={threads}",
                             "ray.translate.cpus=1"],
    }


def run_once(name: str, sets: list[str], input_path: Path, out: Path, args: argparse.Namespace,
             model: Path, models_dir: Path) -> dict[str, Any]:
    """One ``python run.py``: wall time from outside and what the run stored."""
    shutil.rmtree(out, ignore_errors=True)
    common = [f"input.path={input_path}", "input.check_language=false",
              f"translate.model={model}", f"translate.backend={args.backend}",
              f"translate.num_beams={args.beams}", "translate.device=cpu",
              "summarise.method=extractive", "cache.enabled=false",
              f"run.models_dir={models_dir}", f"output.dir={out}"]
    command = [sys.executable, "run.py", "-q"] + [a for s in common + sets for a in ("--set", s)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    wall = time.perf_counter() - start
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        (counts,) = conn.execute("SELECT counts_json FROM runs").fetchone()
    stored = json.loads(counts)
    hyp = out / "hypotheses.en.txt"
    result = {"name": name, "rc": done.returncode, "wall_s": wall, "ok": stored.get("ok"),
              "seconds": stored.get("seconds", {}),
              "hypotheses": hyp.read_text("utf-8") if hyp.is_file() else None}
    if done.returncode != 0:
        result["stderr_tail"] = done.stderr[-1500:]
    return result


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _fmt(value: Any, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--segments-per-article", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--backend", default="ctranslate2")
    parser.add_argument("--actor-rate", type=float, default=None,
                        help="segments/s of one actor measured elsewhere (e.g. one GPU)")
    parser.add_argument("--workers", default="1,2,4,8,16")
    parser.add_argument("--models-dir", type=Path, default=BENCH / ".models")
    parser.add_argument("--json", type=Path, default=BENCH / "results" / "ray_scaling.json")
    args = parser.parse_args(argv)

    from fullsize import build_fullsize_marian

    model = build_fullsize_marian()
    models_dir = args.models_dir.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="ray-scaling-"))
    configs = configurations(args.threads)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in configs}
    try:
        input_path = scratch / "articles.jsonl"
        segments = write_articles(input_path, args.articles, args.segments_per_article)
        warm_input = scratch / "warm.jsonl"
        write_articles(warm_input, 2, 2)
        for name, sets in configs.items():  # untimed: model conversion, file caches
            warm = run_once(name, sets, warm_input, scratch / "warm", args, model, models_dir)
            print(f"warm-up {name}: {warm['wall_s']:.1f} s (exit {warm['rc']})", flush=True)
            if warm["rc"] not in (0,):
                print(warm.get("stderr_tail", ""))
        for repeat in range(args.repeats):
            for name, sets in configs.items():
                result = run_once(name, sets, input_path, scratch / f"out-{name}", args, model,
                                  models_dir)
                runs[name].append(result)
                print(f"repeat {repeat + 1} {name}: {result['wall_s']:.1f} s (exit "
                      f"{result['rc']}, {result['ok']} ok)", flush=True)
                if result["rc"] != 0:
                    print(result.get("stderr_tail", ""))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    hypotheses = {r["hypotheses"] for rs in runs.values() for r in rs if r["rc"] == 0}
    summary: dict[str, dict[str, Any]] = {}
    for name, rs in runs.items():
        good = [r for r in rs if r["rc"] == 0]
        wall = _median([r["wall_s"] for r in good])
        translate = _median([r["seconds"].get("translate", 0.0) for r in good])
        commit = _median([r["seconds"].get("commit", 0.0) for r in good])
        summary[name] = {
            "median_wall_s": wall, "walls_s": [r["wall_s"] for r in rs],
            "articles_per_min": args.articles / wall * 60 if wall else None,
            "segments_per_s": segments / wall if wall else None,
            "translate_busy_s": translate, "commit_s": commit,
            "actor_segments_per_s": segments / translate if translate else None,
            "driver_ceiling_segments_per_s": segments / commit if commit else None,
        }
    local = summary["local"]["median_wall_s"]
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in
                   Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"\n{args.articles} articles x {args.segments_per_article} segments = {segments} "
          f"segments; {args.backend}, beam {args.beams}, {args.threads} threads; extractive "
          f"summaries; {args.repeats} repeats; CPU: {cpu}")
    print(f"{'':>10} {'median s':>9} {'articles/min':>13} {'segments/s':>11} "
          f"{'vs local':>9} {'translate busy s':>17} {'1 actor seg/s':>14}")
    for name, s in summary.items():
        ratio = local / s["median_wall_s"] if local and s["median_wall_s"] else None
        s["throughput_vs_local"] = ratio
        print(f"{name:>10} {_fmt(s['median_wall_s'], '.1f'):>9} "
              f"{_fmt(s['articles_per_min'], '.1f'):>13} {_fmt(s['segments_per_s']):>11} "
              f"{_fmt(ratio, '.3f'):>9} {_fmt(s['translate_busy_s'], '.1f'):>17} "
              f"{_fmt(s['actor_segments_per_s']):>14}")
    print(f"same hypotheses.en.txt in every run: {len(hypotheses) == 1}")

    ray_runs = [s for n, s in summary.items() if n.startswith("ray-1x")]
    actor_rate = args.actor_rate or (ray_runs[0]["actor_segments_per_s"] if ray_runs else None)
    ceilings = [s["driver_ceiling_segments_per_s"] for n, s in summary.items()
                if n.startswith("ray") and s["driver_ceiling_segments_per_s"]]
    ceiling = min(ceilings) if ceilings else None
    estimate = {}
    if actor_rate:
        source = "given (--actor-rate)" if args.actor_rate else \
            f"measured: one {args.threads}-CPU translate actor"
        print(f"\npaper estimate, translate actors at {actor_rate:.2f} segments/s each "
              f"({source}); driver commit ceiling {_fmt(ceiling, '.0f')} segments/s:")
        for n in (int(w) for w in args.workers.split(",")):
            rate = min(n * actor_rate, ceiling) if ceiling else n * actor_rate
            estimate[n] = {"segments_per_s": rate,
                           "articles_per_min": rate / args.segments_per_article * 60}
            print(f"  {n:>3} workers: {rate:8.1f} segments/s, "
                  f"{estimate[n]['articles_per_min']:8.0f} articles/min")
    for rs in runs.values():
        for r in rs:
            r.pop("hypotheses", None)
    report = {"articles": args.articles, "segments": segments, "backend": args.backend,
              "beams": args.beams, "threads": args.threads, "cpu": cpu, "runs": runs,
              "summary": summary, "same_hypotheses": len(hypotheses) == 1,
              "actor_rate": actor_rate, "driver_ceiling": ceiling, "estimate": estimate}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
