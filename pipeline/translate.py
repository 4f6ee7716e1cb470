"""Translation: the :class:`Translator` seam and its transformers backend."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence, Sized
from pathlib import Path
from typing import Any, Protocol

from .config import Config, TranslateConfig
from .errors import ConfigError, PipelineError
from .hf import Seq2Seq
from .models import resolve_model


class Translator(Protocol):
    """Anything that translates French strings to English, one output per input, in order."""

    def translate(self, texts: Sequence[str]) -> list[str]: ...


class TransformersTranslator:
    """A MarianMT (or any seq2seq) model called through ``generate``.

    Output length is bounded by the input: ``ratio * input tokens + offset`` new tokens at most
    (and never more than the model's own limit), so a looping model stops early.
    """

    def __init__(self, engine: Seq2Seq, settings: TranslateConfig) -> None:
        self.engine = engine
        self.settings = settings

    @classmethod
    def from_config(cls, config: Config, model_dir: Path | None = None) -> TransformersTranslator:
        """Resolve and load ``translate.model`` once."""
        settings = config.translate
        path = model_dir or resolve_model(settings.model, key="translate.model",
                                          models_dir=config.run.models_dir,
                                          revision=settings.revision)
        engine = Seq2Seq.load(path, device=settings.device, threads=settings.threads,
                              dtype=settings.dtype)
        return cls(engine, settings)

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

    def translate(self, texts: Sequence[str]) -> list[str]:
        """Translate each text; empty texts give empty translations without a model call."""
        todo = [i for i, text in enumerate(texts) if text.strip()]
        outputs = [""] * len(texts)
        done = self.engine.generate([texts[i] for i in todo], batch_size=self.batch_size,
                                    batch_tokens=self.settings.batch_tokens,
                                    max_new_tokens=self._bound, **self.decoding())
        for i, text in zip(todo, done, strict=True):
            outputs[i] = text
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


def translate_in_chunks(translator: Translator, texts: Sequence[str], *, chunk: int = 256,
                        progress: Callable[[int], None] | None = None) -> list[str]:
    """Translate many texts, longest first, in chunks so progress can be shown.

    Sorting across the whole input (all articles together) keeps batches of similar lengths,
    which wastes little on padding; the output is in input order.
    """
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    outputs = [""] * len(texts)
    for start in range(0, len(order), chunk):
        part = order[start:start + chunk]
        done = one_to_one(translator.translate([texts[i] for i in part]), part, "translator")
        for i, text in zip(part, done, strict=True):
            outputs[i] = text
        if progress:
            progress(len(part))
    return outputs


def one_to_one(outputs: Sequence[str], inputs: Sized, what: str) -> list[str]:
    """Check that a model stage gave exactly one output per input, so nothing is lost."""
    if len(outputs) != len(inputs):
        raise PipelineError(f"{what} returned {len(outputs)} outputs for {len(inputs)} inputs")
    return list(outputs)


def build_translator(config: Config, model_dir: Path | None = None) -> Translator:
    """The translator ``translate.backend`` names, its model loaded once.

    Raises:
        ConfigError: the backend is unknown (the message lists the known ones).
    """
    backend = config.translate.backend
    if backend == "transformers":
        return TransformersTranslator.from_config(config, model_dir)
    if backend == "ctranslate2":
        from .ct2 import CTranslate2Translator

        return CTranslate2Translator.from_config(config, model_dir)
    raise ConfigError(f"translate.backend: unknown backend {backend!r}; "
                      "known: transformers, ctranslate2")
