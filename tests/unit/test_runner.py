"""Runner logic with fakes standing in for the models (milliseconds, no torch)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.runner import run
from pipeline.summarise import Summariser
from pipeline.translate import Translator


class UpperTranslator(Translator):
    """Translates by upper-casing; records every call."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on

    def translate(self, texts: Sequence[str], progress=None) -> list[str]:
        self.calls.append(list(texts))
        if self.fail_on and any(self.fail_on in t for t in texts):
            raise RuntimeError("model exploded")
        return [t.upper() for t in texts]


class FirstWords(Summariser):
    def __init__(self, fail_on: str | None = None) -> None:
        self.fail_on = fail_on

    def summarise(self, texts: Sequence[str], progress=None) -> list[str]:
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


def stored(outcome) -> list[dict]:
    """The run's results.jsonl records, in order."""
    path = outcome.out_dir / "results.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def segment_rows(outcome, article_id: str) -> list[tuple[int, str, str]]:
    with sqlite3.connect(outcome.out_dir / "pipeline.sqlite") as conn:
        return conn.execute("SELECT paragraph, source, translation FROM segments WHERE "
                            "article_id = ? ORDER BY idx", (article_id,)).fetchall()


def test_order_restored_across_articles(tmp_path):
    translator = UpperTranslator()
    outcome = run(config_for(tmp_path), translator=translator, summariser=FirstWords())
    results = stored(outcome)
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert all(r["status"] == "ok" for r in results)
    for article_id in "abc":
        rows = segment_rows(outcome, article_id)
        assert rows and all(en == fr.upper() for _, fr, en in rows)
    a = results[0]
    assert a["title"] == "TITRE A"
    assert a["translation"] == ("PREMIÈRE PHRASE DE A. DEUXIÈME PHRASE, PLUS LONGUE, DE A."
                                "\n\nFIN DE A.")
    # segments of all articles went to the model together, longest first
    assert len(translator.calls) == 1
    batch = translator.calls[0]
    assert len(batch) == sum(len(segment_rows(outcome, x)) for x in "abc")
    assert [len(t) for t in batch] == sorted((len(t) for t in batch), reverse=True)


def test_failed_translation_isolated_to_its_article(tmp_path):
    outcome = run(config_for(tmp_path), translator=UpperTranslator(fail_on="Dupont"),
                  summariser=FirstWords())
    status = {r["id"]: r["status"] for r in stored(outcome)}
    assert status == {"a": "ok", "b": "ok", "c": "failed"}
    failed = outcome.failures[0]
    assert "translate failed" in failed["error"] and "model exploded" in failed["error"]


def test_failed_summary_isolated_to_its_article(tmp_path):
    outcome = run(config_for(tmp_path), translator=UpperTranslator(),
                  summariser=FirstWords(fail_on="UNE SEULE"))
    assert {r["id"]: r["status"] for r in stored(outcome)} == {
        "a": "ok", "b": "failed", "c": "ok"}
    assert "summarise failed" in outcome.failures[0]["error"]


def test_read_failures_become_failed_results(tmp_path):
    config = config_for(tmp_path)
    (Path(config.input.path) / "zz-empty.txt").write_text("", "utf-8")
    outcome = run(config, translator=UpperTranslator(), summariser=FirstWords())
    lines = stored(outcome)
    assert len(lines) == 4 and lines[-1]["id"] == "zz-empty"
    assert lines[-1]["status"] == "failed" and lines[-1]["error"]
    assert outcome.failed == 1 and outcome.counts["ok"] == 3


def test_long_sentence_split_counted_and_rejoined(tmp_path):
    words = " ".join(f"mot{i}," for i in range(40))
    config = config_for(tmp_path, **{"segment.max_tokens": "10"})
    (Path(config.input.path) / "d.txt").write_text(f"Titre D\n\n{words} fin.", "utf-8")
    outcome = run(config, translator=UpperTranslator(), summariser=FirstWords())
    d = next(r for r in stored(outcome) if r["id"] == "d")
    assert d["stats"]["splits"] == 1
    assert len(segment_rows(outcome, "d")) > 2  # title + several pieces
    assert d["translation"] == f"{words} fin.".upper()


@pytest.mark.parametrize("method", ["extractive", "none"])
def test_summary_methods_without_models(tmp_path, method):
    config = config_for(tmp_path, **{"summarise.method": method})
    outcome = run(config, translator=UpperTranslator())
    assert all(r["status"] == "ok" for r in stored(outcome))
    assert all(bool(r["summary"]) == (method == "extractive") for r in stored(outcome))


class Lossy(UpperTranslator):
    def translate(self, texts: Sequence[str], progress=None) -> list[str]:
        return super().translate(texts)[:-1]


def test_translator_losing_outputs_fails_the_articles_not_silently(tmp_path):
    outcome = run(config_for(tmp_path), translator=Lossy(), summariser=FirstWords())
    assert all(r["status"] == "failed" for r in stored(outcome))
    assert all("outputs for" in r["error"] for r in stored(outcome))


class BadCounter(UpperTranslator):
    def count_tokens(self, text: str) -> int:
        if "Dupont" in text:
            raise ValueError("tokenizer choked")
        return len(text.split())


def test_segmenting_failure_isolated_to_its_article(tmp_path):
    outcome = run(config_for(tmp_path), translator=BadCounter(), summariser=FirstWords())
    assert {r["id"]: r["status"] for r in stored(outcome)} == {
        "a": "ok", "b": "ok", "c": "failed"}
    assert "segment failed" in outcome.failures[0]["error"]


def test_duplicate_ids_are_kept_as_failures_of_their_own(tmp_path):
    data = tmp_path / "in.jsonl"
    rows = [{"id": "x", "text": "Première version."}, {"id": "y", "text": "Autre texte."},
            {"id": "x", "text": "Seconde version."}, {"id": "x", "text": "Troisième."}]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    config = load_config(None, [f"input.path={data}", f"output.dir={tmp_path / 'out'}",
                                "input.check_language=false"])
    outcome = run(config, translator=UpperTranslator(), summariser=FirstWords())
    lines = stored(outcome)
    assert [(r["id"], r["status"]) for r in lines] == [
        ("x", "ok"), ("y", "ok"), ("x (duplicate 2)", "failed"), ("x (duplicate 3)", "failed")]
    assert "duplicate article id 'x'" in lines[2]["error"] and ":1" in lines[2]["error"]
    assert lines[0]["translation"] == "PREMIÈRE VERSION."
    with sqlite3.connect(outcome.out_dir / "pipeline.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 4


def test_chunks_commit_as_they_go_in_input_order(tmp_path):
    folder = write_articles(tmp_path / "in", {f"n{i:02d}": f"Titre {i}\n\nPhrase {i}. Fin {i}."
                                              for i in range(12)})
    config = load_config(None, [f"input.path={folder}", f"output.dir={tmp_path / 'out'}",
                                "input.check_language=false", "run.chunk_segments=5"])
    seen: list[int] = []

    class Watching(UpperTranslator):
        def translate(self, texts, progress=None):
            briefs = tmp_path / "out" / "briefs"
            seen.append(len(list(briefs.iterdir())) if briefs.is_dir() else 0)
            return super().translate(texts)

    outcome = run(config, translator=Watching(), summariser=FirstWords())
    # 12 articles of 3 segments, a budget of 5: 2 articles a chunk, each chunk's briefs on
    # disk before the next chunk is translated
    assert seen == [0, 2, 4, 6, 8, 10]
    assert [r["id"] for r in stored(outcome)] == [f"n{i:02d}" for i in range(12)]


def test_changed_inputs_are_not_resumed(tmp_path):
    config = config_for(tmp_path)
    run(config, translator=UpperTranslator(), summariser=FirstWords())
    (Path(config.input.path) / "b.txt").write_text("Titre B\n\nUne autre phrase.", "utf-8")
    with pytest.raises(ConfigError, match="input files: their contents changed"):
        run(config, translator=UpperTranslator(), summariser=FirstWords())
    assert json.loads(stored_line(tmp_path, "b"))["translation"] == "UNE SEULE PHRASE POUR B."


def stored_line(tmp_path: Path, article_id: str) -> str:
    lines = (tmp_path / "out" / "results.jsonl").read_text("utf-8").splitlines()
    return next(line for line in lines if json.loads(line)["id"] == article_id)


class Remembered(UpperTranslator):
    def cache_key(self):
        return {"model": "upper"}


def test_a_broken_memory_stops_the_run_with_one_message(tmp_path):
    memory = tmp_path / "memory.sqlite"
    memory.write_bytes(b"not a database at all" * 50)
    config = config_for(tmp_path, **{"cache.path": str(memory)})
    with pytest.raises(ConfigError, match=f"cache.path {memory}"):
        run(config, translator=Remembered(), summariser=FirstWords())
    assert memory.read_bytes() == b"not a database at all" * 50


def test_a_changed_reference_makes_its_article_be_done_again(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.fr.txt").write_text(f"Titre {name}\n\nLe chat dort.", "utf-8")
        (folder / f"{name}.en.txt").write_text(f"Title {name}\n\nLE CHAT DORT.", "utf-8")
    config = load_config(None, [f"input.path={folder}", f"output.dir={tmp_path / 'out'}",
                                "input.check_language=false"])
    first = UpperTranslator()
    run(config, translator=first, summariser=FirstWords())
    (folder / "b.en.txt").write_text("Title b\n\nThe dog barks.", "utf-8")
    again = UpperTranslator()
    outcome = run(config, translator=again, summariser=FirstWords())
    assert outcome.counts["resumed"] == 1  # a: same input; b: its reference changed
    assert len(again.calls) == 1 and sorted(again.calls[0]) == ["Le chat dort.", "Titre b"]
    refs = (tmp_path / "out" / "references.en.txt").read_text("utf-8").splitlines()
    assert refs == ["LE CHAT DORT.", "The dog barks."]  # never a mix of old and new
