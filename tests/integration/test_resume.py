"""Crashes, Ctrl-C, locks and shared memories: real CLI processes on tiny models.

A run is killed (SIGKILL) at several points, then the same command is run again until it
finishes; its outputs must equal those of a run that was never interrupted.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.segment import split_paragraphs, split_sentences

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "lutte-anti-aqmi.fr.txt"
ARTICLES = 8


def example_sentences() -> list[str]:
    """The example article's body, sentence by sentence."""
    body = EXAMPLE.read_text("utf-8").split("\n", 1)[1]
    return [s for p in split_paragraphs(body) for s in split_sentences(p)]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight French articles of four to six sentences cut from the example article."""
    folder = tmp_path_factory.mktemp("articles")
    sentences = example_sentences()
    for n in range(ARTICLES):
        chosen = [sentences[(n * 3 + k) % len(sentences)] for k in range(4 + n % 3)]
        text = f"Article {n} : {chosen[0][:40]}\n\n" + " ".join(chosen[:2]) + "\n\n" + \
            " ".join(chosen[2:])
        (folder / f"art{n:02d}.txt").write_text(text, "utf-8")
    return folder


def command(tiny_models: dict[str, Path], inputs: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, str(ROOT / "run.py"), "--config", str(ROOT / "configs/default.yaml"),
            "--set", f"input.path={inputs}", "--set", f"output.dir={out}",
            "--set", f"translate.model={tiny_models['marian']}",
            "--set", f"summarise.model={tiny_models['bart']}",
            "--set", "translate.threads=1", "--set", "translate.batch_size=2",
            "--set", "summarise.batch_size=1", "--set", "summarise.threads=1",
            "--set", "run.chunk_segments=12",
            "--set", "cache.enabled=false", "-v", *extra]


ENV = {**os.environ, "BRIEFS_PROGRESS_INTERVAL": "0", "HF_HUB_OFFLINE": "1",
       "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}


def run_until(cmd: list[str], pattern: str, sig: int = signal.SIGKILL,
              timeout: float = 240, cwd: Path = ROOT) -> tuple[int, str]:
    """Start ``cmd`` (in ``cwd``), send ``sig`` once a line of its stderr matches ``pattern``;
    returns the exit code and what it printed on stderr."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=ENV, cwd=cwd)
    seen, deadline = [], time.monotonic() + timeout
    assert proc.stderr is not None
    for line in proc.stderr:
        seen.append(line)
        if re.search(pattern, line):
            proc.send_signal(sig)
            break
        assert time.monotonic() < deadline, "".join(seen)
    rest = proc.stderr.read()
    return proc.wait(timeout=60), "".join(seen) + rest


def finish(cmd: list[str]) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def snapshot(out: Path) -> dict[str, object]:
    """Everything a run produced that must not depend on interruptions."""
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()
                  for t in ("segments", "summaries")}
        # a mean log-probability computed in another batch differs in its last bits (sums in
        # another order): compared at the 4 decimals results.jsonl and the flags show
        tables["segments"] = [tuple(round(v, 4) if isinstance(v, float) else v for v in row)
                              for row in tables["segments"]]
        tables["articles"] = conn.execute(
            "SELECT article_id, status, error, title_en, translation, flags_json, stats_json, "
            "position FROM articles ORDER BY article_id").fetchall()
        tables["scores"] = conn.execute(
            "SELECT article_id, metric, scope, segment_index, value, signature FROM scores "
            "ORDER BY 1, 2, 3, 4").fetchall()
        tables["runs"] = conn.execute("SELECT id, status FROM runs").fetchall()
    briefs = {p.name: p.read_text("utf-8") for p in sorted((out / "briefs").iterdir())}
    lines = (out / "results.jsonl").read_text("utf-8").splitlines()
    return {"tables": tables, "briefs": briefs, "results": lines}


@pytest.fixture(scope="module")
def reference(tiny_models, inputs, tmp_path_factory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("uninterrupted") / "run"
    finish(command(tiny_models, inputs, out))
    shot = snapshot(out)
    assert len(shot["results"]) == ARTICLES
    assert len([r for r in shot["results"] if json.loads(r)["status"] == "ok"]) == ARTICLES
    return shot


@pytest.mark.parametrize("point", [
    r"translate [1-9]\d*/\d+ segments of chunk 2",  # during translation
    r"summarise [1-9]\d*/\d+ articles of chunk 2",  # during summarisation
    r"chunk 1: \d+ articles committed",  # between chunks
    r"articles 0/",  # before anything was committed
])
def test_killed_run_resumes_to_the_same_outputs(tiny_models, inputs, reference, tmp_path, point):
    out = tmp_path / "run"
    cmd = command(tiny_models, inputs, out)
    code, printed = run_until(cmd, point)
    assert code == -signal.SIGKILL, printed[-2000:]
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        (status,) = conn.execute("SELECT status FROM runs").fetchone()
        stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert status == "running" and stored < ARTICLES
    done = finish(cmd)
    assert "resuming run" in done.stderr
    shot = snapshot(out)
    assert shot["tables"]["runs"] == [(1, "ok")]
    assert shot == {**reference, "tables": {**reference["tables"], "runs": [(1, "ok")]}}


def test_ctrl_c_marks_the_run_interrupted_and_prints_the_resume_command(
        tiny_models, inputs, reference, tmp_path):
    out = tmp_path / "run"
    cmd = command(tiny_models, inputs, out)
    code, printed = run_until(cmd, r"translate [1-9]\d*/\d+ segments of chunk 2", signal.SIGINT)
    assert code == 130, printed[-2000:]
    assert "interrupted:" in printed and "Resume with:" in printed
    assert "finished:" not in printed  # the progress display says how it ended
    resume = printed.split("Resume with:")[1].strip().splitlines()[0]
    assert "run.py" in resume and f"output.dir={out}" in resume
    assert "Traceback" not in printed
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        assert conn.execute("SELECT status FROM runs").fetchone() == ("interrupted",)
    finish(cmd)
    assert snapshot(out)["results"] == reference["results"]


def test_a_second_run_on_a_folder_in_use_is_refused_at_once(tiny_models, inputs, tmp_path):
    out = tmp_path / "run"
    cmd = command(tiny_models, inputs, out)
    first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=ENV, cwd=ROOT)
    try:
        assert first.stderr is not None
        for line in first.stderr:
            if "articles 0/" in line:
                break
        started = time.monotonic()
        second = subprocess.run(cmd, capture_output=True, text=True, env=ENV, cwd=ROOT,
                                timeout=120)
        assert second.returncode == 2
        assert "in use by another process" in second.stderr
        assert "Traceback" not in second.stderr
        assert time.monotonic() - started < 30
    finally:
        first.kill()
        first.wait()


def test_two_runs_sharing_one_memory_file_both_finish(tiny_models, inputs, reference, tmp_path):
    memory = tmp_path / "memory.sqlite"
    runs = [command(tiny_models, inputs, tmp_path / f"run{n}", "--set", "cache.enabled=true",
                    "--set", f"cache.path={memory}") for n in range(2)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env=ENV, cwd=ROOT) for cmd in runs]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e[-2000:] for e in errors]
    for n in range(2):
        assert snapshot(tmp_path / f"run{n}")["results"] == reference["results"]
    with sqlite3.connect(memory) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kinds = conn.execute("SELECT COUNT(*) FROM memory").fetchone()[0]
    assert kinds > ARTICLES  # every segment translation, summary and token count is there
