"""What a reader reads: the Markdown brief of an article, and its ``results.jsonl`` record.

Pure functions of an :class:`ArticleResult`; :mod:`pipeline.store` writes what they return.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from pipeline.records import ArticleResult, Score
from pipeline.rundir import DB_NAME

_UNSAFE_CHARS = re.compile(r"[^\w.\-]+")


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
