"""Store results: ``pipeline.sqlite``, ``results.jsonl``, ``briefs/`` and ``config.resolved.yaml``.

- ``pipeline.sqlite`` keeps every run; within a run an article is keyed by its id, so adding it
  again replaces its rows. Each article is one WAL-mode commit, so a crash keeps finished ones.
- ``results.jsonl`` reflects the latest run, one line per article, appended as each article is
  stored (so a crash keeps the finished ones). Adding an article again within a run rewrites the
  file atomically (temp file + rename) with its line replaced, so ids never repeat.
- ``briefs/<safe id>.md``: the English brief of each ``ok`` article; failed articles get none.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.records import ArticleResult, Score

DB_NAME = "pipeline.sqlite"
RESULTS_NAME = "results.jsonl"
BRIEFS_DIR = "briefs"
CONFIG_NAME = "config.resolved.yaml"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT, config_json TEXT NOT NULL, counts_json TEXT, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    run_id INTEGER NOT NULL REFERENCES runs(id), article_id TEXT NOT NULL, source TEXT,
    status TEXT NOT NULL, error TEXT, title_fr TEXT, title_en TEXT, translation TEXT,
    flags_json TEXT, stats_json TEXT, PRIMARY KEY (run_id, article_id));
CREATE TABLE IF NOT EXISTS segments (
    run_id INTEGER NOT NULL, article_id TEXT NOT NULL, idx INTEGER NOT NULL,
    paragraph INTEGER NOT NULL, sentence INTEGER NOT NULL, piece INTEGER NOT NULL,
    source TEXT NOT NULL, translation TEXT NOT NULL, PRIMARY KEY (run_id, article_id, idx));
CREATE TABLE IF NOT EXISTS summaries (
    run_id INTEGER NOT NULL, article_id TEXT NOT NULL, summary TEXT NOT NULL,
    PRIMARY KEY (run_id, article_id));
CREATE TABLE IF NOT EXISTS scores (
    run_id INTEGER NOT NULL, article_id TEXT, metric TEXT NOT NULL, scope TEXT NOT NULL,
    segment_index INTEGER, value REAL NOT NULL, signature TEXT NOT NULL DEFAULT '');
-- SQLite treats NULLs as distinct in UNIQUE, so key on sentinels: corpus scores have a NULL
-- article_id and article/corpus scores a NULL segment_index.
CREATE UNIQUE INDEX IF NOT EXISTS scores_key ON scores (
    run_id, COALESCE(article_id, ''), metric, scope, COALESCE(segment_index, -1));
"""

_UNSAFE_CHARS = re.compile(r"[^\w.\-]+")


def _now() -> str:
    """The current UTC time as ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _json(value: Any) -> str:
    """JSON text that keeps accents readable and never fails on odd values."""
    return json.dumps(value, ensure_ascii=False, default=str)


def brief_name(article_id: str) -> str:
    """A safe, readable file name for an article's brief.

    Characters other than letters, digits, ``.-_`` become ``_``; a changed id gets a short hash of
    the original appended so that ``a/b`` and ``a b`` stay apart.

    Args:
        article_id: The article id, as given by the reader.

    Returns:
        A file name ending in ``.md`` with no path separators.
    """
    stem = _UNSAFE_CHARS.sub("_", article_id).strip("._")[:80] or "article"
    if stem != article_id:
        stem += "-" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:8]
    return f"{stem}.md"


def _score_dict(score: Score) -> dict[str, Any]:
    """A score as it appears in ``results.jsonl`` (segment scores keep their index)."""
    item: dict[str, Any] = {"metric": score.metric, "value": score.value}
    item.update(scope=score.scope, signature=score.signature)
    if score.segment_index is not None:
        item["segment_index"] = score.segment_index
    return item


def result_line(result: ArticleResult, run_id: int) -> dict[str, Any]:
    """The ``results.jsonl`` record of one article."""
    return {
        "id": result.article_id,
        "status": result.status,
        "error": result.error,
        "title": result.title,
        "translation": result.translation,
        "summary": result.summary,
        "scores": [_score_dict(s) for s in result.scores],
        "flags": list(result.flags),
        "source": result.source,
        "run": run_id,
        "stats": result.stats,
    }


def _value(score: Score) -> str:
    """Counts as integers, everything else to two decimals."""
    return f"{score.value:.0f}" if score.signature == "count" else f"{score.value:.2f}"


def _scores_section(result: ArticleResult) -> list[str]:
    """The brief's score table (article and corpus scope) and flags."""
    shown = [s for s in result.scores if s.scope != "segment"]
    lines = ["## Scores", ""]
    if shown:
        lines += ["| metric | value | scope |", "| --- | ---: | --- |"]
        lines += [f"| {s.metric} | {_value(s)} | {s.scope} |" for s in shown]
    else:
        lines.append("_No scores (no reference for this article)._")
    per_segment = len(result.scores) - len(shown)
    if per_segment:
        lines += ["", f"{per_segment} segment-level scores are in `{DB_NAME}`."]
    if result.flags:
        lines += ["", "Flags: " + ", ".join(f"`{flag}`" for flag in result.flags)]
    return lines


def _footer(result: ArticleResult) -> list[str]:
    """A one-line footer with the article's scalar stats (segments, splits, ...)."""
    stats = {k: v for k, v in result.stats.items() if isinstance(v, (int, float, str, bool))}
    if not stats:
        return []
    return ["---", "", "_" + " · ".join(f"{k}: {v}" for k, v in stats.items()) + "_", ""]


def render_brief(result: ArticleResult) -> str:
    """The Markdown brief of one article: title, origin, summary, translation, scores.

    Args:
        result: A finished article.

    Returns:
        The brief as Markdown text, ending with a newline.
    """
    title_fr = result.article.title if result.article else ""
    origin = f"Source: `{result.source}`"
    if title_fr:
        origin += f" — French title: *{title_fr}*"
    lines = [f"# {result.title or result.article_id}", "", origin, "", "## Summary", ""]
    lines += [result.summary or "_No summary._", "", "## Translation", ""]
    for paragraph in result.paragraphs:
        lines += [paragraph, ""]
    lines += _scores_section(result) + [""] + _footer(result)
    return "\n".join(lines).rstrip("\n") + "\n"


def _write_atomic(path: Path, text: str) -> None:
    """Write text to path via a temp file and a rename, so readers never see half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _insert_scores(
    conn: sqlite3.Connection, run_id: int, article_id: str | None, scores: Sequence[Score]
) -> None:
    """Insert scores, replacing any with the same key (see the ``scores_key`` index)."""
    conn.executemany(
        "INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(run_id, article_id, s.metric, s.scope, s.segment_index, s.value, s.signature)
         for s in scores],
    )


def _replace_article(conn: sqlite3.Connection, run_id: int, result: ArticleResult) -> None:
    """Delete then insert every row of one article (articles, segments, summaries, scores)."""
    key = (run_id, result.article_id)
    for table in ("articles", "segments", "summaries", "scores"):
        conn.execute(f"DELETE FROM {table} WHERE run_id = ? AND article_id = ?", key)
    title_fr = result.article.title if result.article else ""
    conn.execute(
        "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*key, result.source, result.status, result.error, title_fr, result.title,
         result.translation, _json(list(result.flags)), _json(result.stats)),
    )
    # idx is the position in the result (Segment.index may be left at its default).
    conn.executemany(
        "INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(*key, i, t.segment.paragraph, t.segment.sentence, t.segment.piece,
          t.segment.source, t.translation) for i, t in enumerate(result.segments)],
    )
    if result.summary:
        conn.execute("INSERT INTO summaries VALUES (?, ?, ?)", (*key, result.summary))
    _insert_scores(conn, run_id, result.article_id, result.scores)


class Store:
    """Writes runs into an output directory: ``open_run``, ``add`` per article, ``close_run``."""

    def __init__(self, out_dir: Path) -> None:
        """Remember where to write; nothing is touched until :meth:`open_run`.

        Args:
            out_dir: The run's output directory (``output.dir``).
        """
        self.out_dir = Path(out_dir)
        self.db_path, self.results_path = self.out_dir / DB_NAME, self.out_dir / RESULTS_NAME
        self.run_id: int | None = None
        self._conn: sqlite3.Connection | None = None
        self._lines: dict[str, str] = {}  # article id -> results.jsonl line, in arrival order

    def brief_path(self, article_id: str) -> Path:
        """Path of an article's brief (which exists only for ``ok`` articles)."""
        return self.out_dir / BRIEFS_DIR / brief_name(article_id)

    def open_run(self, run_name: str, config: dict, started_at: str | None = None) -> int:
        """Create the output layout if missing and record a new run.

        Args:
            run_name: Human name of the run.
            config: The resolved config, stored as JSON.
            started_at: ISO timestamp; defaults to now (UTC).

        Returns:
            The new run's id.
        """
        (self.out_dir / BRIEFS_DIR).mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.db_path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        with conn:
            cursor = conn.execute(
                "INSERT INTO runs (name, started_at, config_json, status) VALUES (?, ?, ?, ?)",
                (run_name, started_at or _now(), _json(config), "running"),
            )
        self._conn, self.run_id, self._lines = conn, int(cursor.lastrowid or 0), {}
        _write_atomic(self.results_path, "")  # the file reflects this run from now on
        return self.run_id

    def reopen_run(self, run_id: int) -> None:
        """Continue a stored run (to score it again): its rows are replaced as articles are added.

        Args:
            run_id: The run's id in ``pipeline.sqlite``.
        """
        conn = sqlite3.connect(self.db_path)
        if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
            conn.close()
            raise ValueError(f"{self.db_path} has no run {run_id}")
        self._conn, self.run_id, self._lines = conn, run_id, {}
        _write_atomic(self.results_path, "")  # rewritten in full as the articles are re-added

    def _open(self) -> tuple[sqlite3.Connection, int]:
        """The live connection and run id; raises if no run is open."""
        if self._conn is None or self.run_id is None:
            raise RuntimeError("Store has no open run: call open_run() before add()/close_run().")
        return self._conn, self.run_id

    def add(self, result: ArticleResult) -> None:
        """Store one article; adding the same id again in this run replaces it.

        Args:
            result: The article's result, ``ok`` or ``failed``.
        """
        conn, run_id = self._open()
        with conn:  # one transaction per article: all of it or none of it
            _replace_article(conn, run_id, result)
        line = _json(result_line(result, run_id))
        if result.article_id in self._lines:  # rare: replace its line, rewriting the file
            self._lines[result.article_id] = line
            _write_atomic(self.results_path, "".join(f"{x}\n" for x in self._lines.values()))
        else:  # the usual case: append, so a run costs O(n) writes, not O(n^2)
            self._lines[result.article_id] = line
            with self.results_path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        brief = self.brief_path(result.article_id)
        if result.status == "ok":
            _write_atomic(brief, render_brief(result))
        else:
            brief.unlink(missing_ok=True)  # an earlier ok attempt in this run is now stale

    def add_corpus_scores(self, scores: list[Score]) -> None:
        """Store corpus-level scores (``article_id`` NULL); re-adding a metric replaces it.

        Args:
            scores: Scores over the whole run.
        """
        conn, run_id = self._open()
        with conn:
            _insert_scores(conn, run_id, None, scores)

    def close_run(self, counts: dict, status: str | None = None) -> None:
        """Finish the run row and close the database.

        Args:
            counts: Counts to record (e.g. ``{"ok": 9, "failed": 1}``).
            status: Final status; by default ``partial`` if ``counts["failed"]``, else ``ok``.
        """
        conn, run_id = self._open()
        final = status or ("partial" if counts.get("failed") else "ok")
        with conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, counts_json = ?, status = ? WHERE id = ?",
                (_now(), _json(counts), final, run_id),
            )
        conn.close()
        self._conn = None

    def write_config(self, resolved_yaml: str) -> Path:
        """Write ``config.resolved.yaml`` (creating the output directory if needed).

        Args:
            resolved_yaml: The resolved config, already rendered as YAML.

        Returns:
            The file's path.
        """
        self.out_dir.mkdir(parents=True, exist_ok=True)
        _write_atomic(self.out_dir / CONFIG_NAME, resolved_yaml)
        return self.out_dir / CONFIG_NAME
