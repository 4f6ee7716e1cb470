"""The Ray driver's side without Ray: rows in input order -> positions, duplicates, commits.

``_collect`` is what turns the rows a Ray dataset streams back into the store's results; it is
fed here with the same row objects the actors send, and writes to a real :class:`Store`.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

from pipeline.config import Config
from pipeline.distributed import Done, Fatal, Skipped, _collect, _pipeline_error
from pipeline.errors import ModelError
from pipeline.memory import Usage
from pipeline.records import ArticleResult
from pipeline.store import Store
from tests.unit.test_store import failed_result, ok_result


class FakeProgress:
    def __init__(self) -> None:
        self.done: list[tuple[int, int]] = []
        self.notes: list[str] = []

    def articles(self, n: int, failed: int = 0) -> None:
        self.done.append((n, failed))

    def note(self, text: str) -> None:
        self.notes.append(text)


def done(result: ArticleResult) -> Done:
    return Done(result, None, {"translate": 1.0, "model calls": 0.5}, {"translation": (3, 1)})


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "run")
    store.open("demo", {})
    yield store
    store.close()


def test_rows_are_numbered_in_arrival_order_and_duplicates_become_failures(store):
    rows = [done(ok_result("a")), Skipped("b", "in/b.txt"), done(ok_result("c")),
            done(ok_result("a")), done(failed_result("d"))]
    timings: dict[str, float] = {}
    usage: dict[str, Usage] = {}
    skipped = _collect(Config(), iter(rows), store, FakeProgress(), timings, usage)
    assert skipped == 1
    lines = [json.loads(line) for line in
             (store.out_dir / "results.jsonl").read_text("utf-8").splitlines()]
    assert [(r["id"], r["status"]) for r in lines] == [
        ("a", "ok"), ("c", "ok"), ("a (duplicate 2)", "failed"), ("d", "failed")]
    assert "duplicate article id 'a'" in lines[2]["error"]
    with sqlite3.connect(store.out_dir / "pipeline.sqlite") as conn:
        positions = conn.execute("SELECT position FROM articles ORDER BY position").fetchall()
    assert [p for (p,) in positions] == [0, 2, 3, 4]  # b (skipped) was 1
    assert timings["translate"] == 4.0 and timings["model calls"] == 2.0  # the dup's time too
    assert (usage["translation"].hits, usage["translation"].misses) == (12, 4)


def test_a_skipped_row_whose_id_was_used_before_is_a_duplicate_not_a_skip(store):
    rows = [done(ok_result("a")), Skipped("a", "in/a-again.txt")]
    assert _collect(Config(), iter(rows), store, FakeProgress(), {}) == 0
    assert [r["id"] for r in store.results()] == ["a", "a (duplicate 2)"]


def test_results_are_committed_in_chunks_of_about_chunk_segments(store):
    config = Config.model_validate({"run": {"chunk_segments": 8}})  # an ok result: 4 segments
    progress = FakeProgress()
    _collect(config, iter(done(ok_result(f"a{n}")) for n in range(5)), store, progress, {})
    assert progress.done == [(2, 0), (2, 0), (1, 0)]
    assert store.counts()["ok"] == 5


def test_a_fatal_row_raises_its_error_after_what_came_before_it_is_kept(store):
    error = ModelError("summarise.model: cannot load model from /x")
    rows = [done(ok_result("a")), Fatal(error), done(ok_result("b"))]
    config = Config.model_validate({"run": {"chunk_segments": 1}})
    with pytest.raises(ModelError, match="cannot load model"):
        _collect(config, iter(rows), store, FakeProgress(), {})
    assert [r["id"] for r in store.results()] == ["a"]


def test_the_projects_error_is_found_inside_a_wrapping_error():
    inner = ModelError("translate.model: broken")
    outer = RuntimeError("task failed")
    outer.cause = inner  # as ray.exceptions.RayTaskError carries it
    assert _pipeline_error(outer) is inner
    plain = _pipeline_error(ValueError("something else"))
    assert isinstance(plain, RuntimeError) and "something else" in str(plain)
