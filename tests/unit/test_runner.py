"""Runner logic with fakes standing in for the models (milliseconds, no torch)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.runner import run


class UpperTranslator:
    """Translates by upper-casing; records every call."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on

    def translate(self, texts: Sequence[str]) -> list[str]:
        self.calls.append(list(texts))
        if self.fail_on and any(self.fail_on in t for t in texts):
            raise RuntimeError("model exploded")
        return [t.upper() for t in texts]


class FirstWords:
    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on

    def summarise(self, texts: Sequence[str]) -> list[str]:
        if self.fail_on and any(self.fail_on in t for t in texts):
            raise RuntimeError("summariser exploded")
        return [" ".join(t.split()[:4]) for t in texts]


def write_articles(folder: Path, bodies: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in bodies.items():
        (folder / f"{name}.txt").write_text(body, "utf-8")
    return folder


ARTICLES = {
    "a": "Titre A\n\nPremière phrase de A. Deuxième phrase, plus longue, de A.\n\nFin de A.",
    "b": "Titre B\n\nUne seule phrase pour B.",
    "c": "Titre C\n\nC commence ici. M. Dupont parle à Mme Martin.\n\nC finit là.",
}


def config_for(tmp_path: Path, **sets: str):
    folder = write_articles(tmp_path / "in", ARTICLES)
    overrides = [f"input.path={folder}", f"output.dir={tmp_path / 'out'}",
                 "input.check_language=false"] + [f"{k}={v}" for k, v in sets.items()]
    return load_config(None, overrides)


def test_order_restored_across_articles(tmp_path):
    translator = UpperTranslator()
    outcome = run(config_for(tmp_path), translator=translator, summariser=FirstWords())
    assert [r.article_id for r in outcome.results] == ["a", "b", "c"]
    for result in outcome.results:
        assert result.status == "ok"
        assert [p.translation for p in result.segments] == [
            p.segment.source.upper() for p in result.segments]
    a = outcome.results[0]
    assert a.title == "TITRE A"
    assert a.paragraphs == ["PREMIÈRE PHRASE DE A. DEUXIÈME PHRASE, PLUS LONGUE, DE A.",
                            "FIN DE A."]
    # segments of all articles went to the model together, longest first
    assert len(translator.calls) == 1
    batch = translator.calls[0]
    assert len(batch) == sum(len(r.segments) for r in outcome.results)
    assert [len(t) for t in batch] == sorted((len(t) for t in batch), reverse=True)


def test_failed_translation_isolated_to_its_article(tmp_path):
    outcome = run(config_for(tmp_path), translator=UpperTranslator(fail_on="Dupont"),
                  summariser=FirstWords())
    status = {r.article_id: r.status for r in outcome.results}
    assert status == {"a": "ok", "b": "ok", "c": "failed"}
    failed = outcome.failed[0]
    assert "translate failed" in failed.error and "model exploded" in failed.error


def test_failed_summary_isolated_to_its_article(tmp_path):
    outcome = run(config_for(tmp_path), translator=UpperTranslator(),
                  summariser=FirstWords(fail_on="UNE SEULE"))
    assert {r.article_id: r.status for r in outcome.results} == {
        "a": "ok", "b": "failed", "c": "ok"}
    assert "summarise failed" in outcome.failed[0].error


def test_read_failures_become_failed_results(tmp_path):
    config = config_for(tmp_path)
    (Path(config.input.path) / "zz-empty.txt").write_text("", "utf-8")
    outcome = run(config, translator=UpperTranslator(), summariser=FirstWords())
    assert [r.article_id for r in outcome.results][-1] == "zz-empty"
    assert outcome.failed[0].status == "failed" and outcome.failed[0].error
    lines = (outcome.out_dir / "results.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 4 and json.loads(lines[-1])["status"] == "failed"


def test_long_sentence_split_counted_and_rejoined(tmp_path):
    words = " ".join(f"mot{i}," for i in range(40))
    config = config_for(tmp_path, **{"segment.max_tokens": "10"})
    (Path(config.input.path) / "d.txt").write_text(f"Titre D\n\n{words} fin.", "utf-8")
    outcome = run(config, translator=UpperTranslator(), summariser=FirstWords())
    d = next(r for r in outcome.results if r.article_id == "d")
    assert d.stats["splits"] == 1
    assert len(d.segments) > 2  # title + several pieces
    assert d.paragraphs == [f"{words} fin.".upper()]


@pytest.mark.parametrize("method", ["extractive", "none"])
def test_summary_methods_without_models(tmp_path, method):
    config = config_for(tmp_path, **{"summarise.method": method})
    outcome = run(config, translator=UpperTranslator())
    assert all(r.status == "ok" for r in outcome.results)
    assert all(bool(r.summary) == (method == "extractive") for r in outcome.results)


class Lossy(UpperTranslator):
    def translate(self, texts: Sequence[str]) -> list[str]:
        return super().translate(texts)[:-1]


def test_translator_losing_outputs_fails_the_articles_not_silently(tmp_path):
    outcome = run(config_for(tmp_path), translator=Lossy(), summariser=FirstWords())
    assert all(r.status == "failed" for r in outcome.results)
    assert all("outputs for" in r.error for r in outcome.results)


class BadCounter(UpperTranslator):
    def count_tokens(self, text: str) -> int:
        if "Dupont" in text:
            raise ValueError("tokenizer choked")
        return len(text.split())


def test_segmenting_failure_isolated_to_its_article(tmp_path):
    outcome = run(config_for(tmp_path), translator=BadCounter(), summariser=FirstWords())
    assert {r.article_id: r.status for r in outcome.results} == {
        "a": "ok", "b": "ok", "c": "failed"}
    assert "segment failed" in outcome.failed[0].error
