"""Tests for pipeline.store: SQLite rows, results.jsonl lines, briefs, config file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pipeline.records import Article, ArticleResult, Score, Segment, TranslatedSegment
from pipeline.store import Store, brief_name

LINE_KEYS = {
    "id", "status", "error", "title", "translation", "summary", "scores", "flags",
    "source", "run", "stats",
}
TABLES = ("articles", "segments", "summaries", "scores")


def _seg(article_id: str, paragraph: int, sentence: int, fr: str, en: str) -> TranslatedSegment:
    return TranslatedSegment(Segment(article_id, paragraph, sentence, fr), en)


def ok_result(article_id: str = "lutte-aqmi", summary: str = "France fights.") -> ArticleResult:
    """An ok article: a title and two paragraphs, three body segments, two scores."""
    article = Article(
        id=article_id, title="La lutte contre AQMI", source=f"in/{article_id}.txt",
        paragraphs=("Première phrase. Deuxième phrase.", "Le dernier paragraphe."),
    )
    segments = (
        _seg(article_id, -1, 0, "La lutte contre AQMI", "The fight against AQIM"),
        _seg(article_id, 0, 0, "Première phrase.", "First sentence."),
        _seg(article_id, 0, 1, "Deuxième phrase.", "Second sentence."),
        _seg(article_id, 1, 0, "Le dernier paragraphe.", "The last paragraph."),
    )
    scores = (
        Score("BLEU", 31.4159, "article", "nrefs:1|case:mixed"),
        Score("chrF++", 55.0, "article", "nrefs:1|nc:6|nw:2"),
        Score("BLEU", 12.0, "segment", "nrefs:1", segment_index=1),
    )
    return ArticleResult(
        article_id=article_id, source=article.source, status="ok", article=article,
        title="The fight against AQIM", segments=segments, summary=summary, scores=scores,
        flags=("repeated-ngram",), stats={"segments": 4, "split": 1},
    )


def failed_result(article_id: str = "broken") -> ArticleResult:
    return ArticleResult(
        article_id=article_id, source=f"in/{article_id}.txt", status="failed",
        error="ModelError: out of memory",
    )


def counts(db: Path, run_id: int) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            t: conn.execute(f"SELECT COUNT(*) FROM {t} WHERE run_id = ?", (run_id,)).fetchone()[0]
            for t in TABLES
        }


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "out")


def test_constructor_touches_nothing(tmp_path: Path) -> None:
    Store(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_ok_and_failed_rows(store: Store) -> None:
    run = store.open_run("demo", {"translate": {"num_beams": 4}})
    store.add(ok_result())
    store.add(failed_result())
    store.add_corpus_scores([Score("BLEU", 30.0, "corpus", "sig")])
    store.close_run({"ok": 1, "failed": 1})
    # 4 segments, 1 summary, 3 article scores + 1 corpus score.
    assert counts(store.db_path, run) == {"articles": 2, "segments": 4, "summaries": 1, "scores": 4}
    with sqlite3.connect(store.db_path) as conn:
        name, finished, status, counts_json, config_json = conn.execute(
            "SELECT name, finished_at, status, counts_json, config_json FROM runs WHERE id = ?",
            (run,),
        ).fetchone()
        failed = conn.execute(
            "SELECT status, error FROM articles WHERE article_id = 'broken'"
        ).fetchone()
        titles = conn.execute(
            "SELECT title_fr, title_en FROM articles WHERE article_id = 'lutte-aqmi'"
        ).fetchone()
        corpus = conn.execute("SELECT value FROM scores WHERE article_id IS NULL").fetchall()
    assert (name, status) == ("demo", "partial") and finished
    assert json.loads(counts_json) == {"ok": 1, "failed": 1}
    assert json.loads(config_json) == {"translate": {"num_beams": 4}}
    assert failed == ("failed", "ModelError: out of memory")
    assert titles == ("La lutte contre AQMI", "The fight against AQIM")
    assert corpus == [(30.0,)]


def test_results_jsonl_lines(store: Store) -> None:
    run = store.open_run("demo", {})
    store.add(ok_result())
    store.add(failed_result())
    ok, failed = lines(store.results_path)
    assert set(ok) == LINE_KEYS and set(failed) == LINE_KEYS
    assert ok["translation"] == "First sentence. Second sentence.\n\nThe last paragraph."
    assert ok["title"] == "The fight against AQIM" and ok["run"] == run
    assert ok["scores"][0] == {
        "metric": "BLEU", "value": 31.4159, "scope": "article", "signature": "nrefs:1|case:mixed"
    }
    assert ok["stats"] == {"segments": 4, "split": 1} and ok["flags"] == ["repeated-ngram"]
    assert (failed["status"], failed["error"]) == ("failed", "ModelError: out of memory")


def test_brief_content(store: Store) -> None:
    store.open_run("demo", {})
    result = ok_result()
    store.add(result)
    brief = store.brief_path(result.article_id).read_text(encoding="utf-8")
    assert brief.startswith("# The fight against AQIM\n")
    assert "La lutte contre AQMI" in brief and "in/lutte-aqmi.txt" in brief
    assert "## Summary\n\nFrance fights.\n" in brief
    assert "First sentence. Second sentence.\n\nThe last paragraph.\n" in brief
    assert "| BLEU | 31.42 | article |" in brief and "| chrF++ | 55.00 | article |" in brief
    assert "repeated-ngram" in brief and "split: 1" in brief


def test_failed_article_gets_no_brief(store: Store) -> None:
    store.open_run("demo", {})
    store.add(failed_result())
    assert not store.brief_path("broken").exists()
    assert list((store.out_dir / "briefs").iterdir()) == []


def test_failure_after_success_removes_stale_brief(store: Store) -> None:
    store.open_run("demo", {})
    store.add(ok_result("a"))
    store.add(failed_result("a"))
    assert not store.brief_path("a").exists()
    assert [line["status"] for line in lines(store.results_path)] == ["failed"]


def test_readding_replaces(store: Store) -> None:
    run = store.open_run("demo", {})
    store.add(ok_result(summary="old"))
    store.add(ok_result(summary="new"))
    store.add_corpus_scores([Score("BLEU", 1.0, "corpus")])
    store.add_corpus_scores([Score("BLEU", 2.0, "corpus")])
    assert counts(store.db_path, run) == {"articles": 1, "segments": 4, "summaries": 1, "scores": 4}
    (line,) = lines(store.results_path)
    assert line["summary"] == "new"
    with sqlite3.connect(store.db_path) as conn:
        assert conn.execute("SELECT summary FROM summaries").fetchall() == [("new",)]
        corpus = conn.execute("SELECT value FROM scores WHERE scope = 'corpus'").fetchall()
    assert corpus == [(2.0,)]


def test_two_runs_same_dir(tmp_path: Path) -> None:
    first = Store(tmp_path / "out")
    run1 = first.open_run("first", {}, started_at="2024-01-01T00:00:00+00:00")
    first.add(ok_result("a"))
    first.add(ok_result("b"))
    first.close_run({"ok": 2, "failed": 0})
    second = Store(tmp_path / "out")
    run2 = second.open_run("second", {})
    second.add(ok_result("a"))
    second.close_run({"ok": 1, "failed": 0})
    assert run1 != run2
    with sqlite3.connect(second.db_path) as conn:
        runs = conn.execute("SELECT id, name, status, started_at FROM runs ORDER BY id").fetchall()
    assert runs[0] == (run1, "first", "ok", "2024-01-01T00:00:00+00:00")
    assert [r[:3] for r in runs] == [(run1, "first", "ok"), (run2, "second", "ok")]
    per_article = {"articles": 1, "segments": 4, "summaries": 1, "scores": 3}
    assert counts(second.db_path, run1) == {k: 2 * v for k, v in per_article.items()}
    assert counts(second.db_path, run2) == per_article
    assert [(line["id"], line["run"]) for line in lines(second.results_path)] == [("a", run2)]


def test_unsafe_id_gives_safe_filename(store: Store) -> None:
    store.open_run("demo", {})
    store.add(ok_result("le monde/2024 01 édition"))
    (path,) = (store.out_dir / "briefs").iterdir()
    assert path.parent == store.out_dir / "briefs"
    assert path.name.startswith("le_monde_2024_01_édition") and path.suffix == ".md"
    assert "/" not in path.name and " " not in path.name


@pytest.mark.parametrize("article_id", ["../etc/passwd", "a/b", "a b", "", ".hidden", "x" * 300])
def test_brief_name_is_safe(article_id: str) -> None:
    name = brief_name(article_id)
    assert "/" not in name and "\\" not in name and " " not in name
    assert not name.startswith(".") and name.endswith(".md") and len(name) < 120


def test_brief_names_do_not_collide() -> None:
    assert brief_name("a/b") != brief_name("a b") != brief_name("a_b")
    assert brief_name("plain-id_1.fr") == "plain-id_1.fr.md"


def test_write_config(store: Store) -> None:
    path = store.write_config("translate:\n  model: Helsinki-NLP/opus-mt-fr-en\n")
    assert path == store.out_dir / "config.resolved.yaml"
    assert "opus-mt-fr-en" in path.read_text(encoding="utf-8")


def test_add_before_open_raises(store: Store) -> None:
    with pytest.raises(RuntimeError, match="open_run"):
        store.add(ok_result())


def test_utf8_kept_readable(store: Store) -> None:
    store.open_run("démo", {"note": "été"})
    store.add(ok_result(summary="Résumé à l'été."))
    raw = store.results_path.read_text(encoding="utf-8")
    assert "Résumé à l'été." in raw and "\\u00e9" not in raw
