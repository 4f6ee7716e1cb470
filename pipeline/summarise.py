"""Summarising English text: abstractive (a seq2seq model), extractive (no model), or none."""

from __future__ import annotations

import math
import re
from collections import Counter
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
    last call, how many model inputs it took (1 when it fitted at once).
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
                **{k: getattr(s, k) for k in ("num_beams", "min_length", "max_length")}}

    @property
    def limit(self) -> int:
        """Input tokens per model call (the model's limit unless set lower)."""
        own = self.engine.max_input_tokens
        wanted = self.settings.max_input_tokens
        return min(own, wanted) if wanted else own

    def summarise(self, texts: Sequence[str], progress: Advance | None = None) -> list[str]:
        """Summarise each text; empty texts give empty summaries.

        ``progress(n)`` is called after each model batch with the number of texts it finished.
        """
        current = [" ".join(t.split()) for t in texts]
        self.chunks = [0] * len(texts)
        done: dict[int, str] = {i: "" for i, t in enumerate(current) if not t}
        if progress and done:
            progress(len(done))
        previous: dict[int, int] = {}
        for round_ in range(MAX_ROUNDS):
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
        return [done[i] for i in range(len(texts))]

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
        s = self.settings
        kwargs: dict[str, Any] = {}
        for key in ("num_beams", "min_length"):
            if getattr(s, key) is not None:
                kwargs[key] = getattr(s, key)
        bound = s.max_length or self.engine.generation_default("max_length") or 142
        return self.engine.generate(texts, batch_size=s.batch_size, on_batch=on_batch,
                                    max_new_tokens=lambda _n: bound, **kwargs)


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
    """Picks the sentences closest to the text's TF-IDF centroid; no model, works offline.

    Sentences keep their original order; a small bonus favours the lead, as news is written
    with the most important facts first.
    """

    def __init__(self, sentences: int = 3) -> None:
        self.sentences = sentences

    def summarise(self, texts: Sequence[str], progress: Advance | None = None) -> list[str]:
        """Return, for each text, its most central sentences in their original order."""
        summaries = [self._one(text) for text in texts]
        if progress:
            progress(len(texts))
        return summaries

    def _one(self, text: str) -> str:
        sentences = split_sentences(" ".join(text.split()))
        if len(sentences) <= self.sentences:
            return " ".join(sentences)
        bags = [Counter(_words(s)) for s in sentences]
        df = Counter(word for bag in bags for word in bag)
        idf = {w: math.log((1 + len(bags)) / (1 + n)) + 1 for w, n in df.items()}
        vectors = [{w: c * idf[w] for w, c in bag.items()} for bag in bags]
        centroid: Counter[str] = Counter()
        for vector in vectors:
            centroid.update(vector)
        scores = [_cosine(v, centroid) + 0.1 / (1 + i) for i, v in enumerate(vectors)]
        best = sorted(range(len(sentences)), key=lambda i: -scores[i])[: self.sentences]
        return " ".join(sentences[i] for i in sorted(best))


def build_summariser(config: Config, model_dir: Path | None = None) -> Summariser:
    """The summariser ``summarise.method`` names, its model loaded (from ``model_dir`` if given)."""
    method = config.summarise.method
    if method == "abstractive":
        return AbstractiveSummariser.from_config(config, model_dir)
    if method == "extractive":
        return ExtractiveSummariser(config.summarise.sentences)
    return NoSummariser()


def _words(sentence: str) -> list[str]:
    return [w for w in re.findall(r"\w+", sentence.lower()) if len(w) > 2]


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0
