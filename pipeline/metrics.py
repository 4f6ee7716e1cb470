"""Reference-based metrics: sacrebleu (BLEU, chrF++, TER) and rouge-score (ROUGE).

Every value comes back as a :class:`~pipeline.records.Score` that carries the metric's name, its
scope and the signature needed to reproduce it. All values are on a 0-100 scale: BLEU, chrF++ and
TER exactly as sacrebleu reports them (TER can exceed 100), and ROUGE F-measures multiplied by 100
so that one table can hold every metric.

sacrebleu and rouge-score are imported inside the functions that use them, so importing this module
costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from pipeline.errors import ConfigError, InputError
from pipeline.records import Scope, Score

if TYPE_CHECKING:
    from sacrebleu.metrics.base import Metric


class UnknownMetricError(ConfigError, ValueError):
    """A metric name that is not in :data:`METRICS`."""


class ScoringInputError(InputError, ValueError):
    """Hypotheses and references that cannot be scored together (counts, nesting, emptiness)."""


class MetricSpec(NamedTuple):
    """A registered corpus metric: its display name and a factory for a fresh sacrebleu object.

    The factory takes ``sentence``: True when the object will score single segments.
    """

    display: str
    factory: Callable[[bool], Metric]


def _bleu(sentence: bool) -> Metric:
    from sacrebleu.metrics import BLEU

    # Without effective order a short segment with no 4-gram match scores 0 whatever else matches.
    return BLEU(effective_order=sentence)


def _chrf(sentence: bool) -> Metric:
    from sacrebleu.metrics import CHRF

    return CHRF(word_order=2)  # word bigrams on top of character 6-grams: chrF++


def _ter(sentence: bool) -> Metric:
    from sacrebleu.metrics import TER

    return TER()


METRICS: dict[str, MetricSpec] = {
    "bleu": MetricSpec("BLEU", _bleu),
    "chrf": MetricSpec("chrF++", _chrf),
    "ter": MetricSpec("TER", _ter),
}

DEFAULT_METRICS: tuple[str, ...] = tuple(METRICS)


def get_metric(name: str) -> MetricSpec:
    """Looks a metric up in the registry.

    Raises:
        UnknownMetricError: ``name`` is not registered; the message lists the registered names.
    """
    try:
        return METRICS[name.lower()]
    except KeyError:
        known = ", ".join(sorted(METRICS))
        raise UnknownMetricError(
            f"unknown metric {name!r}; registered metrics: {known} (fix the metrics list)"
        ) from None


def reference_streams(
    references: Sequence[str] | Sequence[Sequence[str]], n_hypotheses: int
) -> list[list[str]]:
    """Nests references the way sacrebleu expects them and checks their lengths.

    sacrebleu takes a list of reference *streams*, each holding one reference per hypothesis.
    Given a flat list of strings it would read each string as a stream of characters and silently
    score near 0, so a flat list is wrapped here as the single stream it is.

    Args:
        references: One stream (a flat list of strings, one per hypothesis), or several streams.
        n_hypotheses: How many hypotheses the references must cover.

    Returns:
        A list of streams, each a list of ``n_hypotheses`` strings.

    Raises:
        ScoringInputError: Not strings or lists of strings, no stream, or a stream whose length
            differs from ``n_hypotheses``.
    """
    if isinstance(references, str):
        raise ScoringInputError(
            "references must be a list with one string per hypothesis, not a single string; "
            "wrap it in a list"
        )
    items = list(references)
    if all(isinstance(item, str) for item in items) and items:
        streams = [items]
    elif items and all(_is_stream(item) for item in items):
        streams = [list(stream) for stream in items]
    else:
        raise ScoringInputError(
            "references must be a non-empty list of strings (one stream) or a list of such "
            "lists (several streams)"
        )
    for number, stream in enumerate(streams, start=1):
        if len(stream) != n_hypotheses:
            raise ScoringInputError(
                f"{n_hypotheses} hypotheses but {len(stream)} references in stream {number}; "
                "every reference stream needs exactly one reference per hypothesis"
            )
    return streams


def _is_stream(item: object) -> bool:
    return (
        isinstance(item, Sequence)
        and not isinstance(item, str)
        and all(isinstance(ref, str) for ref in item)
    )


def _check_hypotheses(hypotheses: Sequence[str]) -> list[str]:
    if isinstance(hypotheses, str) or not all(isinstance(h, str) for h in hypotheses):
        raise ScoringInputError("hypotheses must be a list of strings, one per segment")
    if not hypotheses:
        raise ScoringInputError("no hypotheses to score; give at least one segment")
    return list(hypotheses)


def corpus_scores(
    hypotheses: Sequence[str],
    references: Sequence[str] | Sequence[Sequence[str]],
    metrics: Sequence[str] = DEFAULT_METRICS,
    scope: Scope = "corpus",
) -> list[Score]:
    """Scores a system output against one or more reference streams.

    Args:
        hypotheses: One translation per segment.
        references: One reference stream (flat list, one string per hypothesis) or several
            streams (list of such lists); see :func:`reference_streams`.
        metrics: Registered metric names (keys of :data:`METRICS`).
        scope: Scope recorded on each score.

    Returns:
        One :class:`Score` per metric, in the order asked, each with its sacrebleu signature.

    Raises:
        UnknownMetricError: A metric name is not registered.
        ScoringInputError: Hypotheses and references do not line up.
    """
    specs = [get_metric(name) for name in metrics]
    hyps = _check_hypotheses(hypotheses)
    streams = reference_streams(references, len(hyps))
    scores = []
    for spec in specs:
        metric = spec.factory(False)
        result = metric.corpus_score(hyps, streams)
        signature = str(metric.get_signature())
        scores.append(Score(spec.display, float(result.score), scope, signature))
    return scores


def _one_line(text: str) -> str:
    # A whole article is one segment here; sacrebleu's tokenizers are line-oriented.
    return " ".join(text.split())


def article_scores(
    hypothesis: str, reference: str, metrics: Sequence[str] = DEFAULT_METRICS
) -> list[Score]:
    """Scores a whole translated text against its reference as one segment (scope ``article``).

    Paragraph breaks and runs of whitespace are collapsed to single spaces first.
    """
    return corpus_scores([_one_line(hypothesis)], [_one_line(reference)], metrics, "article")


def segment_scores(
    hypotheses: Sequence[str],
    references: Sequence[str] | Sequence[Sequence[str]],
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> list[Score]:
    """Scores every segment on its own (sentence BLEU with effective order, chrF++, TER).

    Args:
        hypotheses: One translation per segment.
        references: As for :func:`corpus_scores`.
        metrics: Registered metric names.

    Returns:
        Scores grouped by segment, metrics in the order asked, each with ``segment_index`` set.
    """
    specs = [get_metric(name) for name in metrics]
    hyps = _check_hypotheses(hypotheses)
    streams = reference_streams(references, len(hyps))
    scorers = [(spec.display, spec.factory(True)) for spec in specs]
    scores = []
    for index, hyp in enumerate(hyps):
        refs = [stream[index] for stream in streams]
        for display, metric in scorers:
            value = float(metric.sentence_score(hyp, refs).score)
            signature = str(metric.get_signature())
            scores.append(Score(display, value, "segment", signature, segment_index=index))
    return scores


ROUGE_TYPES: dict[str, str] = {
    "rouge1": "ROUGE-1",
    "rouge2": "ROUGE-2",
    "rougeL": "ROUGE-L",
    "rougeLsum": "ROUGE-Lsum",
}

# The splitter that finds English sentences for ROUGE-Lsum (and names itself in the signature).
SENTENCE_SPLITTER = "sentencex"


def split_sentences(text: str) -> list[str]:
    """Splits English text into sentences for ROUGE-Lsum.

    Every line break ends a sentence; within a line, sentences are found by ``sentencex``
    (Wikimedia's rule-based segmenter), which knows English abbreviations, so "Mr. Smith" and
    "the U.S. economy" stay whole and "3.5" is not a sentence end.

    Args:
        text: English text, possibly over several lines.

    Returns:
        The sentences in order, each stripped of surrounding whitespace; no empty strings.
    """
    from sentencex import segment

    sentences: list[str] = []
    for line in text.splitlines():
        if line.strip():
            sentences.extend(s.strip() for s in segment("en", line) if s.strip())
    return sentences


def _installed(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def rouge_signature() -> str:
    """Describes how ROUGE is computed here: rouge-score's version, stemming, the F-measure, and
    the sentence splitter (with its version) that ROUGE-Lsum's sentences come from."""
    splitter = f"{SENTENCE_SPLITTER}-{_installed(SENTENCE_SPLITTER)}"
    return (
        f"rouge-score|stemmer:yes|f-measure|lsum:{splitter}|version:{_installed('rouge-score')}"
    )


def rouge_scores(summary: str, reference: str) -> list[Score]:
    """ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F-measures of a summary, on a 0-100 scale.

    ROUGE-L is the longest common subsequence over the whole text taken as one token sequence;
    ROUGE-Lsum is the summary-level (union) LCS over sentences. rouge-score finds sentences for
    ROUGE-Lsum only at newlines, so both texts are split with :func:`split_sentences` (line breaks
    and ``sentencex``) and joined with ``"\\n"`` first; ROUGE-1/2/L ignore the newlines. Tokens
    are lowercased and Porter-stemmed.

    Args:
        summary: The generated summary.
        reference: The reference summary.

    Returns:
        Four scores (scope ``article``) named as in :data:`ROUGE_TYPES`.
    """
    from rouge_score.rouge_scorer import RougeScorer

    scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    target = "\n".join(split_sentences(reference))
    prediction = "\n".join(split_sentences(summary))
    results = scorer.score(target, prediction)  # rouge-score takes the reference first
    signature = rouge_signature()
    return [
        Score(name, 100.0 * results[key].fmeasure, "article", signature)
        for key, name in ROUGE_TYPES.items()
    ]


def length_ratio(source: str, target: str) -> float:
    """Characters in ``target`` per character in ``source``, both stripped; 0.0 for no source."""
    source_chars = len(source.strip())
    if source_chars == 0:
        return 0.0
    return len(target.strip()) / source_chars
