"""Loading Hugging Face seq2seq models and running ``generate`` on them.

Shared by the translator and the abstractive summariser: both are a tokenizer plus a seq2seq
model, loaded once per run through ``from_pretrained`` from a local directory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ModelError


def pick_device(name: str) -> str:
    """Map ``auto`` to ``cuda`` when a CUDA device is present, else ``cpu``."""
    import torch

    if name != "auto":
        if name.startswith("cuda") and not torch.cuda.is_available():
            raise ModelError(f"device {name!r} was asked for but torch sees no CUDA device; "
                             "use device: auto or cpu")
        return name
    return "cuda" if torch.cuda.is_available() else "cpu"


@dataclass
class Seq2Seq:
    """A tokenizer and a seq2seq model on one device."""

    tokenizer: Any
    model: Any
    device: str

    @classmethod
    def load(cls, path: Path, *, device: str = "auto", threads: int | None = None) -> Seq2Seq:
        """Load tokenizer and model from a local directory (see :mod:`pipeline.models`)."""
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the run shows its own progress
        if threads:
            torch.set_num_threads(threads)
        device = pick_device(device)
        try:
            tokenizer = AutoTokenizer.from_pretrained(path)
            model = AutoModelForSeq2SeqLM.from_pretrained(path)
        except Exception as exc:  # noqa: BLE001 - report any loading failure with the path
            raise ModelError(f"cannot load model from {path}: {exc}") from exc
        return cls(tokenizer, model.to(device).eval(), device)

    @property
    def max_input_tokens(self) -> int:
        """The longest input the model takes, special tokens included."""
        limit = getattr(self.model.config, "max_position_embeddings", None) or 512
        declared = getattr(self.tokenizer, "model_max_length", None)
        if isinstance(declared, int) and 0 < declared < limit:
            limit = declared
        return int(limit)

    def count_tokens(self, text: str) -> int:
        """Number of input tokens for ``text``, special tokens included."""
        return len(self.tokenizer(text, truncation=False)["input_ids"])

    def generate(self, texts: Sequence[str], *, batch_size: int,
                 max_new_tokens: Callable[[int], int], **kwargs: Any) -> list[str]:
        """Generate for each text, longest first in batches; outputs in input order.

        ``max_new_tokens`` maps a batch's longest input length (in tokens) to its output bound,
        so that a looping model cannot run away on a short input.
        """
        import torch

        lengths = [self.count_tokens(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: -lengths[i])
        outputs: list[str] = [""] * len(texts)
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            encoded = self.tokenizer([texts[i] for i in batch], return_tensors="pt",
                                     padding=True, truncation=False).to(self.device)
            bound = max_new_tokens(max(lengths[i] for i in batch))
            with torch.inference_mode():
                # max_length (decoder start token included) rather than max_new_tokens, so that it
                # replaces the generation config's max_length instead of clashing with it.
                generated = self.model.generate(**encoded, max_length=bound + 1, **kwargs)
            decoded = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
            for i, text in zip(batch, decoded, strict=True):
                outputs[i] = text.strip()
        return outputs
