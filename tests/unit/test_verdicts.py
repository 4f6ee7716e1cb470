"""Flags, evidence and verdicts agree across the database, results.jsonl, the brief and
report.html, for a run through the real runner with fake models."""

from __future__ import annotations

import html
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from pipeline.config import load_config
from pipeline.runner import run
from pipeline.summarise import Summariser
from pipeline.translate import Translator

TRANSLATIONS = {
    "Le budget atteint 1,5 million d'euros en 2011.": "The budget reaches 2.5 million euros in "
                                                      "2011.",  # changed number
    "Le ministre Jean Dupont a parlé mardi à Bamako.": "Minister Jean Dupont spoke on Tuesday in "
                                                      "Bamako.",
    "Titre": "Title",
    "La réunion a commencé à 15h30 au palais.": "The meeting began at 3:30 p.m. at the palace.",
}


class Dictionary(Translator):
    """Translates the sentences it knows; anything else is a bug in the test."""

    def translate(self, texts: Sequence[str], progress=None) -> list[str]:
        return [TRANSLATIONS[t] for t in texts]


class Inventing(Summariser):
    """A summary that states a number the text does not have."""

    def summarise(self, texts: Sequence[str], progress=None) -> list[str]:
        return ["Minister Jean Dupont spoke about 7 million euros." for _ in texts]


def test_one_flagged_article_reads_the_same_everywhere(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Titre\n\nLe budget atteint 1,5 million d'euros en 2011. Le ministre Jean Dupont a "
        "parlé mardi à Bamako.\n\nLa réunion a commencé à 15h30 au palais.\n", "utf-8")
    config = load_config(None, [f"input.path={folder}", f"output.dir={tmp_path / 'out'}",
                                "cache.enabled=false"])
    outcome = run(config, translator=Dictionary(), summariser=Inventing())
    out = outcome.out_dir
    (line,) = [json.loads(x) for x in (out / "results.jsonl").read_text("utf-8").splitlines()]
    assert line["verdict"] == "review"
    by_name = {f["flag"]: f for f in line["flag_details"]}
    assert set(by_name) == {"numbers-changed", "invented-number"}  # 15h30 = 3:30 p.m.: no flag
    numbers = by_name["numbers-changed"]
    assert numbers["segment"] == 1 and numbers["scope"] == "segment"
    assert "1500000" in numbers["evidence"]["missing"]
    assert by_name["invented-number"]["segment"] is None
    assert "7000000" in by_name["invented-number"]["evidence"]["found"]
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        rows = conn.execute("SELECT segment, scope, flag, evidence_json FROM flags "
                            "ORDER BY rowid").fetchall()
        verdict, reasons = conn.execute("SELECT verdict, reasons_json FROM articles").fetchone()
    assert [(s, scope, f, json.loads(e)) for s, scope, f, e in rows] == [
        (f["segment"], f["scope"], f["flag"], f["evidence"]) for f in line["flag_details"]]
    assert (verdict, json.loads(reasons)) == ("review", line["verdict_reasons"])
    brief = (out / "briefs" / "a.md").read_text("utf-8")
    assert "**Verdict: review**" in brief
    assert "- `numbers-changed` (segment 1: Le budget atteint 1,5 million d'euros en 2011.)" in (
        brief)
    page = html.unescape((out / "report.html").read_text("utf-8"))
    for reason in line["verdict_reasons"]:
        assert reason in page
    assert "numbers-changed" in page and "invented-number" in page and "1500000" in page


def test_english_times_in_oclock_and_a_failing_check(tmp_path: Path, monkeypatch) -> None:
    from pipeline import scoring
    from pipeline.entities import quantities
    from pipeline.records import Article, Segment, TranslatedSegment

    assert [q.text for q in quantities("We met at 9 o'clock.", "en")]  # read, no crash
    pairs = [TranslatedSegment(Segment("a", 0, 0, "Il est parti.", index=0), "He left.")]
    article = Article("a", "", ("Il est parti.",), "a.txt")

    def broken(*args, **kwargs):
        raise ValueError("no such group")

    monkeypatch.setattr(scoring, "segment_flags", broken)
    result = scoring.score_article(article, pairs, "", 0)
    assert result.verdict == "review" and result.flags == ("checks-failed",)
    assert result.issues[0].evidence["found"] == "ValueError: no such group"
    assert result.reasons == ("a check that could not run",)


def test_evaluate_keeps_kept_segments_unchecked() -> None:
    from pipeline.evaluate import _rescored
    from pipeline.records import Article, ArticleResult, Segment, TranslatedSegment

    english = "We shall fight on the beaches, we shall never surrender."
    pairs = (TranslatedSegment(Segment("a", 0, 0, "Il a cité Churchill.", index=0),
                               "He quoted Churchill."),
             TranslatedSegment(Segment("a", 0, 1, english, index=1), english))

    class Stored:
        def stored_result(self, article_id):
            return ArticleResult("a", "a.txt", "ok", segments=pairs,
                                 stats={"splits": 0, "kept_english": [1]})

    article = Article("a", "", (f"Il a cité Churchill. {english}",), "a.txt")
    (result,) = _rescored(Stored(), {"a": article})
    assert "copied-source" not in result.flags and result.verdict == "ok"
    assert result.stats["kept_english"] == [1]


def test_low_confidence_is_weak_until_it_fires_on_five_segments() -> None:
    from pipeline.quality import MIN_LOGPROB, low_confidence, segment_flags, verdict

    assert low_confidence(None) is None
    assert low_confidence(MIN_LOGPROB) is None  # the threshold itself passes
    assert low_confidence(-0.3) is None
    assert low_confidence(-2.71828) == {"expected": f">= {MIN_LOGPROB}", "found": -2.7183}
    source, english = "Le ministre a parlé mardi.", "The minister spoke on Tuesday."
    assert segment_flags(source, english, 0, -0.2) == []
    [flag] = segment_flags(source, english, 3, -2.0)
    assert (flag.name, flag.segment, flag.scope) == ("low-confidence", 3, "segment")
    assert [f.name for f in segment_flags(source, "", 1, -9.0)] == ["empty"]  # empty alone
    one = segment_flags(source, english, 3, -2.0)
    assert verdict(one) == ("ok", ["a sentence the model is unsure of (low log-probability) "
                                   "(segment 3) (minor)"])
    five = [f for i in range(5) for f in segment_flags(source, english, i, -2.0)]
    outcome, reasons = verdict(five)
    assert outcome == "review"
    assert reasons == ["5 sentences the model is unsure of (low log-probability) "
                       "(segments 0, 1, 2, 3, 4)"]
