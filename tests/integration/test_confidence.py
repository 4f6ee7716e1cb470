"""The model's confidence (mean token log-probability) of each translated segment, through a
whole run: stored per segment, summarised per article, a ``low-confidence`` flag with its
evidence in every output, remembered by the translation memory, kept when a run is scored
again."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.quality import MIN_LOGPROB
from pipeline.rundir import DB_NAME
from tests.integration.test_cli import read_results, tiny_args

ARTICLE = """Le Mali face à l'insécurité

Le Mali est confronté à une insécurité croissante dans le nord du pays. \
Des soldats algériens sont présents à Kidal.

***

The government said nothing on Tuesday about the convoy that left the town.
"""


def run(tiny_models: dict[str, Path], folder: Path, out: Path, *extra: str) -> int:
    return main(tiny_args(tiny_models, out, "--set", f"input.path={folder}",
                          "--set", "summarise.method=extractive", *extra))


def segments(out: Path) -> list[tuple[int, str, float | None]]:
    with sqlite3.connect(out / DB_NAME) as conn:
        return conn.execute("SELECT idx, source, logprob FROM segments ORDER BY idx").fetchall()


def flags(out: Path) -> list[tuple[int, dict]]:
    with sqlite3.connect(out / DB_NAME) as conn:
        return [(s, json.loads(e)) for s, e in conn.execute(
            "SELECT segment, evidence_json FROM flags WHERE flag = 'low-confidence' "
            "ORDER BY segment")]


@pytest.fixture(scope="module")
def first_run(tiny_models, tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("confidence")
    (root / "in").mkdir()
    (root / "in" / "mali.txt").write_text(ARTICLE, "utf-8")
    out = root / "out"
    assert run(tiny_models, root / "in", out) == 0
    return root, out


def test_logprobs_stored_for_translated_segments_only(first_run):
    _, out = first_run
    rows = segments(out)
    kept = {s for _, s, _ in rows if s == "***" or s.startswith("The government")}
    assert len(kept) == 2
    for _, source, logprob in rows:
        if source in kept:
            assert logprob is None, source
        else:
            assert logprob is not None and math.isfinite(logprob) and logprob <= 0, source
    [result] = read_results(out)
    scored = [p for _, s, p in rows if p is not None]
    stats = result["stats"]
    assert stats["logprob_segments"] == len(scored) == len(rows) - 2
    assert stats["logprob_mean"] == pytest.approx(sum(scored) / len(scored), abs=1e-4)
    assert stats["logprob_min"] == pytest.approx(min(scored), abs=1e-4)


def test_low_confidence_flags_agree_everywhere(first_run):
    _, out = first_run
    rows = segments(out)
    low = [i for i, _, p in rows if p is not None and p < MIN_LOGPROB]
    assert low, "a random-weight model should be unsure of its output"
    stored = flags(out)
    assert [s for s, _ in stored] == low
    by_index = {i: p for i, _, p in rows}
    for segment, evidence in stored:
        assert evidence == {"expected": f">= {MIN_LOGPROB}",
                            "found": round(by_index[segment], 4)}
    [result] = read_results(out)
    details = [(f["segment"], f["evidence"]) for f in result["flag_details"]
               if f["flag"] == "low-confidence"]
    assert details == stored
    reasons = [r for r in result["verdict_reasons"] if "unsure" in r]
    assert len(reasons) == 1 and all(str(i) in reasons[0] for i in low)
    brief = next((out / "briefs").glob("*.md")).read_text("utf-8")
    assert brief.count("- `low-confidence` (segment") == len(low)
    report = (out / "report.html").read_text("utf-8")
    assert "model confidence: mean token log-probability" in report


def test_memory_gives_back_the_scores_and_evaluate_keeps_the_flags(tiny_models, first_run):
    root, out = first_run
    again = root / "again"
    assert run(tiny_models, root / "in", again) == 0  # same memory (cache.path)
    log = (again / "run.log").read_text("utf-8") if (again / "run.log").exists() else ""
    assert [p for *_, p in segments(again)] == [p for *_, p in segments(out)], log
    before = flags(out)
    assert main(["evaluate", "--run", str(out)]) == 0
    assert flags(out) == before
    [result] = read_results(out)
    assert [f["segment"] for f in result["flag_details"]
            if f["flag"] == "low-confidence"] == [s for s, _ in before]


def test_the_run_records_the_versions_it_was_made_with(first_run):
    from importlib.metadata import version

    _, out = first_run
    with sqlite3.connect(out / DB_NAME) as conn:
        counts = json.loads(conn.execute("SELECT counts_json FROM runs").fetchone()[0])
    assert counts["versions"]["transformers"] == version("transformers")
    assert "Versions the run was made with." in (out / "report.html").read_text("utf-8")


def test_memory_entries_without_a_score_are_counted(tiny_models, first_run):
    """A memory filled by a version that stored no scores: the translations are reused, the
    segments have no score, and the article says how many."""
    root, out = first_run
    memory = root / "old-memory.sqlite"
    with sqlite3.connect(out.parent / "memory.sqlite") as source, sqlite3.connect(memory) as old:
        source.backup(old)
    with sqlite3.connect(memory) as conn:
        scores = []
        for namespace, source_text, output in conn.execute("SELECT * FROM memory"):
            try:
                float(output)
            except ValueError:
                continue
            scores.append((namespace, source_text))
        assert scores
        conn.executemany("DELETE FROM memory WHERE namespace = ? AND source = ?", scores)
    again = root / "old"
    assert run(tiny_models, root / "in", again, "--set", f"cache.path={memory}") == 0
    rows = segments(again)
    assert all(p is None for *_, p in rows)
    [result] = read_results(again)
    assert result["stats"]["logprob_missing"] == len(rows) - 2  # all but the kept two
    assert "logprob_mean" not in result["stats"]
    assert not [f for f in result["flag_details"] if f["flag"] == "low-confidence"]
