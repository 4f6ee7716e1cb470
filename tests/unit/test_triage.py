"""translate.scope: brief: only the title and the summary sentences, chosen from the French, are
translated; nothing claims a full translation."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.records import Segment
from pipeline.runner import run
from pipeline.stages import triage
from pipeline.translate import Translator

from .test_extractive import NEWS, NEWS_FR

TITLE_FR, TITLE_EN = "Inondations à Morlaix", "Floods in Morlaix"


class Recording(Translator):
    """Translates the test sentences with a table; records every text it is sent."""

    def __init__(self) -> None:
        self.table = dict(zip(NEWS_FR, NEWS, strict=True)) | {TITLE_FR: TITLE_EN}
        self.seen: list[str] = []

    def translate(self, texts: Sequence[str], progress=None) -> list[str]:
        self.seen += texts
        return [self.table.get(t, t.upper()) for t in texts]


def write_inputs(folder: Path, reference: bool = False) -> Path:
    body = "\n\n".join([" ".join(NEWS_FR[:2]), " ".join(NEWS_FR[2:5]), NEWS_FR[5],
                        " ".join(NEWS_FR[6:])])
    record = {"id": "morlaix", "title": TITLE_FR, "text": body}
    if reference:
        record |= {"reference": " ".join(NEWS), "reference_summary": NEWS[0]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "news.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    return folder


def brief_run(tmp_path: Path, *sets: str, reference: bool = False):
    config = load_config(None, [f"input.path={write_inputs(tmp_path / 'in', reference)}",
                                f"output.dir={tmp_path / 'out'}", "input.check_language=false",
                                "cache.enabled=false", "summarise.method=extractive",
                                "translate.scope=brief", *sets])
    translator = Recording()
    return run(config, translator=translator), translator


def results(outcome) -> list[dict]:
    lines = (outcome.out_dir / "results.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("method", ["abstractive", "none"])
def test_brief_needs_the_extractive_method(method):
    with pytest.raises(ConfigError) as info:
        load_config(None, ["translate.scope=brief", f"summarise.method={method}"])
    message = str(info.value)
    assert message == (
        f"--set translate.scope=brief and --set summarise.method={method}: "
        "translate.scope: brief needs summarise.method extractive "
        "(the summary sentences are chosen from the French before translation), not "
        f"{method}; set summarise.method=extractive, or translate.scope=full")


def test_only_the_title_and_the_chosen_sentences_are_translated(tmp_path):
    outcome, translator = brief_run(tmp_path)
    [result] = results(outcome)
    assert TITLE_FR in translator.seen
    sent = [t for t in translator.seen if t != TITLE_FR]
    assert NEWS_FR[0] in sent and 1 < len(sent) <= 3  # the lead, within the budget
    assert set(sent) <= set(NEWS_FR)
    english = [NEWS[NEWS_FR.index(t)] for t in NEWS_FR if t in sent]
    assert result["summary"] == " ".join(english)
    assert result["scope"] == "brief" and result["translation"] is None
    assert result["title"] == TITLE_EN
    stats = result["stats"]
    assert stats["scope"] == "brief" and stats["summary_sentences"] == len(sent)
    assert stats["source_sentences"] == len(NEWS_FR) and stats["segments"] == len(sent) + 1
    assert stats["source_segments"] == len(NEWS_FR) + 1
    assert not stats["summary_is_text"]
    assert result["verdict"] == "ok" and not result["flags"]


def test_store_and_brief_say_it_is_a_triage_brief(tmp_path):
    outcome, translator = brief_run(tmp_path)
    with sqlite3.connect(outcome.out_dir / "pipeline.sqlite") as conn:
        [(translation, stats)] = conn.execute("SELECT translation, stats_json FROM articles")
        rows = conn.execute("SELECT idx, source FROM segments ORDER BY idx").fetchall()
        config = json.loads(conn.execute("SELECT config_json FROM runs").fetchone()[0])
    assert translation is None and json.loads(stats)["scope"] == "brief"
    assert [source for _, source in rows] == [TITLE_FR] + [s for s in NEWS_FR
                                                           if s in translator.seen]
    assert [i for i, _ in rows] == list(range(len(rows)))
    assert config["translate"]["scope"] == "brief"
    brief = next((outcome.out_dir / "briefs").glob("*.md")).read_text("utf-8")
    assert "## Triage brief" in brief and "full translation was not made" in brief
    assert "## Translation" not in brief
    html = (outcome.out_dir / "report.html").read_text("utf-8")
    assert "Triage brief" in html and "full translation was not made" in html


def test_no_translation_scores_against_references(tmp_path):
    outcome, _ = brief_run(tmp_path, reference=True)
    [result] = results(outcome)
    metrics = {s["metric"] for s in result["scores"]}
    assert not metrics & {"BLEU", "chrF++", "TER"}
    assert "ROUGE-1" in metrics  # the summary is whole: it is scored against its reference
    hypotheses = outcome.out_dir / "hypotheses.en.txt"
    assert not hypotheses.exists() or not hypotheses.read_text("utf-8").strip()


def test_full_scope_translates_everything_and_says_so(tmp_path):
    outcome, translator = brief_run(tmp_path, "translate.scope=full")
    [result] = results(outcome)
    assert len(translator.seen) == len(NEWS_FR) + 1
    assert result["scope"] == "full" and result["translation"]
    assert "scope" not in result["stats"]


def test_triage_keeps_every_piece_of_a_chosen_sentence():
    segments = [Segment("a", -1, 0, "Titre", index=0),
                Segment("a", 0, 0, NEWS_FR[0][:40], piece=0, index=1),
                Segment("a", 0, 0, NEWS_FR[0][40:], piece=1, index=2),
                *[Segment("a", 1 + k, 0, s, index=3 + k) for k, s in enumerate(NEWS_FR[1:])]]
    kept, info = triage(segments, "fr", (2, 60))
    assert [s.index for s in kept] == list(range(len(kept)))
    assert info["brief_segments"][:3] == [0, 1, 2]  # the title and both pieces of the lead
    assert info["source_segments"] == len(segments)
    assert info["source_sentences"] == len(NEWS_FR) and info["summary_sentences"] == 2


def test_scoring_a_brief_again_adds_no_translation_scores(tmp_path, capsys):
    from pipeline.cli import main

    outcome, _ = brief_run(tmp_path, reference=True)
    assert main(["evaluate", "--run", str(outcome.out_dir)]) == 0
    assert "triage briefs" in capsys.readouterr().out
    assert main(["compare", str(outcome.out_dir), str(outcome.out_dir)]) == 1
    assert "a run of triage briefs (translate.scope: brief) has no full translations to " \
        "compare" in capsys.readouterr().err
    [result] = results(outcome)
    assert result["scope"] == "brief" and result["translation"] is None
    assert not {s["metric"] for s in result["scores"]} & {"BLEU", "chrF++", "TER"}
    assert result["stats"]["scope"] == "brief"


def test_an_article_within_the_budget_is_not_said_to_be_cut(tmp_path):
    """Translated whole, it is its own summary: the brief must not say the full translation
    was not made."""
    outcome, _ = brief_run(tmp_path, "summarise.sentences=20", "summarise.words=1000")
    brief = next((outcome.out_dir / "briefs").glob("*.md")).read_text("utf-8")
    assert "full translation was not made" not in brief
    assert f"all of its {len(NEWS_FR)} sentences were translated" in brief
    html = (outcome.out_dir / "report.html").read_text("utf-8")
    assert "full translation was not made" not in html and "within the summary" in html


def test_an_infinite_length_ratio_is_refused_before_any_work():
    with pytest.raises(ConfigError, match="translate.max_length_ratio must be a number above 0, "
                                          "not inf"):
        load_config(None, ["translate.max_length_ratio=.inf"])


def test_a_failed_article_of_a_triage_run_says_so(tmp_path):
    folder = write_inputs(tmp_path / "in")
    (folder / "empty.txt").write_text("   \n", "utf-8")
    outcome, _ = brief_run(tmp_path)
    failed = [r for r in results(outcome) if r["status"] == "failed"]
    assert failed and all(r["scope"] == "brief" and r["translation"] is None for r in failed)
