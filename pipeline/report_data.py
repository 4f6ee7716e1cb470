"""What ``report.html`` shows, read from a run's ``pipeline.sqlite`` (see :mod:`html_report`).

Reads only, and only what a database has: runs stored before verdicts, flag rows or summary
support were recorded give empty values (shown as "—"), never an error. The index holds one
small row per article; each translated article's segments, flags and scores are read when the
page reaches it, so memory does not grow with the run.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from .errors import ConfigError

KEY_METRICS = ("chrF++", "BLEU")  # the index's score columns
#: Translated articles shown in full (in input order); the index links the others to their
#: brief, so that a run of 50,000 articles gives a page a browser still opens (about 6 KB per
#: article of a dozen sentences).
MAX_SECTIONS = 1000
CHART_METRIC = "chrF++"  # the per-segment chart's metric
GROUPS = (("review", "review"), ("ok", "ok"), ("failed", "failed"), ("skipped", "skipped"),
          ("none", "no verdict"))


@dataclass
class IndexRow:
    """One article in the index."""

    number: int  # its place in the report (anchors are built from it, never from the id)
    article_id: str
    source: str
    status: str
    error: str
    title_fr: str
    title_en: str
    summary: str
    verdict: str  # "ok", "review" or "" (not recorded)
    reasons: list[str]
    flags: list[tuple[str, int]]  # check name, how many times it fired
    scores: dict[str, float]  # KEY_METRICS at article scope
    stats: dict[str, Any] = field(repr=False)  # segments, language, encoding...
    result: dict[str, Any] = field(repr=False)  # the results.jsonl line, less its texts
    detailed: bool = False  # whether the page has a section for it (see MAX_SECTIONS)

    @property
    def anchor(self) -> str:
        """The id of the article's section."""
        return f"article-{self.number}"

    @property
    def brief(self) -> str:
        """The relative address of the article's Markdown brief (``ok`` articles have one)."""
        from urllib.parse import quote

        from .briefs import brief_name

        return f"briefs/{quote(brief_name(self.article_id), errors='replace')}"

    @property
    def group(self) -> str:
        """What the verdict filter calls it: review, ok, failed, skipped or none."""
        if self.status != "ok":
            return self.status if self.status in ("failed", "skipped") else "failed"
        return self.verdict if self.verdict in ("ok", "review") else "none"


@dataclass
class RunData:
    """A stored run with its article index."""

    run_id: int
    row: dict[str, Any]
    config: dict[str, Any]
    counts: dict[str, Any]
    index: list[IndexRow]
    corpus_scores: list[dict[str, Any]]
    segment_count: int
    columns: dict[str, set[str]]  # table -> its columns, as this database has them
    run_ids: list[int]

    @property
    def total(self) -> int:
        """Articles stored in the run."""
        return len(self.index)

    @property
    def detailed(self) -> int:
        """Translated articles the page shows in full."""
        return sum(row.detailed for row in self.index)

    @property
    def undetailed(self) -> int:
        """Translated articles the page has no section for (past MAX_SECTIONS)."""
        return sum(row.status == "ok" and not row.detailed for row in self.index)

    def groups(self) -> list[tuple[str, str, int]]:
        """(group, label, count) for the filter: the four verdict/status groups always, "no
        verdict" only where some article has none."""
        counts = {name: 0 for name, _ in GROUPS}
        for row in self.index:
            counts[row.group] += 1
        return [(name, label, counts[name]) for name, label in GROUPS
                if name != "none" or counts[name]]


def _json(text: Any, default: Any) -> Any:
    """A stored JSON value, or ``default`` when missing or unreadable."""
    if not text:
        return default
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return default
    return value if isinstance(value, type(default)) else default


def _columns(conn: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: {r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')} for t in tables}


def load_run(conn: sqlite3.Connection, run_id: int | None = None) -> RunData:
    """The run (the latest when ``run_id`` is None) and its article index.

    Raises:
        ConfigError: the database holds no run, or not that one.
    """
    columns = _columns(conn)
    if "runs" not in columns or "articles" not in columns:
        raise ConfigError("the database holds no run (no runs table); expected the "
                          "pipeline.sqlite of a run")
    run_ids = [r[0] for r in conn.execute("SELECT id FROM runs ORDER BY id")]
    if not run_ids:
        raise ConfigError("the database holds no run")
    run_id = run_ids[-1] if run_id is None else run_id
    if run_id not in run_ids:
        raise ConfigError(f"--run-id {run_id}: no such run; the database holds runs "
                          f"{', '.join(map(str, run_ids))}")
    row = dict(conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone())
    segment_count = conn.execute("SELECT COUNT(*) FROM segments WHERE run_id = ?",
                                 (run_id,)).fetchone()[0] if "segments" in columns else 0
    return RunData(run_id, row, _json(row.get("config_json"), {}),
                   _json(row.get("counts_json"), {}), _index(conn, run_id, columns),
                   _corpus_scores(conn, run_id, columns), int(segment_count), columns, run_ids)


def _corpus_scores(conn: sqlite3.Connection, run_id: int, columns: dict[str, set[str]]
                   ) -> list[dict[str, Any]]:
    if "scores" not in columns:
        return []
    return [dict(r) for r in conn.execute(
        "SELECT metric, value, signature FROM scores WHERE run_id = ? AND scope = 'corpus' "
        "ORDER BY rowid", (run_id,))]


def _index(conn: sqlite3.Connection, run_id: int, columns: dict[str, set[str]]
           ) -> list[IndexRow]:
    order = "position, article_id" if "position" in columns["articles"] else "rowid"
    summaries = ", (SELECT summary FROM summaries s WHERE s.run_id = a.run_id AND " \
                "s.article_id = a.article_id) AS summary_text" if "summaries" in columns else ""
    rows = conn.execute(f"SELECT a.*{summaries} FROM articles a WHERE run_id = ? "
                        f"ORDER BY {order}", (run_id,))
    scores = _key_scores(conn, run_id, columns)
    counted = _flag_counts(conn, run_id, columns)
    index = []
    sections = MAX_SECTIONS
    for number, row in enumerate(rows, start=1):
        data = dict(row)
        result = _json(data.get("result_json"), {})
        article_id = str(data["article_id"])
        verdict = data.get("verdict") or result.get("verdict") or ""
        reasons = _json(data.get("reasons_json"), []) or list(result.get("verdict_reasons") or [])
        names = _json(data.get("flags_json"), []) or list(result.get("flags") or [])
        flags = counted.get(article_id) or [(str(n), 1) for n in names]
        index.append(IndexRow(
            number, article_id, data.get("source") or "", data.get("status") or "failed",
            data.get("error") or "", data.get("title_fr") or "", data.get("title_en") or "",
            data.get("summary_text") or result.get("summary") or "", str(verdict),
            [str(r) for r in reasons], flags, scores.get(article_id, {}),
            _json(data.get("stats_json"), {}) or dict(result.get("stats") or {}),
            {k: v for k, v in result.items()
             if k in ("summary_support", "flag_details", "verdict_reasons")},
            detailed=data.get("status") == "ok" and sections > 0))
        sections -= index[-1].detailed
    return index


def _key_scores(conn: sqlite3.Connection, run_id: int, columns: dict[str, set[str]]
                ) -> dict[str, dict[str, float]]:
    if "scores" not in columns:
        return {}
    found: dict[str, dict[str, float]] = {}
    marks = ", ".join("?" for _ in KEY_METRICS)
    for article_id, metric, value in conn.execute(
            f"SELECT article_id, metric, value FROM scores WHERE run_id = ? AND scope = "
            f"'article' AND metric IN ({marks})", (run_id, *KEY_METRICS)):
        found.setdefault(str(article_id), {})[metric] = value
    return found


def _flag_counts(conn: sqlite3.Connection, run_id: int, columns: dict[str, set[str]]
                 ) -> dict[str, list[tuple[str, int]]]:
    """Per article, each check that fired and how often (from the ``flags`` table)."""
    if "flags" not in columns:
        return {}
    found: dict[str, list[tuple[str, int]]] = {}
    for article_id, flag, count in conn.execute(
            "SELECT article_id, flag, COUNT(*) FROM flags WHERE run_id = ? GROUP BY "
            "article_id, flag ORDER BY article_id, MIN(rowid)", (run_id,)):
        found.setdefault(str(article_id), []).append((str(flag), int(count)))
    return found


# --- one article ---------------------------------------------------------------------------


def load_article(conn: sqlite3.Connection, run: RunData, row: IndexRow) -> dict[str, Any]:
    """Everything the article's section shows: paragraphs (French beside English, flags by
    segment), the summary with its support, scores and the segment chart."""
    key = (run.run_id, row.article_id)
    logprob = ", logprob" if "logprob" in run.columns.get("segments", set()) else ""
    segments = [dict(r) for r in conn.execute(
        f"SELECT idx, paragraph, sentence, piece, source, translation{logprob} FROM segments "
        "WHERE run_id = ? AND article_id = ? ORDER BY idx", key)
    ] if "segments" in run.columns else []
    flags = _flags(conn, run, row)
    by_segment: dict[int, list[dict[str, Any]]] = {}
    for flag in flags:
        if flag["segment"] is not None and flag["scope"] != "summary":
            by_segment.setdefault(flag["segment"], []).append(flag)
    for segment in segments:
        segment["flags"] = by_segment.pop(segment["idx"], [])
    scores = [dict(r) for r in conn.execute(
        "SELECT metric, value, scope, signature, segment_index FROM scores WHERE run_id = ? "
        "AND article_id = ? ORDER BY rowid", key)] if "scores" in run.columns else []
    summary_flags = [f for f in flags if f["segment"] is None or f["scope"] == "summary"]
    return {
        "row": row,
        "paragraphs": [(p, list(g)) for p, g in groupby(segments, key=lambda s: s["paragraph"])],
        "flagged": any(s["flags"] for s in segments),
        "stray_flags": [f for fs in by_segment.values() for f in fs],  # segment not stored
        "summary": _summary(row.summary, row.result.get("summary_support"), segments,
                            summary_flags),
        "scores": [s for s in scores if s["scope"] != "segment"],
        "chart": _chart(segments, [s for s in scores if s["scope"] == "segment"
                                   and s["metric"] == CHART_METRIC]),
        "stats": _stats(row.stats),
    }


def _flags(conn: sqlite3.Connection, run: RunData, row: IndexRow) -> list[dict[str, Any]]:
    """The article's flags with evidence: the ``flags`` table, else the results line's
    ``flag_details``, else (older runs) the segments each check fired on, from its stats."""
    raw: list[tuple[Any, str, str, Any]] = []
    if "flags" in run.columns:
        raw = [(s, scope, name, _json(evidence, {})) for s, scope, name, evidence in conn.execute(
            "SELECT segment, scope, flag, evidence_json FROM flags WHERE run_id = ? AND "
            "article_id = ? ORDER BY rowid", (run.run_id, row.article_id))]
    if not raw:
        raw = [(d.get("segment"), d.get("scope") or "segment", d.get("flag") or "?",
                d.get("evidence") or {}) for d in row.result.get("flag_details") or []
               if isinstance(d, dict)]
    if not raw:
        fired = row.stats.get("flagged_segments")
        raw = [(i, "segment", name, {}) for name, indices in
               (fired.items() if isinstance(fired, dict) else ()) for i in indices or ()]
    return [{"segment": s if isinstance(s, int) else None, "scope": str(scope),
             "name": str(name), "evidence": _evidence(evidence)}
            for s, scope, name, evidence in raw]


def _evidence(evidence: Any) -> list[tuple[str, str]]:
    """Evidence as (key, text) pairs: lists joined by commas."""
    if not isinstance(evidence, dict):
        return [("evidence", str(evidence))] if evidence else []
    from .records import evidence_text

    return [(str(key), evidence_text(value)) for key, value in evidence.items()]


def _summary(summary: str, support: Any, segments: list[dict[str, Any]],
             flags: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary as sentences, each with the translated sentences that support it and the
    summary flags about it (``summary_sentence`` in their evidence); the other flags apart."""
    from .metrics import split_sentences

    support = support if isinstance(support, list) else []
    sentences = split_sentences(summary) if summary.strip() else []
    if support and len(sentences) != len(support):  # split otherwise than when it was checked
        sentences = [summary] if len(support) == 1 else sentences
    by_idx = {s["idx"]: s for s in segments}
    pieces: dict[tuple[Any, Any], list[dict[str, Any]]] = {}
    for s in segments:  # a sentence broken for the model: its pieces, in order
        pieces.setdefault((s["paragraph"], s["sentence"]), []).append(s)

    def whole(i: int) -> dict[str, Any]:
        """Segment ``i`` with the rest of its sentence's pieces (support names the first)."""
        first = by_idx.get(i)
        if first is None:
            return {"idx": i, "translation": "(not stored)", "source": ""}
        parts = pieces.get((first["paragraph"], first["sentence"]), [first])
        if len(parts) < 2:
            return first
        return {**first, "translation": " ".join(p["translation"] for p in parts),
                "source": " ".join(p["source"] for p in parts)}

    items = []
    for number in range(max(len(sentences), len(support))):
        indices = support[number] if number < len(support) else []
        items.append({"text": sentences[number] if number < len(sentences) else "",
                      "support": [whole(i) for i in indices if isinstance(i, int)],
                      "flags": []})
    loose = []
    for flag in flags:
        place = dict(flag["evidence"]).get("summary_sentence")
        # where the flag sits says which sentence it is about: its evidence need not
        shown = [(k, v) for k, v in flag["evidence"] if k != "summary_sentence"]
        if place is not None and place.isdigit() and int(place) < len(items):
            shown = [(k, v) for k, v in shown if k != "sentence"]
            items[int(place)]["flags"].append({**flag, "evidence": shown})
        else:
            loose.append({**flag, "evidence": shown})
    return {"items": items, "flags": loose, "has_support": bool(support)}


def _chart(segments: list[dict[str, Any]], scores: list[dict[str, Any]]
           ) -> dict[str, Any] | None:
    """Bars of a per-segment metric (0-100), geometry precomputed for a 640x120 SVG (axis
    labels in its left 28 units); each bar's tooltip names the scored sentence (a score's
    index counts the body's sentences)."""
    if not scores:
        return None
    body = [s for s in segments if s["paragraph"] >= 0]
    sentences = [" ".join(s["translation"] for s in group) for _, group in
                 groupby(body, key=lambda s: (s["paragraph"], s["sentence"]))]
    width, height, left = 640.0, 120.0, 28.0  # left: room for the axis labels
    step = min((width - left) / len(scores), 32.0)  # a few sentences: narrow bars, not slabs
    bars = []
    for n, score in enumerate(sorted(scores, key=lambda s: s["segment_index"] or 0)):
        value = max(0.0, min(100.0, float(score["value"])))
        index = score["segment_index"] or 0
        text = sentences[index] if index < len(sentences) else ""
        bars.append({"x": round(left + n * step + step * 0.1, 2),
                     "w": round(max(step * 0.8, 0.5), 2),
                     "y": round(height - value * height / 100, 2),
                     "h": round(value * height / 100, 2), "low": value < 30,
                     "label": f"sentence {index + 1}: {score['value']:.1f}",
                     "text": text[:200]})
    mean = sum(float(s["value"]) for s in scores) / len(scores)
    return {"bars": bars, "width": width, "height": height, "left": left, "mean": mean,
            "metric": CHART_METRIC, "count": len(scores)}


def _stats(stats: dict[str, Any]) -> list[tuple[str, str]]:
    """The article's scalar stats (segments, language, encoding...) as (name, text)."""
    return [(str(k), json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else str(v))
            for k, v in stats.items() if k != "flagged_segments"]
