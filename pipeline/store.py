"""The run folder's one writer: ``pipeline.sqlite``, ``results.jsonl``, ``briefs/`` and the rest.

- ``pipeline.sqlite`` keeps every run and is the truth: every other file can be rebuilt from it.
  Articles arrive in chunks; each chunk is one SQLite transaction (WAL mode), so a crash keeps
  every chunk committed before it and none of the chunk in flight.
- ``briefs/<safe id>.md`` (``ok`` articles) are written atomically just before their chunk's
  transaction; ``results.jsonl`` (and, for test sets, ``hypotheses.en.txt`` and
  ``references*.en.txt``) get the chunk's lines appended just after it. They are rewritten from the
  database, in input order, when a run resumes and when it finishes, so a crash between the two
  never leaves a line missing or doubled in the final files.
- A run folder belongs to one run: :meth:`Store.open` resumes the run stored there when the config
  matches, and refuses otherwise (unless told to start over, which moves the earlier run's files
  aside and keeps its rows). A lock file keeps a second process out while one is writing.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.briefs import brief_name, render_brief, result_line
from pipeline.errors import ConfigError
from pipeline.records import Article, ArticleResult, Flag, Score, Segment, TranslatedSegment
from pipeline.rundir import (  # noqa: F401  (the names are the store's public constants too)
    BRIEFS_DIR,
    CONFIG_NAME,
    DB_NAME,
    HYPOTHESES,
    METRICS,
    RESULTS_NAME,
    deferred_interrupts,
    lock_folder,
    move_aside,
    refusal,
    run_files,
    write_atomic,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT, config_json TEXT NOT NULL, counts_json TEXT, status TEXT NOT NULL,
    inputs_sha TEXT);
CREATE TABLE IF NOT EXISTS articles (
    run_id INTEGER NOT NULL REFERENCES runs(id), article_id TEXT NOT NULL, source TEXT,
    status TEXT NOT NULL, error TEXT, title_fr TEXT, title_en TEXT, translation TEXT,
    flags_json TEXT, stats_json TEXT, position INTEGER, result_json TEXT, eval_json TEXT,
    input_sha TEXT, verdict TEXT, reasons_json TEXT, PRIMARY KEY (run_id, article_id));
-- every quality flag with its evidence; segment is NULL for a flag on the summary
CREATE TABLE IF NOT EXISTS flags (
    run_id INTEGER NOT NULL, article_id TEXT NOT NULL, segment INTEGER, scope TEXT NOT NULL,
    flag TEXT NOT NULL, evidence_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS flags_article ON flags (run_id, article_id);
CREATE TABLE IF NOT EXISTS segments (
    run_id INTEGER NOT NULL, article_id TEXT NOT NULL, idx INTEGER NOT NULL,
    paragraph INTEGER NOT NULL, sentence INTEGER NOT NULL, piece INTEGER NOT NULL,
    source TEXT NOT NULL, translation TEXT NOT NULL, logprob REAL,
    PRIMARY KEY (run_id, article_id, idx));
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
-- the key above is on an expression: one article's scores are found through this one
CREATE INDEX IF NOT EXISTS scores_article ON scores (run_id, article_id);
"""
# Columns added after the first release. A run stored without them cannot be resumed or scored
# again (its files cannot be rebuilt from its rows); a new run in such a database adds them.
_ADDED_COLUMNS = {"articles": {"position": "INTEGER", "result_json": "TEXT", "eval_json": "TEXT",
                               "input_sha": "TEXT", "verdict": "TEXT", "reasons_json": "TEXT"},
                  "runs": {"inputs_sha": "TEXT"},
                  # the model's mean token log-probability of the translation (NULL: none)
                  "segments": {"logprob": "REAL"}}


@dataclass(frozen=True)
class StoredRun:
    """The latest run a folder's database holds, as read before anything is written."""

    run_id: int
    name: str
    config: dict[str, Any]
    status: str
    started_at: str
    legacy: bool  # written by a version whose rows cannot rebuild the run's files
    inputs_sha: str | None = None

def _now() -> str:
    """The current UTC time as ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _json(value: Any) -> str:
    """JSON text that keeps accents readable and never fails on odd values (a lone surrogate,
    from a file name that is not UTF-8, is written as a ``\\udcxx`` escape: SQLite and UTF-8
    files reject it raw; :func:`json.loads` gives it back)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    if not text.isascii() and any("\ud800" <= c <= "\udfff" for c in text):
        return json.dumps(value, ensure_ascii=True, default=str)
    return text


def reference_file_name(stream: int) -> str:
    """``references.en.txt`` for the first reference set, ``references.N.en.txt`` after."""
    return "references.en.txt" if stream == 0 else f"references.{stream + 1}.en.txt"


def _insert_scores(
    conn: sqlite3.Connection, run_id: int, article_id: str | None, scores: Sequence[Score]
) -> None:
    """Insert scores, replacing any with the same key (see the ``scores_key`` index)."""
    conn.executemany(
        "INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(run_id, article_id, s.metric, s.scope, s.segment_index, s.value, s.signature)
         for s in scores],
    )


def _replace_article(conn: sqlite3.Connection, run_id: int, result: ArticleResult,
                     evaluation: dict[str, Any] | None) -> str:
    """Delete then insert every row of one article; returns its ``results.jsonl`` line."""
    key = (run_id, result.article_id)
    for table in ("articles", "segments", "summaries", "scores", "flags"):
        conn.execute(f"DELETE FROM {table} WHERE run_id = ? AND article_id = ?", key)
    title_fr = result.article.title if result.article else ""
    line = _json(result_line(result, run_id))
    conn.execute(
        "INSERT INTO articles (run_id, article_id, source, status, error, title_fr, title_en, "
        "translation, flags_json, stats_json, position, result_json, eval_json, input_sha, "
        "verdict, reasons_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*key, result.source, result.status, result.error, title_fr, result.title,
         _full_translation(result), _json(list(result.flags)), _json(result.stats), result.position,
         line, _json(evaluation) if evaluation else None, result.input_sha,
         result.verdict or None, _json(list(result.reasons))),
    )
    _insert_flags(conn, run_id, result)
    # idx is the position in the result (Segment.index may be left at its default).
    conn.executemany(
        "INSERT INTO segments (run_id, article_id, idx, paragraph, sentence, piece, source, "
        "translation, logprob) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(*key, i, t.segment.paragraph, t.segment.sentence, t.segment.piece,
          t.segment.source, t.translation, t.logprob) for i, t in enumerate(result.segments)],
    )
    if result.summary:
        conn.execute("INSERT INTO summaries VALUES (?, ?, ?)", (*key, result.summary))
    _insert_scores(conn, run_id, result.article_id, result.scores)
    return line


def _full_translation(result: ArticleResult) -> str | None:
    """The article's translation; None for a triage brief, which translated only part of it
    (its sentences are in ``segments``)."""
    return None if result.is_triage else result.translation


def _insert_flags(conn: sqlite3.Connection, run_id: int, result: ArticleResult) -> None:
    """One ``flags`` row per flag of the article (its evidence as JSON)."""
    conn.executemany("INSERT INTO flags VALUES (?, ?, ?, ?, ?, ?)",
                     [(run_id, result.article_id, f.segment, f.scope, f.name, _json(f.evidence))
                      for f in result.issues])


def _legacy(out_dir: Path, latest: StoredRun) -> str:
    return (f"output.dir {out_dir} holds run {latest.name!r} (run {latest.run_id}) made by an "
            "earlier version of this program, which cannot be resumed: its files cannot be "
            "rebuilt from its rows. Choose another output.dir, or pass --overwrite to start a "
            f"new run there (the earlier files move to {out_dir}/superseded/, nothing is "
            "deleted)")


@dataclass(frozen=True)
class RunState:
    """The run a :class:`Store` writes: new, or an earlier one being resumed."""

    run_id: int
    name: str
    resumed: bool
    done: int = 0  # articles already finished (status ok) when it was opened
    failed: int = 0  # articles recorded as failed when it was opened (they are retried)
    status: str = "running"  # as stored when it was opened


class Store:
    """Writes one run folder: :meth:`open`, :meth:`commit` per chunk, :meth:`finish`."""

    def __init__(self, out_dir: Path) -> None:
        """Remember where to write; nothing is touched until :meth:`open`.

        Args:
            out_dir: The run's output directory (``output.dir``).
        """
        self.out_dir = Path(out_dir)
        self.db_path, self.results_path = self.out_dir / DB_NAME, self.out_dir / RESULTS_NAME
        self.run_id: int | None = None
        self._conn: sqlite3.Connection | None = None
        self._lock: Any = None

    def brief_path(self, article_id: str) -> Path:
        """Path of an article's brief (which exists only for ``ok`` articles)."""
        return self.out_dir / BRIEFS_DIR / brief_name(article_id)

    # --- opening ----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.db_path, timeout=60)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            for table, columns in _ADDED_COLUMNS.items():
                have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
                for column, kind in columns.items():
                    if column not in have:
                        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None
        return conn

    def _unusable(self, exc: Exception) -> ConfigError:
        return ConfigError(f"output.dir {self.out_dir}: {self.db_path.name} cannot be used "
                           f"({exc}); choose another output.dir, or move the file away (it is "
                           "left as it is)")

    def latest_run(self) -> StoredRun | None:
        """The latest run stored here, read without writing anything; None if there is none.

        Raises:
            ConfigError: ``pipeline.sqlite`` is not a database, or is damaged.
        """
        if not self.db_path.is_file():
            return None
        conn = sqlite3.connect(self.db_path, timeout=60)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if "runs" not in tables:
                return None
            row = conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
            names = [d[0] for d in conn.execute("SELECT * FROM runs LIMIT 0").description]
            columns = {r[1] for r in conn.execute("PRAGMA table_info(articles)")}
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None
        finally:
            conn.close()
        if row is None:
            return None
        run = dict(zip(names, row, strict=True))
        return StoredRun(run["id"], run["name"], json.loads(run["config_json"]), run["status"],
                         run["started_at"], legacy="result_json" not in columns,
                         inputs_sha=run.get("inputs_sha"))

    def open(self, name: str, config: dict[str, Any], *, differences: Any = None,
             overwrite: bool = False, inputs_sha: str | None = None) -> RunState:
        """Resume the run stored here when its config and inputs match; else start a new one.

        Args:
            name: The run's name (kept from the stored run when resuming).
            config: The resolved config, stored as JSON.
            differences: ``differences(stored_config, config) -> list[str]``: the settings
                that would change the outputs; none means the stored run is resumed.
            overwrite: Start a new run even if the folder holds another one; the earlier
                run's files move to ``superseded/run-<id>/`` (its rows stay in the database).
            inputs_sha: A fingerprint of the input files' contents; a stored run made from
                other contents is not resumed.

        Returns:
            The run being written.

        Raises:
            ConfigError: the folder holds another run (the message lists what differs and the
                ways out), a run of an older version, or a damaged database.
        """
        if self._lock is None:
            self._lock = lock_folder(self.out_dir)
        foreign = run_files(self.out_dir)
        latest = self.latest_run()  # read before anything is written: a refusal changes nothing
        if latest is not None and not overwrite:
            if latest.legacy:
                raise ConfigError(_legacy(self.out_dir, latest))
            changed = differences(latest.config, config) if differences else []
            if inputs_sha and latest.inputs_sha and inputs_sha != latest.inputs_sha:
                changed.append("input files: their contents changed since the run started")
            if changed:
                raise ConfigError(refusal(self.out_dir, latest, changed))
        if latest is None and foreign and not overwrite:
            raise ConfigError(f"output.dir {self.out_dir} already holds run outputs "
                              f"({', '.join(foreign)}) but no {DB_NAME}; choose another "
                              "output.dir, or pass --overwrite to move them aside and start")
        self._conn = self._connect()
        if latest is not None and not overwrite:
            return self._resume(latest.run_id, latest.name)
        if overwrite and (latest is not None or foreign):
            move_aside(self.out_dir, latest.run_id if latest else 0)
        return self._new(name, config, inputs_sha)

    def _new(self, name: str, config: dict[str, Any], inputs_sha: str | None) -> RunState:
        conn = self._db()
        with conn:
            cursor = conn.execute(
                "INSERT INTO runs (name, started_at, config_json, status, inputs_sha) "
                "VALUES (?, ?, ?, ?, ?)", (name, _now(), _json(config), "running", inputs_sha))
        self.run_id = int(cursor.lastrowid or 0)
        (self.out_dir / BRIEFS_DIR).mkdir(parents=True, exist_ok=True)
        self.rewrite_files(ok_only=True)
        return RunState(self.run_id, name, resumed=False)

    def _resume(self, run_id: int, name: str) -> RunState:
        conn = self._db()
        self.run_id = run_id
        with conn:
            conn.execute("UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?",
                         (run_id,))
        done, failed = (conn.execute(
            "SELECT COALESCE(SUM(status = 'ok'), 0), COALESCE(SUM(status = 'failed'), 0) "
            "FROM articles WHERE run_id = ?", (run_id,)).fetchone())
        (self.out_dir / BRIEFS_DIR).mkdir(parents=True, exist_ok=True)
        self.rewrite_files(ok_only=True)  # drop a half-appended chunk; failures are redone
        self._restore_briefs()
        return RunState(run_id, name, resumed=True, done=int(done), failed=int(failed))

    def _restore_briefs(self) -> None:
        """Write again the brief of every finished article whose file is missing."""
        conn, run_id = self._open()
        ids = [row[0] for row in conn.execute(
            "SELECT article_id FROM articles WHERE run_id = ? AND status = 'ok'", (run_id,))]
        for article_id in ids:
            path = self.brief_path(article_id)
            if not path.exists():
                write_atomic(path, render_brief(self.stored_result(article_id)))

    def stored_result(self, article_id: str) -> ArticleResult:
        """One stored article of this run as an :class:`ArticleResult` (what its brief needs:
        the French title, segments, summary, scores in the order stored, flags, stats)."""
        conn, run_id = self._open()
        key = (run_id, article_id)
        (source, status, error, title_fr, title_en, flags, stats, position, verdict, reasons,
         line) = conn.execute(
            "SELECT source, status, error, title_fr, title_en, flags_json, stats_json, position, "
            "verdict, reasons_json, result_json FROM articles WHERE run_id = ? AND "
            "article_id = ?", key).fetchone()
        issues = tuple(Flag(name, json.loads(evidence), segment, scope)
                       for segment, scope, name, evidence in conn.execute(
                           "SELECT segment, scope, flag, evidence_json FROM flags WHERE run_id "
                           "= ? AND article_id = ? ORDER BY rowid", key))
        support = tuple(tuple(s) for s in json.loads(line or "{}").get("summary_support") or [])
        summary = conn.execute("SELECT summary FROM summaries WHERE run_id = ? AND "
                               "article_id = ?", key).fetchone()
        pairs = tuple(
            TranslatedSegment(Segment(article_id, paragraph, sentence, text, piece=piece,
                                      index=idx), translation, logprob)
            for idx, paragraph, sentence, piece, text, translation, logprob in conn.execute(
                "SELECT idx, paragraph, sentence, piece, source, translation, logprob FROM "
                "segments WHERE run_id = ? AND article_id = ? ORDER BY idx", key))
        scores = tuple(Score(m, v, scope, sig, idx) for m, v, scope, sig, idx in conn.execute(
            "SELECT metric, value, scope, signature, segment_index FROM scores WHERE run_id = ? "
            "AND article_id = ? ORDER BY rowid", key))
        article = Article(article_id, title_fr or "", (), source or "")
        return ArticleResult(article_id, source or "", status, error, position=position or 0,
                             article=article, title=title_en or "", segments=pairs,
                             summary=summary[0] if summary else "", scores=scores,
                             flags=tuple(json.loads(flags or "[]")),
                             stats=json.loads(stats or "{}"), issues=issues,
                             verdict=verdict or "", reasons=tuple(json.loads(reasons or "[]")),
                             support=support)

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("Store is not open: call open() first")
        return self._conn

    def _open(self) -> tuple[sqlite3.Connection, int]:
        conn = self._db()
        if self.run_id is None:
            raise RuntimeError("Store has no run: call open() first")
        return conn, self.run_id

    # --- writing ----------------------------------------------------------------------------

    def is_done(self, article_id: str, input_sha: str | None = None) -> bool:
        """Whether this run already finished ``article_id`` (status ``ok``) from the same input
        (``input_sha``: the article's text and references, see
        :func:`pipeline.records.input_sha`; an article whose input changed is done again)."""
        conn, run_id = self._open()
        row = conn.execute("SELECT status, input_sha FROM articles WHERE run_id = ? AND "
                           "article_id = ?", (run_id, article_id)).fetchone()
        if row is None or row[0] != "ok":
            return False
        return input_sha is None or row[1] is None or row[1] == input_sha

    def done_inputs(self) -> dict[str, str | None]:
        """Every article this run finished (status ``ok``): id -> input hash (see
        :meth:`is_done`, which asks the same of one article)."""
        conn, run_id = self._open()
        return dict(conn.execute("SELECT article_id, input_sha FROM articles WHERE run_id = ? "
                                 "AND status = 'ok'", (run_id,)).fetchall())

    def commit(self, results: Sequence[ArticleResult],
               evaluations: Sequence[dict[str, Any] | None] | None = None) -> None:
        """Store one chunk of finished articles: briefs, one transaction, then appended lines.

        Adding an article id again in this run replaces its rows (a retried failure).

        Args:
            results: The chunk's articles, ``ok`` or ``failed``.
            evaluations: Per result, its part of the test-set files (see
                :func:`pipeline.scoring.corpus_part`), or None.
        """
        conn, run_id = self._open()
        evaluations = evaluations or [None] * len(results)
        with deferred_interrupts():
            for result in results:
                if result.status == "ok":
                    write_atomic(self.brief_path(result.article_id), render_brief(result))
                else:  # an id committed again as a failure: its earlier brief is stale
                    self.brief_path(result.article_id).unlink(missing_ok=True)
            with conn:
                lines = [_replace_article(conn, run_id, r, e)
                         for r, e in zip(results, evaluations, strict=True)]
            self._append(self.results_path, lines)
            parts = [e for e in evaluations if e]
            if parts:
                streams = min(len(p["references"]) for p in parts)
                self._write_evaluation(iter(parts), streams, append=True)

    @staticmethod
    def _append(path: Path, lines: Sequence[str]) -> None:
        if not lines:
            return
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(f"{line}\n" for line in lines))
            handle.flush()
            os.fsync(handle.fileno())

    def rewrite_files(self, ok_only: bool = False) -> None:
        """Rebuild ``results.jsonl`` and the test-set files from the database, in input order,
        row by row (memory does not grow with the run)."""
        conn, run_id = self._open()
        where = "AND status = 'ok'" if ok_only else ""
        query = (f"SELECT result_json, eval_json FROM articles WHERE run_id = ? {where} "
                 "ORDER BY position, article_id")
        tmp = self.results_path.with_name(RESULTS_NAME + ".tmp")
        streams: int | None = None  # reference sets every article has
        with tmp.open("w", encoding="utf-8") as handle:
            for line, evaluation in conn.execute(query, (run_id,)):
                if line:
                    handle.write(line + "\n")
                if evaluation:
                    count = len(json.loads(evaluation)["references"])
                    streams = count if streams is None else min(streams, count)
        os.replace(tmp, self.results_path)
        for path in [self.out_dir / HYPOTHESES, *self.out_dir.glob("references*.en.txt")]:
            path.unlink(missing_ok=True)
        if streams is not None:
            parts = (json.loads(e) for _, e in conn.execute(query, (run_id,)) if e)
            self._write_evaluation(parts, streams)

    def _write_evaluation(self, parts: Iterator[dict[str, Any]], streams: int, *,
                          append: bool = False) -> None:
        """``hypotheses.en.txt`` and the first ``streams`` ``references*.en.txt``: appended to
        (a chunk), or written whole to temp files then renamed (a rebuild)."""
        paths = [self.out_dir / HYPOTHESES,
                 *(self.out_dir / reference_file_name(n) for n in range(streams))]
        targets = paths if append else [p.with_name(p.name + ".tmp") for p in paths]
        handles = [t.open("a" if append else "w", encoding="utf-8") for t in targets]
        try:
            for part in parts:
                handles[0].write("".join(f"{h}\n" for h in part["hypotheses"]))
                for handle, lines in zip(handles[1:], part["references"], strict=False):
                    handle.write("".join(f"{r}\n" for r in lines))
        finally:
            for handle in handles:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
        if not append:
            for path, target in zip(paths, targets, strict=True):
                os.replace(target, path)

    # --- reading back -----------------------------------------------------------------------

    def corpus_parts(self) -> list[dict[str, Any]]:
        """Every stored article's corpus part (those with references), in input order."""
        conn, run_id = self._open()
        rows = conn.execute("SELECT eval_json FROM articles WHERE run_id = ? AND eval_json IS "
                            "NOT NULL ORDER BY position, article_id", (run_id,))
        return [json.loads(row[0]) for row in rows]

    def counts(self) -> dict[str, int]:
        """Articles stored in this run: ``articles``, ``ok``, ``failed``, ``skipped``."""
        conn, run_id = self._open()
        total, ok, skipped = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(status = 'ok'), 0), COALESCE(SUM(status = "
            "'skipped'), 0) FROM articles WHERE run_id = ?", (run_id,)).fetchone()
        return {"articles": int(total), "ok": int(ok), "skipped": int(skipped),
                "failed": int(total) - int(ok) - int(skipped)}

    def mean_scores(self, prefix: str) -> dict[str, float]:
        """Mean article-level value of each metric whose name starts with ``prefix``."""
        conn, run_id = self._open()
        rows = conn.execute("SELECT metric, AVG(value) FROM scores WHERE run_id = ? AND scope = "
                            "'article' AND metric LIKE ? GROUP BY metric ORDER BY metric",
                            (run_id, prefix.replace("%", "") + "%"))
        return {metric: round(value, 4) for metric, value in rows}

    def statuses(self) -> list[tuple[str, str]]:
        """(article id, status) of every stored article of this run, in input order."""
        conn, run_id = self._open()
        return conn.execute("SELECT article_id, status FROM articles WHERE run_id = ? "
                            "ORDER BY position, article_id", (run_id,)).fetchall()

    def stored_counts(self) -> dict[str, Any]:
        """The run's recorded counts (``runs.counts_json``): timings, peak memory..."""
        conn, run_id = self._open()
        row = conn.execute("SELECT counts_json FROM runs WHERE id = ?", (run_id,)).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def results(self, status: str | None = None, limit: int | None = None
                ) -> list[dict[str, Any]]:
        """Stored ``results.jsonl`` records in input order (optionally one status, at most
        ``limit``)."""
        conn, run_id = self._open()
        where = "AND status = ?" if status else ""
        args: list[Any] = [run_id] + ([status] if status else [])
        sql = (f"SELECT result_json FROM articles WHERE run_id = ? {where} "
               "ORDER BY position, article_id")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [json.loads(row[0]) for row in conn.execute(sql, args) if row[0]]

    # --- finishing --------------------------------------------------------------------------

    def add_corpus_scores(self, scores: Sequence[Score]) -> None:
        """Store corpus-level scores (``article_id`` NULL); re-adding a metric replaces it."""
        conn, run_id = self._open()
        with conn:
            _insert_scores(conn, run_id, None, scores)

    def write_metrics(self, summary: dict[str, Any]) -> Path:
        """Write ``metrics.json`` (atomically)."""
        path = self.out_dir / METRICS
        write_atomic(path, json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
        return path

    def finish(self, counts: dict[str, Any], status: str | None = None) -> None:
        """Rewrite the files in input order, record the counts and the final status.

        Args:
            counts: Counts to record, merged into those already stored (timings, memory...).
            status: Final status; by default ``partial`` if ``counts["failed"]``, else ``ok``.
        """
        if status in (None, "ok", "partial"):
            self.rewrite_files()
        self.mark(status or ("partial" if counts.get("failed") else "ok"), counts)

    def mark(self, status: str | None, counts: dict[str, Any] | None = None) -> None:
        """Set the run's status (``interrupted``, ``ok``...; None keeps it) and merge
        ``counts`` into its recorded counts."""
        conn, run_id = self._open()
        merged = {**self.stored_counts(), **(counts or {})}
        with conn:
            if status is None:
                conn.execute("UPDATE runs SET counts_json = ? WHERE id = ?",
                             (_json(merged), run_id))
            else:
                conn.execute("UPDATE runs SET finished_at = ?, counts_json = ?, status = ? "
                             "WHERE id = ?", (_now(), _json(merged), status, run_id))

    def close(self) -> None:
        """Close the database and release the lock (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def write_config(self, resolved_yaml: str) -> Path:
        """Write ``config.resolved.yaml`` (creating the output directory if needed).

        Args:
            resolved_yaml: The resolved config, already rendered as YAML.

        Returns:
            The file's path.
        """
        self.out_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.out_dir / CONFIG_NAME, resolved_yaml)
        return self.out_dir / CONFIG_NAME

    # --- scoring a stored run again -------------------------------------------------------------

    def open_existing(self) -> RunState:
        """Open the latest run stored here to score it again (taking the lock); nothing is
        written until :meth:`rescore`.

        Raises:
            ConfigError: the folder is locked by a running process, its database is damaged,
                or its run was made by an older version.
            ConfigError: there is no stored run (``--run`` names another folder: exit code 2,
                as ``report`` says it).
        """
        if not self.db_path.is_file():
            raise ConfigError(f"--run {self.out_dir}: no {DB_NAME} there; expected the "
                              "output.dir of a run")
        if self._lock is None:
            self._lock = lock_folder(self.out_dir)
        latest = self.latest_run()
        if latest is None:
            raise ConfigError(f"--run {self.out_dir}: {DB_NAME} holds no run")
        if latest.legacy:
            raise ConfigError(f"--run {self.out_dir} holds run {latest.name!r} made by an "
                              "earlier version of this program, which cannot be scored again "
                              "(its files cannot be rebuilt from its rows); run the pipeline "
                              "again into a new output.dir, then evaluate that; nothing was "
                              "changed")
        self._conn = sqlite3.connect(self.db_path, timeout=60)  # the schema is current
        self.run_id = latest.run_id
        return RunState(self.run_id, latest.name, resumed=True, status=latest.status)

    def rescore(self, results: Sequence[ArticleResult],
                evaluations: Sequence[dict[str, Any] | None]) -> None:
        """Replace the scores, flags and stats of stored ``ok`` articles, keeping every
        translation, summary and fidelity score (one transaction), then rewrite their briefs.

        Args:
            results: Rescored articles (their segments and summaries as stored).
            evaluations: Per result, its new corpus part, or None.
        """
        conn, run_id = self._open()
        with deferred_interrupts():
            with conn:
                for result, evaluation in zip(results, evaluations, strict=True):
                    self._rescore_one(conn, run_id, result, evaluation)
            for result in results:
                write_atomic(self.brief_path(result.article_id), render_brief(result))

    @staticmethod
    def _rescore_one(conn: sqlite3.Connection, run_id: int, result: ArticleResult,
                     evaluation: dict[str, Any] | None) -> None:
        key = (run_id, result.article_id)
        conn.execute("DELETE FROM scores WHERE run_id = ? AND article_id = ? AND metric NOT "
                     "LIKE 'fidelity %'", key)
        _insert_scores(conn, run_id, result.article_id,
                       [s for s in result.scores if not s.metric.startswith("fidelity ")])
        conn.execute("UPDATE articles SET flags_json = ?, stats_json = ?, result_json = ?, "
                     "eval_json = ?, verdict = ?, reasons_json = ? WHERE run_id = ? AND "
                     "article_id = ?",
                     (_json(list(result.flags)), _json(result.stats),
                      _json(result_line(result, run_id)),
                      _json(evaluation) if evaluation else None, result.verdict or None,
                      _json(list(result.reasons)), *key))
        conn.execute("DELETE FROM flags WHERE run_id = ? AND article_id = ?", key)
        _insert_flags(conn, run_id, result)
