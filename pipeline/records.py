"""Small frozen records that flow between the stages."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

Scope = Literal["corpus", "article", "segment"]


@dataclass(frozen=True)
class Article:
    """One input article.

    Attributes:
        id: Stable identifier, unique within a run (file stem or JSONL ``id``).
        title: The title line, possibly empty.
        paragraphs: Body paragraphs in order (the title excluded).
        source: Where it came from (path, or ``path:line`` for JSONL).
        language: Source language code.
        reference: English reference: one string for the whole text (``given_segments``
            false), or a tuple with one reference per given source segment (``given_segments``
            true); None without a reference.
        reference_summary: Optional English reference summary.
        given_segments: True when ``paragraphs`` are segments given by a test set: each is
            translated as it is (split only if too long for the model) and scored against the
            reference segment at the same position.
        reference_sets: Every reference translation of the given segments, as (translator
            name, segments) pairs; the first is ``reference``. Empty for whole-text references.
        blocks: For given segments, the paragraph (``<p>``/``<h1>`` block) each belongs to, so
            that the brief keeps the test set's paragraphs; empty: one paragraph each.
        testset: The test set's name (WMT ``setid`` or file stem); empty for plain articles.
        metadata: Anything else the reader found (not used by the pipeline).
        reading: How the text was read, stored with the result: ``encoding`` (with
            "(guessed)" when inferred), ``removed_characters`` (control and bidi characters
            dropped), ``format`` (``html`` when extracted from a web page).
    """

    id: str
    title: str
    paragraphs: tuple[str, ...]
    source: str
    language: str = "fr"
    reference: str | tuple[str, ...] | None = None
    reference_summary: str | None = None
    given_segments: bool = False
    reference_sets: tuple[tuple[str, tuple[str, ...]], ...] = ()
    blocks: tuple[int, ...] = ()
    testset: str = ""
    metadata: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    reading: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @functools.cached_property
    def input_sha(self) -> str:
        """A SHA-256 of everything the article's result depends on in its input: text, title,
        references, reference summary and segmentation (computed once). A resumed run redoes an
        article whose input changed."""
        return _sha([self.id, self.title, self.paragraphs, self.reference,
                     self.reference_summary, self.given_segments, self.reference_sets,
                     self.blocks, self.testset])

    @property
    def reference_text(self) -> str:
        """The human translation as one text (given segments joined by spaces); may be empty."""
        if self.reference is None:
            return ""
        return " ".join(self.reference) if self.given_segments else str(self.reference)


@dataclass(frozen=True)
class ReadFailure:
    """An input that could not be turned into an :class:`Article` (``status`` ``failed``), or
    that is left out by the run's choice (``skipped``: not in the source language)."""

    id: str
    source: str
    message: str
    status: Literal["failed", "skipped"] = "failed"

    @functools.cached_property
    def input_sha(self) -> str:
        """A SHA-256 of the failure (its id and message), as :attr:`Article.input_sha`."""
        return _sha(["failure", self.id, self.message])


@dataclass(frozen=True)
class Segment:
    """One unit of translation; carries its ids so batches can mix articles.

    ``paragraph`` is -1 for the title. ``piece`` numbers the parts of a sentence that had to be
    broken because it was too long for the model (0 for an unbroken sentence); ``sentence``
    counts sentences within the paragraph.
    """

    article_id: str
    paragraph: int
    sentence: int
    source: str
    piece: int = 0
    index: int = 0


@dataclass(frozen=True)
class TranslatedSegment:
    """A segment with its translation.

    ``logprob``: the model's mean natural log-probability per generated token of the
    translation (end token included when generated; see :func:`pipeline.hf.mean_logprobs`),
    in (-inf, 0]; None for a segment kept as it is, or a translation without one (a memory
    entry stored without it, or a backend that gives none).
    """

    segment: Segment
    translation: str
    logprob: float | None = None


@dataclass(frozen=True)
class Score:
    """One metric value with where it applies and how it was computed."""

    metric: str
    value: float
    scope: Scope
    signature: str = ""
    segment_index: int | None = None


@dataclass(frozen=True)
class Flag:
    """One quality check that fired, with its evidence (see :mod:`pipeline.quality`).

    Attributes:
        name: The check, kebab-case (``numbers-changed``, ``invented-name``...).
        evidence: What was expected and what was found (JSON-serialisable; ``expected`` and
            ``found`` keys at least).
        segment: The flagged segment's index within its article (``Segment.index``); None for
            a flag on the summary.
        scope: ``segment`` or ``summary``.
    """

    name: str
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    segment: int | None = None
    scope: str = "segment"

    def as_dict(self) -> dict[str, Any]:
        """The flag as stored in ``results.jsonl``."""
        return {"flag": self.name, "scope": self.scope, "segment": self.segment,
                "evidence": self.evidence}


def evidence_text(value: Any) -> str:
    """One value of a flag's evidence as a reader sees it: a list joined by commas ("(none)"
    when empty), anything else as text."""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


@dataclass(frozen=True)
class ArticleResult:
    """Everything the pipeline produced for one article."""

    article_id: str
    source: str
    status: Literal["ok", "failed", "skipped"]
    error: str | None = None  # why it failed or was skipped
    position: int = 0  # the input's place in the run's input order (results are kept in it)
    input_sha: str | None = None  # the input's Article.input_sha: what the result was made from
    article: Article | None = None
    title: str = ""
    segments: tuple[TranslatedSegment, ...] = ()
    summary: str = ""
    scores: tuple[Score, ...] = ()
    flags: tuple[str, ...] = ()  # the names of the checks that fired (see ``issues``)
    stats: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    issues: tuple[Flag, ...] = ()  # every flag with its segment and evidence
    verdict: str = ""  # "ok" or "review" for a translated article (see pipeline.quality.verdict)
    reasons: tuple[str, ...] = ()  # why the verdict is "review", in words
    support: tuple[tuple[int, ...], ...] = ()  # per summary sentence, its supporting sentences

    @property
    def paragraphs(self) -> list[str]:
        """The English body, one string per source paragraph (title excluded)."""
        grouped: dict[int, list[str]] = {}
        for item in self.segments:
            if item.segment.paragraph >= 0:
                grouped.setdefault(item.segment.paragraph, []).append(item.translation)
        return [" ".join(t for t in parts if t) for _, parts in sorted(grouped.items())]

    @property
    def is_triage(self) -> bool:
        """A triage brief (``translate.scope: brief``): only the title and the summary
        sentences were translated."""
        return self.stats.get("scope") == "brief"

    @property
    def translation(self) -> str:
        """The English body with paragraphs separated by blank lines."""
        return "\n\n".join(self.paragraphs)



def _sha(fields: list[Any]) -> str:
    blob = json.dumps(fields, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()
