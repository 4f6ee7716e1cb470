"""Summarising English text: abstractive (a seq2seq model), extractive (no model), or none."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from .config import Config, SummariseConfig
from .engines import Engine, build_engine
from .errors import PipelineError
from .segment import break_long, split_sentences
from .translate import Advance

# Rounds of "summarise the chunk summaries"; each round shrinks the text several-fold, so a
# text needs more than a few only if it is absurdly long.
MAX_ROUNDS = 8

# A text of fewer sentences than this, and of at most SHORT_WORDS words, is its own summary:
# there is nothing to leave out.
SHORT_SENTENCES = 3
SHORT_WORDS = 10


def within_text(summary: str, text: str) -> str:
    """The summary, or the text itself where the summary is longer than the text.

    Args:
        summary: A summary of ``text``.
        text: The text it summarises, whitespace already collapsed.

    Returns:
        ``summary`` when it has at most as many characters as ``text``, else ``text``.
    """
    return summary if len(summary) <= len(text) else text


def _few_words(text: str) -> bool:
    """True for a text of fewer than :data:`SHORT_SENTENCES` sentences and at most
    :data:`SHORT_WORDS` words."""
    return (len(text.split()) <= SHORT_WORDS
            and len(split_sentences(text)) < SHORT_SENTENCES)


class Summariser(Protocol):
    """Anything that summarises English texts, one summary per text, in order.

    The members with a body are defaults that a class subclassing this protocol inherits: no
    chunk counts, no memory, no time inside models.
    """

    # Per text of the last call: how many model inputs it took (None where not known).
    chunks: Sequence[int | None] = ()
    model_seconds: float = 0.0  # seconds spent inside model calls so far

    def summarise(self, texts: Sequence[str], progress: Advance | None = None) -> list[str]:
        """Summarise ``texts`` (1:1, in order), calling ``progress(n)`` as texts are done."""
        ...

    def cache_key(self) -> dict[str, Any] | None:
        """Everything that determines a summary, for the memory; None: no memory."""
        return None

    def select(self, documents: Sequence[Sequence[str]], language: str = "en"
               ) -> list[list[int]] | None:
        """For a summariser that extracts: per document (its sentences), the indices of the
        summary sentences (see :class:`ExtractiveSummariser`). None: this one writes its own
        text from :meth:`summarise`."""
        return None


class NoSummariser(Summariser):
    """``summarise.method: none``: every summary is empty."""

    def summarise(self, texts: Sequence[str], progress: Advance | None = None) -> list[str]:
        """Return one empty summary per text."""
        if progress:
            progress(len(texts))
        return ["" for _ in texts]


class AbstractiveSummariser(Summariser):
    """A seq2seq summariser; a text longer than its input limit is summarised in chunks.

    The chunks are whole sentences packed up to the limit; their summaries are joined and
    summarised again until the text fits. Nothing is cut. ``chunks`` records, per text of the
    last call, how many model inputs it took (1 when it fitted at once, 0 when the text is its
    own summary and the model was not called).

    A summary is never longer than its text. A short text (no more tokens than the summary's
    minimum length, or a sentence or two of a few words) is its own summary. Otherwise each
    model input's minimum summary length is capped at half its token count and its maximum at
    its token count, and a summary that still comes out longer than the text gives way to the
    text itself.
    """

    def __init__(self, engine: Engine, settings: SummariseConfig) -> None:
        self.engine = engine
        self.settings = settings
        self.chunks: list[int] = []

    @property
    def model_seconds(self) -> float:  # type: ignore[override]  # read-only here
        """Seconds spent inside model calls so far."""
        return float(self.engine.model_seconds)

    @classmethod
    def from_config(cls, config: Config, model_dir: Path | None = None) -> AbstractiveSummariser:
        """The summariser of ``summarise.*`` on the engine ``summarise.backend`` names."""
        return cls(build_engine(config, "summarise", model_dir), config.summarise)

    def cache_key(self) -> dict[str, Any]:
        """Everything that determines a summary, for the memory."""
        from .models import fingerprint

        s = self.settings
        return {"model": s.model, "weights": fingerprint(self.engine.path), "backend": s.backend,
                "precision": self.engine.precision, "limit": self.limit,
                **{k: getattr(s, k) for k in ("num_beams", "min_length", "max_length")},
                "length": "within-text"}

    @property
    def limit(self) -> int:
        """Input tokens per model call (the model's limit unless set lower)."""
        own = self.engine.max_input_tokens
        wanted = self.settings.max_input_tokens
        return min(own, wanted) if wanted else own

    @property
    def min_length(self) -> int:
        """The summary's minimum length in tokens: ``summarise.min_length``, else the model's
        generation config, else 0."""
        if self.settings.min_length is not None:
            return self.settings.min_length
        return int(self.engine.generation_default("min_length") or 0)

    @property
    def max_length(self) -> int:
        """The summary's maximum length in tokens: ``summarise.max_length``, else the model's
        generation config, else 142."""
        return int(self.settings.max_length or self.engine.generation_default("max_length")
                   or 142)

    def is_short(self, text: str) -> bool:
        """True when ``text`` (whitespace collapsed) is its own summary.

        That is when it has no more tokens than the summary's minimum length (the model would
        have to make it longer), or fewer than :data:`SHORT_SENTENCES` sentences and at most
        :data:`SHORT_WORDS` words.
        """
        return self.engine.count_tokens(text) <= self.min_length or _few_words(text)

    def summarise(self, texts: Sequence[str], progress: Advance | None = None) -> list[str]:
        """Summarise each text, whitespace collapsed; empty texts give empty summaries.

        ``progress(n)`` is called after each model batch with the number of texts it finished.

        Args:
            texts: English texts.
            progress: Told how many texts each step finished.

        Returns:
            One summary per text, in order, none longer than its text; a short text (see
            :meth:`is_short`) is returned as it is.

        Raises:
            PipelineError: Chunk summaries that do not shrink below the input limit.
        """
        originals = [" ".join(t.split()) for t in texts]
        current = list(originals)
        self.chunks = [0] * len(texts)
        done: dict[int, str] = {}
        previous: dict[int, int] = {}
        for round_ in range(MAX_ROUNDS):
            short = [i for i in range(len(current))
                     if i not in done and (not current[i] or self.is_short(current[i]))]
            done.update((i, current[i]) for i in short)
            if progress and short:  # not reported before: a text in chunks is done only now
                progress(len(short))
            pending = [i for i in range(len(current)) if i not in done]
            if not pending:
                break
            plans = {i: self._pack(current[i]) for i in pending}
            if round_ and any(len(plans[i]) >= previous[i] for i in pending):
                raise PipelineError("the chunk summaries are not shorter than the text they "
                                 f"summarise (input limit {self.limit} tokens); lower "
                                 "summarise.max_length or raise summarise.max_input_tokens")
            previous = {i: len(plans[i]) for i in pending}
            flat = [chunk for i in pending for chunk in plans[i]]
            owners = [i for i in pending for _ in plans[i]]
            summaries = iter(self._generate(flat, _texts_done(owners, plans, progress)))
            for i in pending:
                parts = [next(summaries) for _ in plans[i]]
                self.chunks[i] += len(parts)
                if len(parts) == 1:
                    done[i] = parts[0]
                else:
                    current[i] = " ".join(p for p in parts if p)
        missing = [i for i in range(len(current)) if i not in done]
        if missing:
            raise PipelineError(f"summaries did not shrink below {self.limit} tokens after "
                             f"{MAX_ROUNDS} rounds for {len(missing)} text(s)")
        return [within_text(done[i], originals[i]) for i in range(len(texts))]

    def _pack(self, text: str) -> list[str]:
        """Whole sentences packed into chunks that fit the input limit."""
        budget = self.limit
        if self.engine.count_tokens(text) <= budget:
            return [text]
        chunks: list[str] = []
        current: list[str] = []
        for sentence in split_sentences(text):
            for piece in break_long(sentence, self.engine.count_tokens, budget - 2):
                trial = " ".join([*current, piece])
                if current and self.engine.count_tokens(trial) > budget:
                    chunks.append(" ".join(current))
                    current = [piece]
                else:
                    current.append(piece)
        if current:
            chunks.append(" ".join(current))
        return chunks

    def _generate(self, texts: list[str],
                  on_batch: Callable[[list[int]], None] | None = None) -> list[str]:
        """One summary per model input, each at most as many tokens as its input and with a
        minimum length of at most half of them.

        Inputs are generated in groups of equal minimum length (only short inputs have a
        lowered one); ``on_batch`` gets indices into ``texts``.
        """
        s = self.settings
        bound = self.max_length
        floors = [min(self.min_length, self.engine.count_tokens(t) // 2) for t in texts]
        outputs = [""] * len(texts)
        for floor in sorted(set(floors), reverse=True):
            group = [k for k, f in enumerate(floors) if f == floor]
            kwargs: dict[str, Any] = {}
            if s.num_beams is not None:
                kwargs["num_beams"] = s.num_beams
            if floor or s.min_length is not None:
                kwargs["min_length"] = floor
            report = None
            if on_batch is not None:
                def report(batch: list[int], group: list[int] = group) -> None:
                    on_batch([group[k] for k in batch])
            generated = self.engine.generate([texts[k] for k in group], batch_size=s.batch_size,
                                             on_batch=report,
                                             max_new_tokens=lambda n: min(bound, n), **kwargs)
            for k, summary in zip(group, generated, strict=True):
                outputs[k] = summary
        return outputs


def _texts_done(owners: list[int], plans: dict[int, list[str]], progress: Advance | None
                ) -> Callable[[list[int]], None] | None:
    """An ``on_batch`` that reports the texts a batch finished: those that fitted in one chunk
    (a text in several chunks is done only after a further round)."""
    if progress is None:
        return None

    def report(batch: list[int]) -> None:
        finished = sum(len(plans[owners[k]]) == 1 for k in batch)
        if finished:
            progress(finished)

    return report


class ExtractiveSummariser(Summariser):
    """Chooses the article's own sentences (:mod:`pipeline.extractive`); no model, offline.

    Sentences are ranked by centrality times a position prior, taken by maximal marginal
    relevance within a budget of ``sentences`` sentences and ``words`` words, and kept in their
    order. In the pipeline it ranks the translated sentences themselves (:meth:`select`); given
    plain text (:meth:`summarise`), it splits paragraphs at blank lines and sentences with the
    English splitter, a line break always ending one, so a list or timeline without full stops
    is never one long sentence.
    """

    def __init__(self, sentences: int = 2, words: int = 90) -> None:
        self.sentences = sentences
        self.words = words

    def select(self, documents: Sequence[Sequence[str]], language: str = "en"
               ) -> list[list[int]]:
        """Per document (its sentences, in order), the indices of its summary sentences.

        Args:
            documents: Each document as its sentences (one unit each, never re-split).
            language: ``en`` or ``fr``: the function words and stemmer used.

        Returns:
            Sorted indices per document; every index when the document fits the budget whole.
        """
        from .extractive import select

        return [select(sentences, language, self.sentences, self.words)
                for sentences in documents]

    def summarise(self, texts: Sequence[str], progress: Advance | None = None) -> list[str]:
        """Return, for each English text, its chosen sentences in their order, joined by spaces.

        A text that fits the budget whole comes back as it is (whitespace collapsed); an empty
        text gives an empty summary. A summary is never longer than its text.
        """
        summaries = [self._one(text) for text in texts]
        if progress:
            progress(len(texts))
        return summaries

    def _one(self, text: str) -> str:
        from .metrics import split_sentences as english_sentences

        sentences = [" ".join(s.split()) for paragraph in re.split(r"\n\s*\n", text)
                     for s in english_sentences(paragraph)]
        [chosen] = self.select([sentences])
        return within_text(" ".join(sentences[i] for i in chosen), " ".join(text.split()))


def build_summariser(config: Config, model_dir: Path | None = None) -> Summariser:
    """The summariser ``summarise.method`` names, its model loaded (from ``model_dir`` if given)."""
    method = config.summarise.method
    if method == "abstractive":
        return AbstractiveSummariser.from_config(config, model_dir)
    if method == "extractive":
        return ExtractiveSummariser(config.summarise.sentences, config.summarise.words)
    return NoSummariser()
