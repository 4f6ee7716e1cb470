"""Streaming runner: memory and time to first output as the input grows; throughput against an
older commit.

    python bench/streaming.py [--counts 1000,10000,50000] [--chunk-segments K]
    python bench/streaming.py --throughput [--baseline-ref 42b7aab] [--repeats 3] [--n 200]
                              [--backend ctranslate2|transformers] [--beams 4] [--threads 2]
                              [--new-ref REF]

Part 1 (default): for each N, a JSONL file of N synthetic French articles (a title and 20
sentences in 5 paragraphs, cycling through the French side of newstest2013; unique ids) is
written once under ``--data-dir`` and run through ``pipeline.runner.run`` in a child process
with cost-free fakes (a translator that upper-cases, a summariser that keeps the first 200
characters; no cache, no language check, a fresh output directory), so what is measured is the
runner itself: reading, segmenting, scoring, storing. The parent measures the wall time, the
time until the first ``briefs/*.md`` appears (polled every 20 ms), the child's RSS (VmRSS sampled
every 20 ms, and the peak the run stored itself: ``runs.counts_json`` ``peak_rss_mb``) and
articles/s, then the RSS growth per 1,000 articles between the smallest and the largest N. A
runner that holds every article until the end grows linearly with N and writes its first brief at
the very end; a streaming one should stay flat and write its first brief after one chunk.
``--chunk-segments`` is passed as ``run.chunk_segments`` when the config has that key.

Part 2 (``--throughput``): the same first ``--n`` newstest2013 segments (as JSONL documents with
their segment-aligned references, as ``fullrun.py`` writes them) translated by the pipeline CLI
(``python run.py``, translation only, no cache, beam 4) with the full-size random-weight model
of ``fullsize.py``, in a ``git worktree`` of ``--baseline-ref`` ("old") and in this working tree
("new"; or in a worktree of ``--new-ref``), alternating old/new ``--repeats`` times, each run in
its own process. Both trees share one absolute ``run.models_dir`` so the CTranslate2 conversion
is made once, in an untimed warm-up run of each tree. Reported: median wall time, segments/s
and target tokens/s (the sum of the per-sentence output bounds, which the never-ending model
always reaches), new/old ratio, and whether both trees wrote the same hypotheses.

Figures are printed and written to ``--json`` (default ``bench/results/streaming.json``, one key
per part); nothing is asserted.
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
POLL_S = 0.02
SENTENCES_PER_ARTICLE = 20  # plus the title: about 21 segments
PARAGRAPHS = 5


# --------------------------------------------------------------------------------------------
# Part 1: memory and first output against input size (child process with fakes)
# --------------------------------------------------------------------------------------------

class UpperTranslator:
    """A translator that costs nothing: each text upper-cased, one output per input.

    Duck-typed (it does not subclass the protocol, which older trees do not give defaults), so it
    spells out the members a runner may read: the defaults the old runner assumed. ``progress``
    is accepted and ignored.
    """

    max_input_tokens = 512
    model_seconds = 0.0

    def translate(self, texts, progress=None):  # noqa: ANN001, ANN201 - the Translator protocol
        return [t.upper() for t in texts]

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def cache_key(self) -> None:
        return None


class HeadSummariser:
    """A summariser that costs nothing: the first 200 characters of each text."""

    chunks: tuple[int, ...] = ()
    model_seconds = 0.0

    def summarise(self, texts, progress=None):  # noqa: ANN001, ANN201 - the Summariser protocol
        return [t[:200] for t in texts]

    def cache_key(self) -> None:
        return None


def supports_chunk_segments() -> bool:
    """Whether this tree's config has ``run.chunk_segments`` (the streaming runner)."""
    sys.path.insert(0, str(ROOT))
    from pipeline.config import RunConfig

    return "chunk_segments" in RunConfig.model_fields


def child_main(spec_path: Path) -> int:
    """In the child: run the pipeline with the fakes on the spec's input and output dir."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    sys.path.insert(0, str(ROOT))
    from pipeline.config import load_config
    from pipeline.runner import run

    overrides = [f"input.path={spec['input']}", "input.format=jsonl",
                 "input.check_language=false", "cache.enabled=false",
                 "summarise.method=extractive", f"output.dir={spec['out_dir']}",
                 "run.name=streaming-bench"]
    if spec.get("chunk_segments") and supports_chunk_segments():
        overrides.append(f"run.chunk_segments={spec['chunk_segments']}")
    run(load_config(None, overrides), translator=UpperTranslator(), summariser=HeadSummariser())
    return 0


def french_sentences() -> list[str]:
    """The French side of newstest2013, one segment per item (3000)."""
    from fullsize import SOURCE_SGM, read_segments

    return [s for s in read_segments(SOURCE_SGM) if s]


def write_articles(path: Path, count: int, sentences: list[str]) -> Path:
    """Write ``count`` synthetic articles as JSONL (once: an existing complete file is kept)."""
    if path.is_file():
        with path.open(encoding="utf-8") as f:
            if sum(1 for _ in f) == count:
                return path
    path.parent.mkdir(parents=True, exist_ok=True)
    per_paragraph = SENTENCES_PER_ARTICLE // PARAGRAPHS
    position = 0
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for i in range(count):
            picked = [sentences[(position + k) % len(sentences)]
                      for k in range(SENTENCES_PER_ARTICLE + 1)]
            position += SENTENCES_PER_ARTICLE + 1
            paragraphs = [" ".join(picked[1 + p * per_paragraph:1 + (p + 1) * per_paragraph])
                          for p in range(PARAGRAPHS)]
            record = {"id": f"bench-{i:06d}", "title": picked[0],
                      "text": "\n\n".join(paragraphs)}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path


def _vm_rss_mb(pid: int) -> float | None:
    """The process's current resident set (VmRSS) in MB, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def _has_brief(briefs: Path) -> bool:
    """Whether a finished brief (``*.md``, not a ``.tmp`` being written) exists yet."""
    try:
        with os.scandir(briefs) as entries:
            return any(e.name.endswith(".md") for e in entries)
    except OSError:
        return False


def stored_run(db: Path) -> dict[str, Any]:
    """The last run's ``counts_json`` and its segment count, from ``pipeline.sqlite``."""
    if not db.is_file():
        return {}
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT id, counts_json FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        if not row:
            return {}
        segments = conn.execute("SELECT COUNT(*) FROM segments WHERE run_id = ?",
                                (row[0],)).fetchone()[0]
    counts = json.loads(row[1]) if row[1] else {}
    return {**counts, "segments_stored": segments}


def measure_one(count: int, input_path: Path, chunk_segments: int | None,
                scratch: Path) -> dict[str, Any]:
    """Run the child on ``input_path``; time it, watch its RSS and its first brief."""
    out_dir = scratch / f"out-{count}"
    spec = scratch / f"spec-{count}.json"
    spec.write_text(json.dumps({"input": str(input_path), "out_dir": str(out_dir),
                                "chunk_segments": chunk_segments}), encoding="utf-8")
    briefs = out_dir / "briefs"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false"}
    log = scratch / f"output-{count}.txt"
    first_brief = None
    max_rss = 0.0
    start = time.perf_counter()
    with log.open("w") as err:
        child = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child",
                                  str(spec)], cwd=ROOT, env=env, stdout=err,
                                 stderr=subprocess.STDOUT)
        while child.poll() is None:
            rss = _vm_rss_mb(child.pid)
            if rss is not None:
                max_rss = max(max_rss, rss)
            if first_brief is None and _has_brief(briefs):
                first_brief = time.perf_counter() - start
            time.sleep(POLL_S)
        wall = time.perf_counter() - start
    if first_brief is None and _has_brief(briefs):
        first_brief = wall  # written in the last poll interval
    stored = stored_run(out_dir / "pipeline.sqlite")
    result = {"articles": count, "rc": child.returncode, "wall_s": wall,
              "first_brief_s": first_brief, "sampled_max_rss_mb": max_rss or None,
              "peak_rss_mb": stored.get("peak_rss_mb"),
              "articles_per_s": count / wall if wall and child.returncode == 0 else None,
              "segments_stored": stored.get("segments_stored"),
              "ok": stored.get("ok"), "failed": stored.get("failed"),
              "run_seconds": stored.get("seconds")}
    if child.returncode != 0:
        result["stderr_tail"] = log.read_text(errors="replace")[-1500:]
    shutil.rmtree(out_dir, ignore_errors=True)  # 50,000 briefs: do not keep them
    return result


def rss_growth_per_1000(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """MB of RSS added per 1,000 articles between the smallest and the largest N."""
    done = [r for r in rows if r["rc"] == 0]
    if len(done) < 2:
        return {"peak_rss_mb": None, "sampled_max_rss_mb": None}
    small, large = min(done, key=lambda r: r["articles"]), max(done, key=lambda r: r["articles"])
    span = (large["articles"] - small["articles"]) / 1000
    growth = {}
    for key in ("peak_rss_mb", "sampled_max_rss_mb"):
        a, b = small.get(key), large.get(key)
        growth[key] = (b - a) / span if a is not None and b is not None and span else None
    return growth


def _fmt(value: Any, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def memory_part(args: argparse.Namespace) -> dict[str, Any]:
    """Part 1: run every N, print the table, return the figures."""
    counts = sorted(int(c) for c in args.counts.split(","))
    sentences = french_sentences()
    streaming = supports_chunk_segments()
    print(f"run.chunk_segments in this tree's config: {streaming}"
          + (f" (passing {args.chunk_segments})" if streaming and args.chunk_segments else ""),
          flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="streaming-bench-") as scratch:
        for count in counts:
            path = write_articles(args.data_dir / f"articles-{count}.jsonl", count, sentences)
            print(f"running {count} articles ...", flush=True)
            rows.append(measure_one(count, path, args.chunk_segments, Path(scratch)))
            if rows[-1]["rc"] != 0:
                print(f"  exit {rows[-1]['rc']}: {rows[-1].get('stderr_tail', '')[-600:]}")
    growth = rss_growth_per_1000(rows)
    print(f"\n{'N':>7} {'segments':>9} {'wall s':>8} {'first brief s':>14} {'peak RSS MB':>12} "
          f"{'max VmRSS MB':>13} {'articles/s':>11}")
    for r in rows:
        print(f"{r['articles']:>7} {_fmt(r['segments_stored'], 'd'):>9}"
              f" {_fmt(r['wall_s'], '.2f'):>8} {_fmt(r['first_brief_s'], '.2f'):>14}"
              f" {_fmt(r['peak_rss_mb'], '.0f'):>12} {_fmt(r['sampled_max_rss_mb'], '.0f'):>13}"
              f" {_fmt(r['articles_per_s'], '.0f'):>11}")
    print(f"RSS growth per 1,000 articles ({counts[0]} -> {counts[-1]}): stored peak "
          f"{_fmt(growth['peak_rss_mb'], '.2f')} MB, sampled VmRSS "
          f"{_fmt(growth['sampled_max_rss_mb'], '.2f')} MB")
    print("  peak RSS: VmHWM recorded by the run (runs.counts_json); max VmRSS: sampled by this "
          f"process every {POLL_S * 1000:.0f} ms; first brief: from the child's start")
    return {"chunk_segments_supported": streaming, "chunk_segments": args.chunk_segments,
            "sentences_per_article": SENTENCES_PER_ARTICLE + 1, "runs": rows,
            "rss_growth_mb_per_1000_articles": growth}


# --------------------------------------------------------------------------------------------
# Part 2: throughput of this tree against an older commit (pipeline CLI, full-size model)
# --------------------------------------------------------------------------------------------

def write_segments(path: Path, count: int) -> int:
    """The first ``count`` newstest2013 segments as JSONL documents with aligned references."""
    from fullsize import REFERENCE_SGM, SOURCE_SGM, read_documents

    references = dict(read_documents(REFERENCE_SGM))
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for docid, segments in read_documents(SOURCE_SGM):
            take = min(len(segments), count - written)
            if take <= 0:
                break
            record = {"id": docid, "text": "\n".join(segments[:take]),
                      "reference": references[docid][:take]}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += take
    return written


def _tree_env(tree: Path, threads: int) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "HF_HUB_OFFLINE": "1",
            "OMP_NUM_THREADS": str(threads), "TOKENIZERS_PARALLELISM": "false",
            "TRANSFORMERS_VERBOSITY": "error"}


def tree_info(tree: Path) -> dict[str, Any]:
    """Which ``pipeline`` package a run in ``tree`` imports, and whether it streams."""
    code = ("import json, pipeline, pipeline.config as c; print(json.dumps({'package': "
            "pipeline.__file__, 'chunk_segments': 'chunk_segments' in c.RunConfig.model_fields}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tree, env=_tree_env(tree, 1),
                          capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-500:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def cli_run(tree: Path, input_path: Path, out_dir: Path, model: Path, models_dir: Path,
            args: argparse.Namespace, chunk_segments: int | None) -> dict[str, Any]:
    """One ``python run.py`` in ``tree``: wall time from here, and what the run stored."""
    shutil.rmtree(out_dir, ignore_errors=True)
    sets = [f"input.path={input_path}", "input.format=jsonl", "input.check_language=false",
            f"translate.model={model}", f"translate.backend={args.backend}",
            f"translate.num_beams={args.beams}", f"translate.threads={args.threads}",
            "translate.device=cpu", "summarise.method=none", "cache.enabled=false",
            f"run.models_dir={models_dir}", f"output.dir={out_dir}"]
    if chunk_segments:
        sets.append(f"run.chunk_segments={chunk_segments}")
    command = [sys.executable, "run.py"] + [a for s in sets for a in ("--set", s)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=tree, env=_tree_env(tree, args.threads),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    stored = stored_run(out_dir / "pipeline.sqlite")
    hypotheses = out_dir / "hypotheses.en.txt"
    result = {"rc": done.returncode, "wall_s": wall, "peak_rss_mb": stored.get("peak_rss_mb"),
              "run_seconds": stored.get("seconds"), "ok": stored.get("ok"),
              "segments_stored": stored.get("segments_stored"),
              "hypotheses": hypotheses.read_text(encoding="utf-8")
              if hypotheses.is_file() else None}
    if done.returncode != 0:
        result["stderr_tail"] = done.stderr[-1500:]
    return result


def add_worktree(ref: str, where: Path) -> Path:
    """A detached ``git worktree`` of ``ref`` at ``where``."""
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), ref],
                   check=True, capture_output=True, text=True)
    return where


def remove_worktree(where: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)],
                   capture_output=True, text=True)
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True, text=True)


def _summary(runs: list[dict[str, Any]], segments: int, target_tokens: int) -> dict[str, Any]:
    walls = [r["wall_s"] for r in runs if r["rc"] == 0]
    if not walls:
        return {"median_wall_s": None, "segments_per_s": None, "tokens_per_s": None}
    median = statistics.median(walls)
    model = [r["run_seconds"].get("model calls") for r in runs
             if r["rc"] == 0 and r.get("run_seconds") and "model calls" in r["run_seconds"]]
    rss = [r["peak_rss_mb"] for r in runs if r.get("peak_rss_mb") is not None]
    return {"median_wall_s": median, "walls_s": walls, "segments_per_s": segments / median,
            "tokens_per_s": target_tokens / median,
            "median_model_calls_s": statistics.median(model) if model else None,
            "max_peak_rss_mb": max(rss) if rss else None}


def throughput_part(args: argparse.Namespace) -> dict[str, Any]:
    """Part 2: old (a worktree of the baseline ref) against new (this tree), alternating."""
    from fullsize import build_fullsize_marian
    from speed import load_workload

    model = build_fullsize_marian()
    work = load_workload(model, args.n)
    target_tokens = sum(work.bounds)
    models_dir = args.models_dir.resolve()
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.baseline_ref],
                         check=True, capture_output=True, text=True).stdout.strip()
    scratch = Path(tempfile.mkdtemp(prefix="streaming-throughput-"))
    try:
        old_tree = add_worktree(args.baseline_ref, scratch / "baseline")
        new_tree = add_worktree(args.new_ref, scratch / "new") if args.new_ref else ROOT
        trees = {"old": old_tree, "new": new_tree}
        info = {name: tree_info(tree) for name, tree in trees.items()}
        chunk = {name: args.chunk_segments if info[name].get("chunk_segments") else None
                 for name in trees}
        for name, tree in trees.items():
            print(f"{name}: {tree} imports {info[name].get('package', info[name])}; "
                  f"chunk_segments {'supported' if info[name].get('chunk_segments') else 'no'}",
                  flush=True)
        input_path = scratch / "input.jsonl"
        segments = write_segments(input_path, args.n)
        warm_input = scratch / "warmup.jsonl"
        write_segments(warm_input, 2)
        for name, tree in trees.items():  # untimed: converts the model once, fills file caches
            print(f"warm-up ({name}) ...", flush=True)
            warm = cli_run(tree, warm_input, scratch / f"warm-{name}", model, models_dir, args,
                           chunk[name])
            if warm["rc"] != 0:
                print(f"  warm-up {name} exit {warm['rc']}: {warm.get('stderr_tail', '')[-800:]}")
        runs: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
        for repeat in range(args.repeats):
            for name, tree in trees.items():
                result = cli_run(tree, input_path, scratch / f"out-{name}", model, models_dir,
                                 args, chunk[name])
                runs[name].append(result)
                print(f"  repeat {repeat + 1} {name}: {result['wall_s']:.1f} s (exit "
                      f"{result['rc']}), peak RSS {_fmt(result['peak_rss_mb'], '.0f')} MB",
                      flush=True)
                if result["rc"] != 0:
                    print(f"    {result.get('stderr_tail', '')[-800:]}")
    finally:
        remove_worktree(scratch / "baseline")
        if args.new_ref:
            remove_worktree(scratch / "new")
        shutil.rmtree(scratch, ignore_errors=True)
    pairs = zip(runs["old"], runs["new"], strict=True)
    same = [o["hypotheses"] == n["hypotheses"] for o, n in pairs
            if o["hypotheses"] is not None and n["hypotheses"] is not None]
    summary = {name: _summary(r, segments, target_tokens) for name, r in runs.items()}
    old, new = summary["old"]["median_wall_s"], summary["new"]["median_wall_s"]
    ratio = old / new if old and new else None  # new/old throughput
    print(f"\n{segments} segments, {target_tokens} target tokens, {args.backend}, beam "
          f"{args.beams}, {args.threads} threads, {args.repeats} repeat(s); old = {rev}, "
          f"new = {args.new_ref or 'working tree'}")
    print(f"{'':>4} {'median wall s':>14} {'segments/s':>11} {'target tok/s':>13} "
          f"{'model calls s':>14} {'peak RSS MB':>12}")
    for name, s in summary.items():
        print(f"{name:>4} {_fmt(s['median_wall_s'], '.2f'):>14} "
              f"{_fmt(s['segments_per_s'], '.2f'):>11} {_fmt(s['tokens_per_s'], '.1f'):>13} "
              f"{_fmt(s.get('median_model_calls_s'), '.2f'):>14} "
              f"{_fmt(s.get('max_peak_rss_mb'), '.0f'):>12}")
    print(f"new/old throughput: {_fmt(ratio, '.3f')}; same hypotheses.en.txt in "
          f"{sum(same)} of {len(same)} pairs where both wrote one")
    for r in runs["old"] + runs["new"]:
        r.pop("hypotheses", None)
    return {"baseline_ref": args.baseline_ref, "baseline_commit": rev,
            "new_ref": args.new_ref or "working tree", "trees": info,
            "model": str(model), "models_dir": str(models_dir), "backend": args.backend,
            "beams": args.beams, "threads": args.threads, "segments": segments,
            "target_tokens": target_tokens, "repeats": args.repeats, "runs": runs,
            "summary": summary, "new_over_old_throughput": ratio,
            "same_hypotheses": same, "chunk_segments": chunk}


# --------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--counts", default="1000,10000,50000",
                        help="article counts for part 1, comma-separated")
    parser.add_argument("--chunk-segments", type=int,
                        help="run.chunk_segments, passed only when the config has it")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(tempfile.gettempdir()) / "fr-en-briefs-streaming",
                        help="where the part 1 inputs are written (once per N)")
    parser.add_argument("--throughput", action="store_true", help="run part 2 instead")
    parser.add_argument("--baseline-ref", default="42b7aab", help="part 2: the old commit")
    parser.add_argument("--new-ref", help="part 2: a commit to compare instead of the "
                        "working tree (default: the working tree)")
    parser.add_argument("--repeats", type=int, default=3, help="part 2: runs per tree")
    parser.add_argument("--n", type=int, default=200, help="part 2: newstest2013 segments")
    parser.add_argument("--backend", choices=("ctranslate2", "transformers"),
                        default="ctranslate2", help="part 2: translate.backend")
    parser.add_argument("--beams", type=int, default=4, help="part 2: translate.num_beams")
    parser.add_argument("--threads", type=int, default=2, help="part 2: translate.threads")
    parser.add_argument("--models-dir", type=Path, default=BENCH / ".models",
                        help="part 2: run.models_dir shared by both trees")
    parser.add_argument("--json", type=Path, default=BENCH / "results" / "streaming.json")
    return parser.parse_args(argv)


def write_json(path: Path, key: str, report: dict[str, Any]) -> None:
    """Store ``report`` under ``key`` in ``path``, keeping the other part's figures."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[key] = {**report, "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
                 "load_average": os.getloadavg(), "cores": os.cpu_count()}
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    print(f"wrote {path} ({key})")


def main(argv: list[str] | None = None) -> int:
    """Run part 1 or part 2; print the figures and write the JSON."""
    args = parse_args(argv)
    if args.child:
        return child_main(args.child)
    if args.throughput:
        write_json(args.json, "throughput", throughput_part(args))
    else:
        write_json(args.json, "memory", memory_part(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
