"""Summaries are never longer than their text, on the tiny random-weight BART model."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import Config
from pipeline.summarise import AbstractiveSummariser, ExtractiveSummariser

ROOT = Path(__file__).resolve().parents[2]
SHORT = "The army left Kidal on Tuesday."  # 31 characters, one sentence
THREE = ("The army left Kidal. The convoy went north to Tessalit. "
         "Officers met the chiefs of the armies.")
LONG = " ".join([
    "Algerian soldiers are in northern Mali to help the Malian army fight insecurity.",
    "A military source said the team of instructors has at least fifteen people.",
    "Customs officers saw a convoy of vehicles leave the town of Kidal for Tessalit.",
    "Mali, with other countries of the Sahel, faces growing insecurity.",
    "The group has multiplied attacks, kidnappings of Westerners and trafficking.",
    "The chiefs of the armies meet every six months without setting up joint patrols.",
])


def summariser(model: Path, **settings: Any) -> AbstractiveSummariser:
    config = Config.model_validate({"summarise": {"device": "cpu", "threads": 1, **settings}})
    return AbstractiveSummariser.from_config(config, model)


class Calls:
    """Records what the engine's ``generate`` was asked, then lets it run."""

    def __init__(self, engine: Any) -> None:
        self.seen: list[dict[str, Any]] = []
        self.inner = engine.generate
        engine.generate = self

    def __call__(self, texts: list[str], **kwargs: Any) -> list[str]:
        self.seen.append({"texts": list(texts), **kwargs})
        return self.inner(texts, **kwargs)


def test_short_text_is_its_own_summary_without_a_model_call(tiny_models):
    model = summariser(tiny_models["bart"], min_length=40, max_length=60)
    calls = Calls(model.engine)
    assert model.summarise([SHORT, "  two\n words  ", ""]) == [SHORT, "two words", ""]
    assert model.chunks == [0, 0, 0]
    assert calls.seen == []


def test_text_under_the_minimum_length_is_its_own_summary(tiny_models):
    model = summariser(tiny_models["bart"], min_length=60, max_length=80)
    assert model.engine.count_tokens(THREE) <= 60  # three sentences, but shorter than the floor
    calls = Calls(model.engine)
    assert model.summarise([THREE]) == [THREE] and model.chunks == [0]
    assert calls.seen == []


def test_minimum_and_maximum_lengths_are_capped_by_the_input(tiny_models):
    model = summariser(tiny_models["bart"], min_length=150, max_length=250, num_beams=1)
    n = model.engine.count_tokens(LONG)
    assert 150 < n < 250  # longer than the floor, shorter than the ceiling, below 2 x floor
    calls = Calls(model.engine)
    [summary] = model.summarise([LONG])
    assert model.chunks == [1]
    [call] = calls.seen
    assert call["min_length"] == n // 2
    assert call["max_new_tokens"](n) == n
    assert 0 < len(summary) <= len(LONG)


def test_min_length_is_not_lowered_for_long_inputs(tiny_models):
    model = summariser(tiny_models["bart"], min_length=5, max_length=12, num_beams=1)
    calls = Calls(model.engine)
    model.summarise([LONG])
    assert calls.seen[0]["min_length"] == 5
    assert calls.seen[0]["max_new_tokens"](model.engine.count_tokens(LONG)) == 12


@pytest.mark.parametrize("settings", [
    {},
    {"max_length": 100, "min_length": 0},
    {"max_input_tokens": 64, "max_length": 12},  # in chunks
])
def test_summary_is_never_longer_than_its_text(tiny_models, settings):
    model = summariser(tiny_models["bart"], **settings)
    texts = [SHORT, THREE, LONG, f"{LONG} {LONG}"]
    for text, summary in zip(texts, model.summarise(texts), strict=True):
        assert summary and len(summary) <= len(text)


def test_extractive_never_returns_more_than_the_text():
    model = ExtractiveSummariser(sentences=2)
    spaced = "  The army   left.\n\nThe convoy went north.  "
    assert model.summarise([SHORT, spaced, ""]) == [SHORT, "The army left. The convoy went north.",
                                                    ""]
    [summary] = model.summarise([LONG])
    assert 0 < len(summary) < len(LONG)


def test_run_keeps_a_short_body_as_its_summary(tiny_models, tmp_path):
    from pipeline.cli import main

    data = tmp_path / "in.jsonl"
    data.write_text(json.dumps({"id": "short", "title": "Titre",
                                "text": "L'armée a quitté Kidal mardi."}), "utf-8")
    out = tmp_path / "run"
    assert main(["--config", str(ROOT / "configs" / "default.yaml"),
                 "--set", f"input.path={data}", "--set", "input.check_language=false",
                 "--set", f"translate.model={tiny_models['marian']}",
                 "--set", f"summarise.model={tiny_models['bart']}",
                 "--set", "summarise.min_length=500",  # more than the body has
                 "--set", f"output.dir={out}", "--set", f"cache.path={tmp_path / 'm.sqlite'}",
                 "--set", "translate.threads=1"]) == 0
    [result] = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    body = " ".join(result["translation"].split())
    assert body and result["summary"] == body
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        stats = json.loads(conn.execute("SELECT stats_json FROM articles").fetchone()[0])
    assert stats["summary_chunks"] == 0


def tiny_run(tiny_models: dict[str, Path], tmp_path: Path, *sets: str) -> Path:
    from pipeline.cli import main

    out = tmp_path / "run"
    assert main(["--config", str(ROOT / "configs" / "default.yaml"),
                 "--set", "input.check_language=false", "--quiet",
                 "--set", f"translate.model={tiny_models['marian']}",
                 "--set", "summarise.method=extractive", "--set", "translate.num_beams=1",
                 "--set", f"output.dir={out}", "--set", f"cache.path={tmp_path / 'm.sqlite'}",
                 "--set", "translate.threads=1", *sets]) == 0
    return out


def sentences_stored(out: Path) -> list[str]:
    """The translated body one sentence per source sentence (pieces joined), as stored."""
    with sqlite3.connect(out / "pipeline.sqlite") as conn:
        rows = conn.execute("SELECT paragraph, sentence, translation FROM segments "
                            "WHERE paragraph >= 0 ORDER BY idx").fetchall()
    grouped: dict[tuple[int, int], list[str]] = {}
    for paragraph, sentence, translation in rows:
        grouped.setdefault((paragraph, sentence), []).append(translation)
    return [" ".join(" ".join(parts).split()) for parts in grouped.values()]


def test_extractive_run_ranks_the_translated_sentences(tiny_models, tmp_path):
    out = tiny_run(tiny_models, tmp_path, "--set", "summarise.words=60")
    [result] = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    sentences = sentences_stored(out)
    chosen = subsequence(result["summary"], sentences)
    assert chosen is not None  # whole translated sentences, in order
    assert len(sentences) > 3 and 1 <= len(chosen) <= 3
    assert not result["stats"]["summary_is_text"]


def subsequence(text: str, sentences: list[str], start: int = 0) -> list[int] | None:
    """Indices of sentences (from ``start``, in order) that joined by spaces give ``text``."""
    if not text:
        return []
    for k in range(start, len(sentences)):
        s = sentences[k]
        if s and (text == s or text.startswith(s + " ")):
            rest = subsequence(text[len(s) + 1:], sentences, k + 1)
            if rest is not None:
                return [k, *rest]
    return None


def test_triage_run_translates_only_the_brief(tiny_models, tmp_path):
    full = sentences_stored(tiny_run(tiny_models, tmp_path / "full"))
    out = tiny_run(tiny_models, tmp_path / "brief", "--set", "translate.scope=brief")
    [result] = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    stats = result["stats"]
    assert result["scope"] == "brief" and result["translation"] is None
    assert stats["source_sentences"] == len(full) and stats["summary_sentences"] <= 3
    brief = sentences_stored(out)
    assert len(brief) == stats["summary_sentences"] and set(brief) <= set(full)
    assert result["summary"] == " ".join(brief)
