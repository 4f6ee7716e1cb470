"""Evaluation end to end: WMT test set in, scores equal to the sacrebleu command, evaluate,
compare."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main

from .test_cli import tiny_args


def first_docs(source: Path, target: Path, n: int) -> None:
    """Copy the header, the first ``n`` documents and the footer of a WMT SGML file."""
    text = source.read_text("utf-8")
    docs = re.findall(r"<doc .*?</doc>\n?", text, flags=re.S)
    head = text[: text.index("<doc ")]
    tail = text[text.rindex("</doc>") + len("</doc>"):]
    target.write_text(head + "".join(docs[:n]) + tail.lstrip("\n"), "utf-8")


@pytest.fixture(scope="module")
def testset(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wmt")
    wmt = shared_data / "wmt-newstest2013-fren"
    first_docs(wmt / "newstest2013-src.fr.sgm", folder / "newstest2013-src.fr.sgm", 3)
    first_docs(wmt / "newstest2013-ref.en.sgm", folder / "newstest2013-ref.en.sgm", 3)
    return folder / "newstest2013-src.fr.sgm"


def segment_count(testset: Path) -> int:
    return testset.read_text("utf-8").count("<seg ")


def run_testset(tiny_models, testset: Path, out: Path, *extra: str) -> int:
    return main(tiny_args(tiny_models, out, "--set", f"input.path={testset}",
                          "--set", "summarise.method=extractive", *extra))


def sacrebleu_command(refs: Path, hyps: Path) -> list[float]:
    done = subprocess.run([sys.executable, "-m", "sacrebleu", str(refs), "-i", str(hyps),
                           "-m", "bleu", "chrf", "ter", "--chrf-word-order", "2", "-b", "-w", "4"],
                          capture_output=True, text=True, check=True)
    return [float(x) for x in json.loads(done.stdout)]  # -b: a JSON list of the scores


def test_stored_corpus_scores_equal_the_sacrebleu_command(tiny_models, testset, tmp_path):
    out = tmp_path / "run"
    assert run_testset(tiny_models, testset, out) == 0
    n = segment_count(testset)
    hyps = (out / "hypotheses.en.txt").read_text("utf-8").splitlines()
    refs = (out / "references.en.txt").read_text("utf-8").splitlines()
    assert len(hyps) == len(refs) == n
    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    stored = {s["metric"]: s["value"] for s in metrics["scores"]}
    expected = sacrebleu_command(out / "references.en.txt", out / "hypotheses.en.txt")
    assert [round(stored[m], 2) for m in ("BLEU", "chrF++", "TER")] == [
        round(v, 2) for v in expected]
    assert metrics["testset"] == "newstest2013" and metrics["counts"]["segments"] == n
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        db = dict(conn.execute("SELECT metric, value FROM scores WHERE scope = 'corpus'"))
        per_segment = conn.execute("SELECT COUNT(DISTINCT article_id || segment_index) FROM "
                                   "scores WHERE scope = 'segment' AND metric = 'BLEU'")
        assert per_segment.fetchone()[0] == n
        assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 3
    assert db == pytest.approx(stored, abs=1e-3)
    brief = next((out / "briefs").iterdir()).read_text("utf-8")
    assert "BLEU" in brief and "chrF++" in brief


def test_evaluate_rescores_without_translating(tiny_models, testset, tmp_path, capsys):
    out = tmp_path / "run"
    assert run_testset(tiny_models, testset, out) == 0
    before = json.loads((out / "metrics.json").read_text("utf-8"))["scores"]
    hyps_before = (out / "hypotheses.en.txt").read_text("utf-8")
    # a changed reference: the stored translations are scored against it
    ref = testset.with_name("newstest2013-ref.en.sgm")
    changed = tmp_path / "changed-ref.en.sgm"
    changed.write_text(re.sub(r"(<seg id=\"?\d+\"?>)", r"\1The ", ref.read_text("utf-8")),
                       "utf-8")
    capsys.readouterr()
    assert main(["evaluate", "--run", str(out), "--references", str(changed)]) == 0
    shown = capsys.readouterr().out
    after = json.loads((out / "metrics.json").read_text("utf-8"))["scores"]
    assert "chrF++" in shown
    assert (out / "hypotheses.en.txt").read_text("utf-8") == hyps_before
    assert [s["value"] for s in after] != [s["value"] for s in before]
    assert all(line.startswith("The ") for line in
               (out / "references.en.txt").read_text("utf-8").splitlines() if line)
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    results = (out / "results.jsonl").read_text("utf-8").splitlines()
    assert len(results) == 3


def test_compare_two_runs(tiny_models, testset, tmp_path, capsys):
    a, b = tmp_path / "greedy", tmp_path / "beam"
    assert run_testset(tiny_models, testset, a, "--set", "translate.num_beams=1") == 0
    assert run_testset(tiny_models, testset, b, "--set", "translate.num_beams=3") == 0
    capsys.readouterr()
    assert main(["compare", str(a), str(b), "--samples", "200", "--top", "2"]) == 0
    shown = capsys.readouterr().out
    assert "greedy" in shown and "beam" in shown and "p-value" in shown
    assert "Articles that differ most" in shown and "bs:200" in shown


def test_compare_refuses_runs_on_different_references(tiny_models, testset, tmp_path, capsys):
    import shutil

    a, b = tmp_path / "a", tmp_path / "b"
    assert run_testset(tiny_models, testset, a) == 0
    shutil.copytree(a, b)
    refs = (b / "references.en.txt").read_text("utf-8").splitlines()
    (b / "references.en.txt").write_text("\n".join(refs[:-1]) + "\nanother test set\n", "utf-8")
    assert main(["compare", str(a), str(b)]) == 1
    assert "same references" in capsys.readouterr().err


def test_mismatched_reference_is_a_recorded_failure(tiny_models, testset, tmp_path):
    ref = testset.with_name("newstest2013-ref.en.sgm").read_text("utf-8")
    broken = tmp_path / "short-ref.en.sgm"
    broken.write_text(re.sub(r"<seg id=\"?1\"?>.*?</seg>\n", "", ref, count=1), "utf-8")
    out = tmp_path / "run"
    assert run_testset(tiny_models, testset, out, "--set", f"input.references={broken}") == 1
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text("utf-8").splitlines()]
    failed = [x for x in lines if x["status"] == "failed"]
    assert len(failed) == 1 and str(broken) in failed[0]["error"]


def test_comet_without_the_package_is_a_clear_note(tiny_models, testset, tmp_path, capsys):
    if __import__("importlib").util.find_spec("comet") is not None:
        pytest.skip("unbabel-comet is installed here")
    out = tmp_path / "run"
    assert run_testset(tiny_models, testset, out, "--set",
                       f"scores.comet_model={tmp_path / 'wmt22-comet-da'}") == 0
    notes = json.loads((out / "metrics.json").read_text("utf-8"))["notes"]
    assert len(notes) == 1 and "pip install unbabel-comet" in notes[0]
    assert "pip install unbabel-comet" in capsys.readouterr().out


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (SQLite's transient -wal/-shm files aside) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


@pytest.mark.parametrize("wrong", ["missing", "mistyped-folder", "truncated", "other-test-set",
                                   "binary"])
def test_evaluate_with_wrong_references_changes_nothing(tiny_models, testset, tmp_path, capsys,
                                                        wrong):
    out = tmp_path / "run"
    assert run_testset(tiny_models, testset, out) == 0
    ref = testset.with_name("newstest2013-ref.en.sgm").read_text("utf-8")
    path = tmp_path / "refs" / "ref.en.sgm"
    path.parent.mkdir()
    if wrong == "truncated":  # one document loses a segment: counts no longer match
        path.write_text(re.sub(r"<seg id=\"?1\"?>.*?</seg>\n", "", ref, count=1), "utf-8")
    elif wrong == "other-test-set":  # no document of the run in it
        path.write_text(re.sub(r'docid="([^"]+)"', r'docid="other-\1"', ref), "utf-8")
    elif wrong == "mistyped-folder":
        path = tmp_path / "refz"
    elif wrong == "binary":
        path.write_bytes(bytes(range(256)) * 8)
    before = folder_bytes(out)
    capsys.readouterr()
    code = main(["evaluate", "--run", str(out), "--references", str(path)])
    assert code == (2 if wrong in ("missing", "mistyped-folder") else 1)
    error = capsys.readouterr().err
    assert str(path) in error and "nothing was changed" in error and "Traceback" not in error
    if wrong == "binary":
        assert "binary" in error
    if wrong == "truncated":
        assert "document 'cyberpresse" in error and "segments" in error and "has 51" in error
    assert folder_bytes(out) == before


def test_evaluate_keeps_fidelity_scores_and_timings(tiny_models, testset, tmp_path):
    out = tmp_path / "run"
    assert main(tiny_args(tiny_models, out, "--set", f"input.path={testset}")) == 0
    query = ("SELECT COUNT(*) FROM scores WHERE metric LIKE 'fidelity %'",
             "SELECT counts_json FROM runs", "SELECT COUNT(*), SUM(LENGTH(translation)) FROM "
             "segments", "SELECT COUNT(*) FROM summaries")
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        before = [conn.execute(q).fetchone() for q in query]
    assert before[0][0] > 0
    briefs = sorted(p.name for p in (out / "briefs").iterdir())
    assert main(["evaluate", "--run", str(out)]) == 0
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        after = [conn.execute(q).fetchone() for q in query]
    assert after[0] == before[0] and after[2:] == before[2:]
    counts_before, counts_after = json.loads(before[1][0]), json.loads(after[1][0])
    assert counts_after["seconds"] == counts_before["seconds"]
    assert counts_after["peak_rss_mb"] == counts_before["peak_rss_mb"]
    assert sorted(p.name for p in (out / "briefs").iterdir()) == briefs
    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    assert metrics["fidelity"]
