"""A cold and a warm run of the whole pipeline (``python run.py``), timed from outside.

The input is the first K documents of newstest2013 as JSONL (one article per document, one
source line per segment, the English reference beside it). Both runs use the same config and
the same output directory; the second is fast only if the pipeline keeps a translation memory.
When the config has a ``cache`` section, its path-like keys are pointed at a fresh directory so
that the first run really starts cold.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fullsize import REFERENCE_SGM, SOURCE_SGM, read_documents

ROOT = Path(__file__).resolve().parents[1]


def write_documents(path: Path, count: int) -> dict[str, int]:
    """Write the first ``count`` newstest2013 documents as JSONL; return docs and segments."""
    sources = read_documents(SOURCE_SGM)[:count]
    references = dict(read_documents(REFERENCE_SGM))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for docid, segments in sources:
            record = {"id": docid, "text": "\n".join(segments), "reference": references[docid]}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {"documents": len(sources), "segments": sum(len(s) for _, s in sources)}


def cache_overrides(directory: Path) -> list[str]:
    """``--set`` options that switch the cache on and point its path-like keys at ``directory``."""
    sys.path.insert(0, str(ROOT))
    from pipeline.config import Config

    field = Config.model_fields.get("cache")
    section = getattr(field, "annotation", None) if field else None
    keys = getattr(section, "model_fields", {})
    wanted = [k for k in keys if any(w in k for w in ("path", "dir", "file", "db"))]
    switch = ["cache.enabled=true"] if "enabled" in keys else []
    # Keep the default's file name (e.g. memory.sqlite), in the fresh directory.
    defaults = Config().cache
    names = {k: Path(str(getattr(defaults, k, None) or k)).name for k in wanted}
    return switch + [f"cache.{k}={directory / names[k]}" for k in wanted]


def timed(command: list[str], env: dict[str, str], out_dir: Path) -> dict[str, Any]:
    """Run ``command`` in the project root: wall time, peak RSS, exit code, end of stderr, and
    the run's own timings as stored in ``out_dir/pipeline.sqlite`` (seconds in model calls)."""
    log = out_dir.parent / "stderr.txt"
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log.open("w") as err:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                 stderr=err)
        rc = child.wait()
    wall = time.perf_counter() - start
    stored = _stored_counts(out_dir / "pipeline.sqlite")
    seconds = stored.get("seconds", {})
    model = seconds.get("model calls")
    # The child's ru_maxrss would include this process's peak (Linux carries it across the
    # child's fork and exec): the run records its own peak (VmHWM) instead.
    return {"wall_s": wall, "rc": rc,
            "peak_rss_mb": stored.get("peak_rss_mb"), "run_seconds": seconds,
            "outside_model_s": None if model is None else wall - model,
            "outside_share": None if model is None else (wall - model) / wall,
            "stderr_tail": log.read_text(errors="replace")[-600:]}


def _stored_counts(db: Path) -> dict[str, Any]:
    """What the last run stored in its ``runs`` row: counts, seconds, peak RSS (or nothing)."""
    if not db.is_file():
        return {}
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT counts_json FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def cold_and_warm(model: Path, summariser: Path, documents: int, *, beams: int, threads: int,
                  backend: str, work: Path) -> dict[str, Any]:
    """Run the pipeline twice on the same input; return both timings and the cold/warm ratio.

    Args:
        model: The translation model directory.
        summariser: The summarisation model directory.
        documents: How many newstest2013 documents to feed it.
        beams: ``translate.num_beams``.
        threads: ``translate.threads`` and OMP_NUM_THREADS.
        backend: ``translate.backend`` and ``summarise.backend``.
        work: A scratch directory (emptied first) for the input, outputs and any cache.
    """
    shutil.rmtree(work, ignore_errors=True)
    sizes = write_documents(work / "input.jsonl", documents)
    cache = cache_overrides(work / "cache")
    sets = [f"translate.model={model}", f"summarise.model={summariser}",
            f"translate.backend={backend}", f"summarise.backend={backend}",
            f"run.models_dir={ROOT / 'bench' / '.models'}",  # conversions are made once there
            f"input.path={work / 'input.jsonl'}", f"output.dir={work / 'out'}",
            f"translate.num_beams={beams}", f"translate.threads={threads}",
            f"summarise.threads={threads}",
            "translate.device=cpu", "summarise.device=cpu", *cache]
    command = [sys.executable, "run.py"] + [a for s in sets for a in ("--set", s)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": str(threads),
           "TOKENIZERS_PARALLELISM": "false"}
    cold = timed(command, env, work / "out")
    warm = timed(command, env, work / "out")
    return {**sizes, "backend": backend, "cache_overrides": cache,
            "command": " ".join(command), "cold": cold, "warm": warm,
            "cold_over_warm": cold["wall_s"] / warm["wall_s"] if warm["wall_s"] else None}
