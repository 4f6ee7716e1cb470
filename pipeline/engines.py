"""Engines: a loaded seq2seq model, built by name from one config section.

An :class:`Engine` generates text, counts input tokens and knows its input limit and precision;
the translator and the summariser are written against it and never against a backend. Backends
register by name in :data:`BACKENDS` and are imported only when built, so that an actor on a
cluster node can build exactly one engine from one config section, and importing this module
loads no model library.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from .config import Config
from .errors import ConfigError


class Engine(Protocol):
    """A seq2seq model on a device, with its tokenizer.

    Attributes:
        path: The local model directory.
        precision: What outputs are computed in (``float32``, ``int8``...): part of the
            translation memory's key.
        model_seconds: Seconds spent inside model calls so far.
    """

    path: Path
    precision: str
    model_seconds: float

    @property
    def max_input_tokens(self) -> int:
        """The longest input the model takes, special tokens included."""
        ...

    @property
    def default_batch_size(self) -> int:
        """Sentences per batch for ``batch_size: auto`` on this device."""
        ...

    def count_tokens(self, text: str) -> int:
        """Number of input tokens of ``text``, special tokens included."""
        ...

    def generation_default(self, key: str) -> Any:
        """A value of the model's generation config, or None."""
        ...

    def generate(self, texts: Sequence[str], *, batch_size: int,
                 max_new_tokens: Callable[[int], int], batch_tokens: int = 1 << 30,
                 on_batch: Callable[[list[int]], None] | None = None,
                 **kwargs: Any) -> list[str]:
        """One output per text, in order; ``max_new_tokens`` maps an input's length in tokens
        to its output bound; ``on_batch`` gets the indices each finished batch covered."""
        ...

    def generate_scored(self, texts: Sequence[str], *, batch_size: int,
                        max_new_tokens: Callable[[int], int], batch_tokens: int = 1 << 30,
                        on_batch: Callable[[list[int]], None] | None = None,
                        **kwargs: Any) -> list[tuple[str, float]]:
        """:meth:`generate`, each output with its mean natural log-probability per generated
        token (the end token counted when one was generated)."""
        ...


# Backend name -> module with ``load_engine(settings, model_dir, *, models_dir, section)``.
BACKENDS: dict[str, str] = {
    "transformers": "pipeline.hf",
    "ctranslate2": "pipeline.ct2",
}


def build_engine(config: Config, section: str, model_dir: Path | None = None, *,
                 backend: str | None = None) -> Engine:
    """The engine of config section ``section`` (``translate`` or ``summarise``).

    The model is looked up (local directory, ``run.models_dir``, Hugging Face cache) unless
    ``model_dir`` is given; the tokenizer and weights load on first use.

    Args:
        config: The run's config.
        section: Which model section to build from.
        model_dir: The model's directory when already resolved.
        backend: A backend name instead of the section's ``backend``.

    Raises:
        ConfigError: the backend is not registered (the message lists those that are), or a
            setting is not one the backend can use here.
        ModelError: the model cannot be found.
    """
    from .models import resolve_model

    settings = getattr(config, section)
    name = backend or settings.backend
    if name not in BACKENDS:
        raise ConfigError(f"{section}.backend: unknown backend {name!r}; registered: "
                          f"{', '.join(sorted(BACKENDS))}")
    path = model_dir or resolve_model(settings.model, key=f"{section}.model",
                                      models_dir=config.run.models_dir,
                                      revision=settings.revision)
    module = importlib.import_module(BACKENDS[name])
    engine: Engine = module.load_engine(settings, Path(path), models_dir=config.run.models_dir,
                                        section=section)
    return engine


def check_settings(config: Config, sections: Sequence[str] = ("translate", "summarise")) -> None:
    """Check, before any work, that each model section in use is one its backend can run:
    precision names of that backend, and (with ``run.executor: local``, where the models run on
    this machine) a device and a compute type this machine has.

    Args:
        config: The run's config.
        sections: The sections whose models will be built from the config (``summarise`` is
            skipped unless ``summarise.method`` is ``abstractive``).

    Raises:
        ConfigError: naming the key, the value and what is allowed (``key`` set).
    """
    here = config.run.executor == "local"
    for section in sections:
        if section == "summarise" and config.summarise.method != "abstractive":
            continue
        settings = getattr(config, section)
        module = importlib.import_module(BACKENDS[settings.backend])
        module.check_settings(settings, section, here=here)
