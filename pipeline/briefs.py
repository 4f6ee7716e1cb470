"""What a reader reads: the Markdown brief of an article, and its ``results.jsonl`` record.

Pure functions of an :class:`ArticleResult`; :mod:`pipeline.store` writes what they return.

Everything in a brief that comes from an article or a model (titles, summary, paragraphs, source,
flags, stats) is escaped with :func:`markdown_text` or :func:`markdown_inline`, so that any
CommonMark renderer shows it as the text it is: no HTML, no links or images, no headings or lists
that the text did not ask for, and no control or bidirectional-override characters.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from pipeline.records import ArticleResult, Score, evidence_text
from pipeline.rundir import DB_NAME

_UNSAFE_CHARS = re.compile(r"[^\w.\-]+")

# C0 controls except tab and newline, DEL, C1 controls, and the bidirectional embeddings,
# overrides (U+202A-U+202E) and isolates (U+2066-U+2069) that can make text read otherwise.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Characters CommonMark (and GitHub's tables and strikethrough) may read as syntax anywhere in
# a line: backslash, code, emphasis, links, HTML and autolinks, headings, tables, strikethrough.
_SYNTAX = re.compile(r"([\\`*_\[\]<>#|~])")
_IMAGE = re.compile(r"!(?=\\\[)")  # "!" before an (already escaped) "["
# An entity or numeric character reference, which a renderer would turn into another character.
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)")
# At the start of a line: list bullets, setext underlines and thematic breaks, ordered lists.
_LINE_START = re.compile(r"^(?:([-+=])|([0-9]{1,9})([.)]))")


def _plain(text: str) -> str:
    """``text`` with line ends as ``\\n`` and control and bidi-override characters removed."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _escape_inline(text: str) -> str:
    """Text with every character CommonMark could read as syntax within a line escaped."""
    text = _SYNTAX.sub(r"\\\1", text)
    text = _IMAGE.sub(r"\\!", text)
    return _ENTITY.sub(r"\\&", text)


def _escape_line(line: str) -> str:
    """One stripped line escaped as :func:`_escape_inline`, and its start as a line's."""
    line = _escape_inline(line)
    return _LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", line)


def markdown_text(text: str) -> str:
    """Text as Markdown that renders as exactly that text, line breaks kept as line breaks.

    Control and bidi-override characters are removed and each line is stripped (leading spaces
    would make code blocks, trailing ones hard breaks). Escaped with a backslash: ``\\``,
    backticks, ``*``, ``_``, ``[``, ``]``, ``<``, ``>``, ``#``, ``|``, ``~`` anywhere; ``!``
    before ``[``; ``&`` where it would start a character reference; ``-``, ``+``, ``=`` and the
    ``.`` or ``)`` of ``1.`` at the start of a line. Other punctuation is left as it is.

    Args:
        text: Text from an article or a model.

    Returns:
        The Markdown source; blank lines (paragraph breaks) are kept.
    """
    return "\n".join(_escape_line(line.strip()) for line in _plain(text).split("\n"))


def markdown_inline(text: str) -> str:
    """Text as Markdown inside a line, after other text (a heading, a table cell, emphasis).

    As :func:`markdown_text`, but every run of whitespace, line breaks included, becomes one
    space, and the start is not escaped as a line's start (it never is one).

    Args:
        text: Text from an article or a model.

    Returns:
        One line of Markdown source.
    """
    return _escape_inline(" ".join(_plain(text).split()))


def _code(text: str) -> str:
    """A code span for a name (source, flag); text that could end it early or start an HTML tag
    inside it (a backtick or ``<``) is escaped as plain text instead."""
    flat = " ".join(_plain(text).split())
    if not flat or "`" in flat or "<" in flat:
        return markdown_inline(flat)
    return f"`{flat}`"


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
        "scope": result.stats.get("scope", "full"),
        # a triage brief translated only the title and the summary sentences: no translation
        "translation": None if result.is_triage or result.status != "ok"
        else result.translation,
        "summary": result.summary,
        "scores": [_score_dict(s) for s in result.scores],
        "flags": list(result.flags),
        "verdict": result.verdict or None,
        "verdict_reasons": list(result.reasons),
        "flag_details": [flag.as_dict() for flag in result.issues],
        "summary_support": [list(s) for s in result.support],
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
        lines += [f"| {markdown_inline(s.metric)} | {_value(s)} | {markdown_inline(s.scope)} |"
                  for s in shown]
    else:
        lines.append("_No scores (no reference for this article)._")
    per_segment = len(result.scores) - len(shown)
    if per_segment:
        lines += ["", f"{per_segment} segment-level scores are in `{DB_NAME}`."]
    if result.flags:
        lines += ["", "Flags: " + ", ".join(_code(flag) for flag in result.flags)]
    return lines


def _verdict_line(result: ArticleResult) -> list[str]:
    """**Verdict: review** and its reasons (or **ok**), under the origin line."""
    if not result.verdict:
        return []
    line = f"**Verdict: {markdown_inline(result.verdict)}**"
    if result.reasons:
        line += ": " + "; ".join(markdown_inline(r) for r in result.reasons)
    return [line, ""]


def _checks_section(result: ArticleResult) -> list[str]:
    """Each flag with the text it is about and its evidence (expected, found)."""
    if not result.issues:
        return []
    sources = dict(enumerate(result.segments))  # a segment's index is its place in the article
    lines = ["## Checks", ""]
    for flag in result.issues:
        where = "summary"
        if flag.segment is not None and flag.segment in sources:
            pair = sources[flag.segment]
            where = f"segment {flag.segment}: {markdown_inline(pair.segment.source)}"
        evidence = "; ".join(f"{markdown_inline(str(k))}: {markdown_inline(evidence_text(v))}"
                             for k, v in flag.evidence.items())
        lines.append(f"- {_code(flag.name)} ({where}){': ' + evidence if evidence else ''}")
    return [*lines, ""]


def _footer(result: ArticleResult) -> list[str]:
    """A one-line footer with the article's scalar stats (segments, splits, ...)."""
    stats = {k: v for k, v in result.stats.items() if isinstance(v, (int, float, str, bool))}
    if not stats:
        return []
    shown = " · ".join(f"{markdown_inline(str(k))}: {markdown_inline(str(v))}"
                       for k, v in stats.items())
    return ["---", "", f"_{shown}_", ""]


def _triage_note(stats: dict[str, Any]) -> str:
    """What a triage brief is: which part of the article was translated."""
    chosen, total = stats.get("summary_sentences", "?"), stats.get("source_sentences", "?")
    if chosen == total:
        return (f"_The article is within the summary's budget: all of its {total} "
                f"sentence{'' if total == 1 else 's'} were translated (`translate.scope: "
                "brief`), and they are the summary._")
    these = "this 1" if chosen == 1 else f"these {chosen}"
    return (f"_Only the title and {these} of the article's {total} sentences, chosen "
            "from the French, were translated (`translate.scope: brief`); the full translation "
            "was not made._")


def render_brief(result: ArticleResult) -> str:
    """The Markdown brief of one article: title, origin, summary, translation, scores.

    Every text from the article or a model is escaped (see :func:`markdown_text`), so the brief
    renders that text and nothing else.

    Args:
        result: A finished article.

    Returns:
        The brief as Markdown text, ending with a newline.
    """
    title_fr = markdown_inline(result.article.title if result.article else "")
    origin = f"Source: {_code(result.source)}"
    if title_fr:
        origin += f" — French title: *{title_fr}*"
    title = markdown_inline(result.title) or markdown_inline(result.article_id)
    lines = [f"# {title}", "", origin, "", *_verdict_line(result)]
    summary = markdown_text(result.summary).strip("\n")
    if result.is_triage:
        lines += ["## Triage brief", "", _triage_note(result.stats), "",
                  summary or "_No summary._", ""]
    else:
        lines += ["## Summary", "", summary or "_No summary._", "", "## Translation", ""]
        for paragraph in result.paragraphs:
            lines += [markdown_text(paragraph), ""]
    lines += _checks_section(result) + _scores_section(result) + [""] + _footer(result)
    return "\n".join(lines).rstrip("\n") + "\n"
