"""Tests for pipeline.store: SQLite rows, results.jsonl lines, briefs, config file."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.records import Article, ArticleResult, Flag, Score, Segment, TranslatedSegment
from pipeline.store import Store, brief_name

LINE_KEYS = {
    "id", "status", "error", "title", "scope", "translation", "summary", "scores", "flags",
    "source", "run", "stats", "verdict", "verdict_reasons", "flag_details", "summary_support",
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
        issues=(Flag("repeated-ngram", {"expected": "no loop", "found": "the the the"}, 2),
                Flag("invented-number", {"expected": [], "found": ["12"],
                                         "summary_sentence": 0}, None, "summary")),
        verdict="review", reasons=("a loop in segment 2", "a number the text does not have"),
        support=((1, 2),),
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


def same(stored: dict, config: dict) -> list[str]:
    return [] if stored == config else ["differs"]


def test_ok_and_failed_rows(store: Store) -> None:
    run = store.open("demo", {"translate": {"num_beams": 4}}).run_id
    store.commit([ok_result(), failed_result()])
    store.add_corpus_scores([Score("BLEU", 30.0, "corpus", "sig")])
    store.finish({"ok": 1, "failed": 1})
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
    assert store.counts() == {"articles": 2, "ok": 1, "failed": 1, "skipped": 0}


def test_results_jsonl_lines(store: Store) -> None:
    run = store.open("demo", {}).run_id
    store.commit([ok_result(), failed_result()])
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
    store.open("demo", {})
    result = ok_result()
    store.commit([result])
    brief = store.brief_path(result.article_id).read_text(encoding="utf-8")
    assert brief.startswith("# The fight against AQIM\n")
    assert "La lutte contre AQMI" in brief and "in/lutte-aqmi.txt" in brief
    assert "## Summary\n\nFrance fights.\n" in brief
    assert "First sentence. Second sentence.\n\nThe last paragraph.\n" in brief
    assert "| BLEU | 31.42 | article |" in brief and "| chrF++ | 55.00 | article |" in brief
    assert "repeated-ngram" in brief and "split: 1" in brief


def test_failed_article_gets_no_brief(store: Store) -> None:
    store.open("demo", {})
    store.commit([failed_result()])
    assert not store.brief_path("broken").exists()
    assert list((store.out_dir / "briefs").iterdir()) == []


def test_failure_after_success_removes_stale_brief(store: Store) -> None:
    store.open("demo", {})
    store.commit([ok_result("a")])
    store.commit([failed_result("a")])
    store.finish({"failed": 1})
    assert not store.brief_path("a").exists()
    assert [line["status"] for line in lines(store.results_path)] == ["failed"]


def test_recommitting_replaces_rows_and_final_lines(store: Store) -> None:
    run = store.open("demo", {}).run_id
    store.commit([ok_result(summary="old")])
    store.commit([ok_result(summary="new")])
    store.add_corpus_scores([Score("BLEU", 1.0, "corpus")])
    store.add_corpus_scores([Score("BLEU", 2.0, "corpus")])
    store.finish({})
    assert counts(store.db_path, run) == {"articles": 1, "segments": 4, "summaries": 1, "scores": 4}
    (line,) = lines(store.results_path)
    assert line["summary"] == "new"
    with sqlite3.connect(store.db_path) as conn:
        assert conn.execute("SELECT summary FROM summaries").fetchall() == [("new",)]
        corpus = conn.execute("SELECT value FROM scores WHERE scope = 'corpus'").fetchall()
    assert corpus == [(2.0,)]


def test_final_files_are_in_input_order(store: Store) -> None:
    store.open("demo", {})
    late, early = replace(ok_result("late"), position=5), replace(ok_result("early"), position=1)
    store.commit([late])
    store.commit([early])
    assert [line["id"] for line in lines(store.results_path)] == ["late", "early"]  # as committed
    store.finish({})
    assert [line["id"] for line in lines(store.results_path)] == ["early", "late"]


def test_same_config_resumes_the_stored_run(tmp_path: Path) -> None:
    first = Store(tmp_path / "out")
    run1 = first.open("first", {"a": 1}, differences=same).run_id
    first.commit([ok_result("a"), failed_result("b")])
    first.close()  # a crash: the run was never finished
    (first.results_path).write_text("half a li", "utf-8")  # a torn append
    second = Store(tmp_path / "out")
    state = second.open("second", {"a": 1}, differences=same)
    assert (state.run_id, state.name, state.resumed) == (run1, "first", True)
    assert (state.done, state.failed) == (1, 1)
    assert second.is_done("a") and not second.is_done("b") and not second.is_done("c")
    # the failure is left out until it is retried; the torn line is gone
    assert [line["id"] for line in lines(second.results_path)] == ["a"]
    second.commit([ok_result("b")])
    second.finish({})
    assert [(line["id"], line["status"]) for line in lines(second.results_path)] == [
        ("a", "ok"), ("b", "ok")]
    with sqlite3.connect(second.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1


def test_other_config_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    first = Store(tmp_path / "out")
    first.open("first", {"a": 1}, differences=same)
    first.commit([ok_result("a")])
    first.finish({})
    first.close()
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    with pytest.raises(ConfigError, match="other settings.*--overwrite"):
        Store(tmp_path / "out").open("second", {"a": 2}, differences=same)
    after = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert after == before


def test_overwrite_moves_the_earlier_files_aside(tmp_path: Path) -> None:
    first = Store(tmp_path / "out")
    run1 = first.open("first", {"a": 1}, differences=same).run_id
    first.commit([ok_result("a")])
    first.finish({})
    first.close()
    second = Store(tmp_path / "out")
    run2 = second.open("second", {"a": 2}, differences=same, overwrite=True).run_id
    assert run2 != run1
    kept = tmp_path / "out" / "superseded" / f"run-{run1}"
    assert (kept / "briefs" / "a.md").is_file() and lines(kept / "results.jsonl")[0]["id"] == "a"
    assert list((tmp_path / "out" / "briefs").iterdir()) == []
    assert counts(second.db_path, run1)["segments"] == 4  # the earlier rows are kept


def test_foreign_outputs_without_a_database_are_refused(tmp_path: Path) -> None:
    (tmp_path / "out" / "briefs").mkdir(parents=True)
    (tmp_path / "out" / "briefs" / "x.md").write_text("# x\n", "utf-8")
    with pytest.raises(ConfigError, match="already holds run outputs"):
        Store(tmp_path / "out").open("demo", {})


def test_a_locked_folder_is_refused(tmp_path: Path) -> None:
    first = Store(tmp_path / "out")
    first.open("demo", {})
    with pytest.raises(ConfigError, match="in use by another process"):
        Store(tmp_path / "out").open("demo", {})
    first.close()
    assert Store(tmp_path / "out").open("demo", {}, differences=same).resumed  # free again


def test_unsafe_id_gives_safe_filename(store: Store) -> None:
    store.open("demo", {})
    store.commit([ok_result("le monde/2024 01 édition")])
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


def test_commit_before_open_raises(store: Store) -> None:
    with pytest.raises(RuntimeError, match="open"):
        store.commit([ok_result()])


def test_utf8_kept_readable(store: Store) -> None:
    store.open("démo", {"note": "été"})
    store.commit([ok_result(summary="Résumé à l'été.")])
    raw = store.results_path.read_text(encoding="utf-8")
    assert "Résumé à l'été." in raw and "\\u00e9" not in raw


def test_a_run_of_an_earlier_version_is_refused_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with sqlite3.connect(out / "pipeline.sqlite") as conn:  # the first release's tables
        conn.executescript(
            "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
            "started_at TEXT NOT NULL, finished_at TEXT, config_json TEXT NOT NULL, "
            "counts_json TEXT, status TEXT NOT NULL);"
            "CREATE TABLE articles (run_id INTEGER NOT NULL, article_id TEXT NOT NULL, "
            "source TEXT, status TEXT NOT NULL, error TEXT, title_fr TEXT, title_en TEXT, "
            "translation TEXT, flags_json TEXT, stats_json TEXT);"
            "INSERT INTO runs (name, started_at, config_json, status) VALUES "
            "('old', '2026-01-01', '{}', 'ok');")
    (out / "results.jsonl").write_text('{"id": "a"}\n', "utf-8")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(ConfigError, match="earlier version.*--overwrite"):
        Store(out).open("new", {}, differences=same)
    with pytest.raises(Exception, match="earlier version"):
        Store(out).open_existing()
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != ".lock"} \
        == {p: b for p, b in before.items() if p.name != ".lock"}
    state = Store(out).open("new", {}, differences=same, overwrite=True)
    assert not state.resumed and (out / "superseded" / "run-1" / "results.jsonl").is_file()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_database_stops_with_a_message(tmp_path: Path, damage: str) -> None:
    out = tmp_path / "out"
    first = Store(out)
    first.open("demo", {})
    first.commit([ok_result("a")])
    first.close()
    db = out / "pipeline.sqlite"
    if damage == "garbage":
        db.write_bytes(b"this is not a database" * 100)
    else:
        data = bytearray(db.read_bytes())
        data[100:4096] = b"\xff" * (4096 - 100)
        db.write_bytes(bytes(data))
    for overwrite in (False, True):
        with pytest.raises(ConfigError, match="pipeline.sqlite cannot be used"):
            Store(out).open("demo", {}, differences=same, overwrite=overwrite)


def test_a_brief_deleted_by_hand_is_written_again_on_resume(tmp_path: Path) -> None:
    first = Store(tmp_path / "out")
    first.open("demo", {}, differences=same)
    first.commit([ok_result("a"), ok_result("b")])
    first.finish({})
    first.close()
    brief = first.brief_path("a")
    original = brief.read_bytes()
    brief.unlink()
    second = Store(tmp_path / "out")
    assert second.open("demo", {}, differences=same).resumed
    assert brief.read_bytes() == original


def test_flags_verdict_and_support_agree_everywhere(store: Store) -> None:
    """The database, results.jsonl, the brief and a reloaded result say the same."""
    import sqlite3

    run = store.open("demo", {}).run_id
    result = ok_result()
    store.commit([result])
    line = lines(store.results_path)[0]
    assert line["verdict"] == "review"
    assert line["verdict_reasons"] == ["a loop in segment 2", "a number the text does not have"]
    assert line["flag_details"] == [f.as_dict() for f in result.issues]
    assert line["summary_support"] == [[1, 2]]
    with sqlite3.connect(store.db_path) as conn:
        rows = conn.execute("SELECT segment, scope, flag, evidence_json FROM flags WHERE "
                            "run_id = ? ORDER BY rowid", (run,)).fetchall()
        verdict = conn.execute("SELECT verdict FROM articles").fetchone()[0]
    assert [(s, scope, f) for s, scope, f, _ in rows] == [
        (2, "segment", "repeated-ngram"), (None, "summary", "invented-number")]
    assert json.loads(rows[1][3]) == {"expected": [], "found": ["12"], "summary_sentence": 0}
    assert verdict == "review"
    brief = store.brief_path(result.article_id).read_text("utf-8")
    assert "**Verdict: review**: a loop in segment 2; a number the text does not have" in brief
    assert "- `repeated-ngram` (segment 2: Deuxième phrase.): expected: no loop; found: the " \
           "the the" in brief
    loaded = store.stored_result(result.article_id)
    assert (loaded.verdict, loaded.reasons, loaded.support) == (
        result.verdict, result.reasons, result.support)
    # Flag equality leaves evidence out: compare the whole records
    assert [f.as_dict() for f in loaded.issues] == [f.as_dict() for f in result.issues]
