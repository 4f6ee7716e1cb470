"""Translation: the :class:`Translator` seam and the translator that runs a model engine."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence, Sized
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .config import Config, TranslateConfig
from .engines import Engine, build_engine
from .errors import PipelineError

# Called after each batch with how many inputs it finished, for the progress display.
Advance = Callable[[int], None]
T = TypeVar("T")


class Translator(Protocol):
    """Anything that translates French strings to English, one output per input, in order.

    The members with a body are defaults that a class subclassing this protocol inherits (a
    fake in a test, say): whitespace words as tokens, a 512-token input limit, no translation
    memory, no time inside models.
    """

    max_input_tokens: int = 512  # the longest input the model takes, special tokens included
    model_seconds: float = 0.0  # seconds spent inside model calls so far

    def translate(self, texts: Sequence[str], progress: Advance | None = None) -> list[str]:
        """Translate ``texts`` (1:1, in order), calling ``progress(n)`` after each batch."""
        ...

    def translate_scored(self, texts: Sequence[str], progress: Advance | None = None
                         ) -> list[tuple[str, float | None]]:
        """Each translation with the model's mean log-probability per generated token (see
        :func:`translate_sorted_scored`); None where there is none (this default: always)."""
        return [(text, None) for text in self.translate(texts, progress)]

    def count_tokens(self, text: str) -> int:
        """Number of model input tokens of ``text`` (to keep segments within the limit)."""
        return len(text.split())

    def cache_key(self) -> dict[str, Any] | None:
        """Everything that determines an output, for the translation memory; None: no memory."""
        return None


class ModelTranslator:
    """A MarianMT (or any seq2seq) model behind an :class:`~pipeline.engines.Engine`.

    Output length is bounded by the input: ``ratio * input tokens + offset`` new tokens at most
    (and never more than the model's own limit), so a looping model stops early.
    """

    def __init__(self, engine: Engine, settings: TranslateConfig) -> None:
        self.engine = engine
        self.settings = settings

    @classmethod
    def from_config(cls, config: Config, model_dir: Path | None = None) -> ModelTranslator:
        """The translator of ``translate.*`` on the engine ``translate.backend`` names."""
        return cls(build_engine(config, "translate", model_dir), config.translate)

    @property
    def max_input_tokens(self) -> int:
        """The longest input the model takes, special tokens included."""
        return self.engine.max_input_tokens

    def count_tokens(self, text: str) -> int:
        """Number of model input tokens for ``text``."""
        return self.engine.count_tokens(text)

    def cache_key(self) -> dict[str, Any]:
        """Everything that determines an output, for the translation memory."""
        s = self.settings
        from .models import fingerprint

        return {"model": s.model, "weights": fingerprint(self.engine.path),
                "backend": s.backend, "precision": self.engine.precision,
                "num_beams": s.num_beams or self.engine.generation_default("num_beams"),
                "max_length": [s.max_length_ratio, s.max_length_offset]}

    def decoding(self) -> dict[str, Any]:
        """The decoding settings passed to ``generate`` (the model's defaults where unset)."""
        beams = self.settings.num_beams
        return {} if beams is None else {"num_beams": beams}

    @property
    def model_seconds(self) -> float:
        """Seconds spent inside model calls so far."""
        return float(self.engine.model_seconds)

    def translate(self, texts: Sequence[str], progress: Advance | None = None) -> list[str]:
        """Translate each text; empty texts give empty translations without a model call.

        ``progress(n)`` is called after each batch with the number of texts it finished.
        """
        return [text for text, _ in self._translate(texts, progress, scored=False)]

    def translate_scored(self, texts: Sequence[str], progress: Advance | None = None
                         ) -> list[tuple[str, float | None]]:
        """:meth:`translate`, each output with its mean natural log-probability per generated
        token (end token included when generated) from the engine's ``generate_scored``;
        None for an empty text, or when the engine has no ``generate_scored``."""
        return self._translate(texts, progress, scored=True)

    def _translate(self, texts: Sequence[str], progress: Advance | None, scored: bool
                   ) -> list[tuple[str, float | None]]:
        todo = [i for i, text in enumerate(texts) if text.strip()]
        outputs: list[tuple[str, float | None]] = [("", None)] * len(texts)
        if progress and len(todo) < len(texts):
            progress(len(texts) - len(todo))
        on_batch = (lambda done: progress(len(done))) if progress else None
        generate_scored = getattr(self.engine, "generate_scored", None) if scored else None
        options: dict[str, Any] = {"batch_size": self.batch_size,
                                   "batch_tokens": self.settings.batch_tokens,
                                   "max_new_tokens": self._bound, "on_batch": on_batch,
                                   **self.decoding()}
        inputs = [texts[i] for i in todo]
        done: list[tuple[str, float | None]] = (
            list(generate_scored(inputs, **options)) if generate_scored is not None
            else [(text, None) for text in self.engine.generate(inputs, **options)])
        for i, pair in zip(todo, done, strict=True):
            outputs[i] = pair
        return outputs

    @property
    def batch_size(self) -> int:
        """``translate.batch_size``, or the engine's choice for ``auto``."""
        size = self.settings.batch_size
        return self.engine.default_batch_size if size == "auto" else size

    def _bound(self, input_tokens: int) -> int:
        s = self.settings
        wanted = math.ceil(s.max_length_ratio * input_tokens + s.max_length_offset)
        return max(1, min(wanted, self.engine.max_input_tokens))


def translate_sorted(translator: Translator, texts: Sequence[str], *,
                     progress: Advance | None = None) -> list[str]:
    """Translate many texts (segments of many articles) longest first; output in input order.

    Sorting across all the articles of a chunk keeps batches of similar lengths, which wastes
    little on padding.
    """
    return _longest_first(translator.translate, texts, progress)


def translate_sorted_scored(translator: Translator, texts: Sequence[str], *,
                            progress: Advance | None = None) -> list[tuple[str, float | None]]:
    """:func:`translate_sorted` with each translation's mean log-probability per generated
    token (``translator.translate_scored``; None scores for a translator without it)."""
    scored = getattr(translator, "translate_scored", None)
    if scored is None:
        return [(text, None) for text in translate_sorted(translator, texts, progress=progress)]
    return _longest_first(scored, texts, progress)


def _longest_first(call: Callable[..., Sequence[T]], texts: Sequence[str],
                   progress: Advance | None) -> list[T]:
    """``call`` on the texts longest first, its outputs put back in input order."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    done = one_to_one(call([texts[i] for i in order], progress=progress), order, "translator")
    outputs: list[T] = [None] * len(texts)  # type: ignore[list-item]
    for i, output in zip(order, done, strict=True):
        outputs[i] = output
    return outputs


def one_to_one(outputs: Sequence[T], inputs: Sized, what: str) -> list[T]:
    """Check that a model stage gave exactly one output per input, so nothing is lost."""
    if len(outputs) != len(inputs):
        raise PipelineError(f"{what} returned {len(outputs)} outputs for {len(inputs)} inputs")
    return list(outputs)


def build_translator(config: Config, model_dir: Path | None = None) -> Translator:
    """The translator of ``translate.*``, on the engine ``translate.backend`` names (loaded
    once, lazily).

    Raises:
        ConfigError: the backend is unknown (the message lists the registered ones).
        ModelError: the model cannot be found.
    """
    return ModelTranslator.from_config(config, model_dir)
