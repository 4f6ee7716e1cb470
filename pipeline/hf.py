"""Loading Hugging Face seq2seq models and running ``generate`` on them.

Shared by the translator and the abstractive summariser: both are a tokenizer plus a seq2seq
model, loaded through ``from_pretrained`` from a local directory. The tokenizer is loaded at once
(segmenting needs it); the weights only when something has to be generated, so a run served
entirely from the translation memory never loads them.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import ConfigError, ModelError

DTYPES = ("auto", "float32", "bfloat16", "float16")  # translate.dtype, as the config allows


@functools.cache
def default_threads() -> int:
    """torch's thread count as the process started (all cores), for ``threads: null``."""
    import torch

    return torch.get_num_threads()


def torch_devices() -> list[str]:
    """The ``device`` values this machine's torch can use."""
    import torch

    found = ["auto", "cpu"]
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count:
        found += ["cuda", *(f"cuda:{i}" for i in range(count))]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found


def check_settings(settings: Any, section: str, *, here: bool = True) -> None:
    """Fail before any work if the transformers backend cannot run ``settings`` (a model
    section of the config): a CTranslate2 compute type, or (``here``: the models run on this
    machine) a device torch does not have.

    Raises:
        ConfigError: naming the key, the value and what is allowed.
    """
    if settings.compute_type != "auto":
        raise ConfigError(
            f"{section}.compute_type: {settings.compute_type!r} is a setting of backend "
            f"ctranslate2; backend transformers takes {section}.dtype ({', '.join(DTYPES)}): "
            f"leave {section}.compute_type as auto, or set {section}.backend: ctranslate2",
            key=f"{section}.compute_type")
    if not here:
        return
    devices = torch_devices()
    if settings.device not in devices:
        why = ("torch has no MPS device here, the GPU of Apple silicon"
               if settings.device == "mps"
               else f"torch sees {sum(d.startswith('cuda:') for d in devices)} CUDA devices")
        raise ConfigError(f"{section}.device: {settings.device!r} is not available on this "
                          f"machine: {why}; allowed here: {', '.join(devices)}",
                          key=f"{section}.device")


def pick_device(name: str) -> str:
    """Map ``auto`` to ``cuda`` when a CUDA device is present, else ``cpu``."""
    import torch

    if name != "auto":
        if name.startswith("cuda") and not torch.cuda.is_available():
            raise ModelError(f"device {name!r} was asked for but torch sees no CUDA device; "
                             "use device: auto or cpu")
        return name
    return "cuda" if torch.cuda.is_available() else "cpu"


def pick_dtype(name: str, device: str) -> Any:
    """The torch dtype for ``translate.dtype``.

    ``auto`` is float16 on CUDA (bfloat16 where the GPU supports it), bfloat16 on a CPU with
    native bfloat16 instructions (AVX512-BF16 or AMX), else float32: without native support,
    bfloat16 matrix products are emulated and slower than float32.
    """
    import torch

    if name != "auto":
        return getattr(torch, name)
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "cpu" and _native_cpu_bf16():
        return torch.bfloat16
    return torch.float32


def _native_cpu_bf16() -> bool:
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, probe, lambda: False)() for probe in probes)


def token_batches(lengths: Sequence[int], order: Sequence[int], *, max_tokens: int,
                  max_items: int, keys: Sequence[int] | None = None) -> Iterator[list[int]]:
    """Group ``order`` (indices, longest first) into batches whose padded size fits a budget.

    A batch's padded size is its item count times its longest length; a single item longer
    than the budget still forms a batch of its own. With ``keys``, items whose keys differ
    never share a batch.
    """
    batch: list[int] = []
    longest = 0
    for i in order:
        wider = max(longest, lengths[i])
        if batch and (wider * (len(batch) + 1) > max_tokens or len(batch) >= max_items
                      or (keys is not None and keys[i] != keys[batch[0]])):
            yield batch
            batch, wider = [], lengths[i]
        batch.append(i)
        longest = wider
    if batch:
        yield batch


@functools.cache
def _row_bounds_class() -> type:
    """The logits processor class (built on first use: it needs transformers)."""
    import torch
    from transformers import LogitsProcessor

    class RowBounds(LogitsProcessor):
        """Ends every sentence of a batch at its own output bound.

        ``generate`` bounds a batch by one ``max_length``; this forces the end token on each
        row once it has as many new tokens as its own bound allows (as ``generate``'s forced
        end token does at ``max_length``), so a sentence's output does not depend on which
        other sentences share its batch. ``bounds`` holds one value per row (beams included).
        """

        def __init__(self, bounds: Any, eos: int) -> None:
            self.bounds, self.eos = bounds, eos

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            due = self.bounds <= input_ids.shape[-1]
            if not bool(due.any()):
                return scores
            forced = torch.full_like(scores, float("-inf"))
            forced[:, self.eos] = 0
            return torch.where(due[:, None], forced, scores)

    return RowBounds


class ModelFiles:
    """A local model directory: tokenizer and configs, each loaded on first use.

    The input limit and the generation defaults are read from the JSON files directly, so a
    run answered entirely by the translation memory imports neither transformers nor the
    tokenizer.
    """

    def __init__(self, path: Path, key: str = "model") -> None:
        self.path = Path(path)
        self.key = key  # the config key that named the model, for messages
        self._tokenizer: Any = None
        self._config: Any = None
        self._generation: Any = None

    @functools.cache  # noqa: B019 - one per model directory, alive as long as the run
    def _json(self, name: str) -> dict[str, Any]:
        try:
            data = json.loads((self.path / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ModelError(f"{self.key}: cannot read {self.path / name}: {exc}") from None
        return data if isinstance(data, dict) else {}

    @property
    def tokenizer(self) -> Any:
        """The Hugging Face tokenizer."""
        if self._tokenizer is None:
            self._tokenizer = self._from_pretrained("AutoTokenizer", "tokenizer")
        return self._tokenizer

    @property
    def config(self) -> Any:
        """The model's ``AutoConfig``."""
        if self._config is None:
            self._config = self._from_pretrained("AutoConfig", "model config")
        return self._config

    def _from_pretrained(self, name: str, what: str) -> Any:
        """``transformers.<name>.from_pretrained(path)``; any failure names the directory."""
        import transformers
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the run shows its own progress
        try:
            return getattr(transformers, name).from_pretrained(self.path)
        except Exception as exc:  # noqa: BLE001 - report any loading failure with the path
            raise ModelError(f"{self.key}: cannot load {what} from {self.path}: "
                             f"{type(exc).__name__}: {exc}") from exc

    @property
    def generation(self) -> Any:
        """The ``GenerationConfig`` (derived from the model config when there is no file)."""
        if self._generation is None:
            from transformers import GenerationConfig

            try:
                self._generation = GenerationConfig.from_pretrained(self.path)
            except OSError:  # no generation_config.json: generate() derives it the same way
                self._generation = GenerationConfig.from_model_config(self.config)
        return self._generation

    def generation_default(self, key: str) -> Any:
        """``key`` from ``generation_config.json`` (else ``config.json``), or None."""
        for name in ("generation_config.json", "config.json"):
            data = self._json(name)
            if name == "generation_config.json" and data:
                return data.get(key)
            if key in data:
                return data[key]
        return None

    @functools.cached_property
    def max_input_tokens(self) -> int:
        """The longest input the model takes, special tokens included."""
        limit = self._json("config.json").get("max_position_embeddings") or 512
        declared = self._json("tokenizer_config.json").get("model_max_length")
        if isinstance(declared, int) and 0 < declared < limit:
            limit = declared
        return int(limit)

    def check(self) -> None:
        """Fail now, naming the directory, if the model's config is missing or unreadable."""
        if not self._json("config.json"):
            raise ModelError(f"{self.key}: cannot load model from {self.path}: no readable "
                             "config.json")


class Seq2Seq:
    """A tokenizer and a seq2seq model (loaded on first use) on one device."""

    def __init__(self, path: Path, device: str, dtype: str = "float32",
                 threads: int | None = None, key: str = "model") -> None:
        self.path = path
        self.files = ModelFiles(path, key)
        self.device = device
        self.dtype_name = dtype
        self.threads = threads  # torch's thread count is per process: set before each call
        self._model: Any = None
        self.model_seconds = 0.0  # time inside generate(), for the run's timings
        # Segmenting counts every sentence and generate() counts it again: tokenize once.
        self.count_tokens = functools.lru_cache(maxsize=1 << 16)(self.count_tokens)

    @classmethod
    def load(cls, path: Path, *, device: str = "auto", threads: int | None = None,
             dtype: str = "auto", key: str = "model") -> Seq2Seq:
        """Settle device and dtype for a local model directory (see :mod:`pipeline.models`).

        The tokenizer and the weights are loaded when first needed.
        """
        default_threads()  # torch's own count, read before any engine changes it
        device = pick_device(device)
        engine = cls(path, device, str(pick_dtype(dtype, device)).removeprefix("torch."),
                     threads=threads, key=key)
        engine.files.check()
        return engine

    @property
    def tokenizer(self) -> Any:
        """The tokenizer, loaded the first time it is needed."""
        return self.files.tokenizer

    @property
    def model(self) -> Any:
        """The model, loaded from ``path`` the first time it is needed."""
        if self._model is None:
            import torch
            from transformers import AutoModelForSeq2SeqLM

            try:
                model = AutoModelForSeq2SeqLM.from_pretrained(
                    self.path, dtype=getattr(torch, self.dtype_name))
            except Exception as exc:  # noqa: BLE001
                raise ModelError(f"{self.files.key}: cannot load model from {self.path}: "
                                 f"{type(exc).__name__}: {exc}") from exc
            self._model = model.to(self.device).eval()
        return self._model

    @property
    def default_batch_size(self) -> int:
        """``batch_size: auto``: 16 sentences on CPU (faster here than 4, 8 or 32), 32 on CUDA."""
        return 32 if self.device.startswith("cuda") else 16

    @property
    def precision(self) -> str:
        """The numeric precision outputs are computed in (part of the memory's key)."""
        return self.dtype_name

    @property
    def max_input_tokens(self) -> int:
        """The longest input the model takes, special tokens included."""
        return self.files.max_input_tokens

    def generation_default(self, key: str) -> Any:
        """A value from the model's generation config (``generation_config.json``), or None."""
        return self.files.generation_default(key)

    def count_tokens(self, text: str) -> int:
        """Number of input tokens for ``text``, special tokens included."""
        return len(self.tokenizer(text, truncation=False)["input_ids"])

    def generate(self, texts: Sequence[str], *, batch_size: int,
                 max_new_tokens: Callable[[int], int], batch_tokens: int = 1 << 30,
                 on_batch: Callable[[list[int]], None] | None = None,
                 **kwargs: Any) -> list[str]:
        """Generate for each text (see :meth:`generate_scored`), without the scores."""
        return self._generate(texts, batch_size, max_new_tokens, batch_tokens, on_batch,
                              False, kwargs)[0]

    def generate_scored(self, texts: Sequence[str], *, batch_size: int,
                        max_new_tokens: Callable[[int], int], batch_tokens: int = 1 << 30,
                        on_batch: Callable[[list[int]], None] | None = None,
                        **kwargs: Any) -> list[tuple[str, float]]:
        """Each output with its mean token log-probability (:func:`mean_logprobs`).

        The source is encoded once for both; the rescoring pass costs one decoder forward
        over the output (no beams), its memory bounded by :data:`RESCORE_BYTES`.
        """
        outputs, scores = self._generate(texts, batch_size, max_new_tokens, batch_tokens,
                                         on_batch, True, kwargs)
        return list(zip(outputs, scores, strict=True))

    def _generate(self, texts: Sequence[str], batch_size: int,
                  max_new_tokens: Callable[[int], int], batch_tokens: int,
                  on_batch: Callable[[list[int]], None] | None, scored: bool,
                  kwargs: dict[str, Any]) -> tuple[list[str], list[float]]:
        """Generate for each text, longest first in token-budgeted batches; input order kept.

        ``on_batch`` is called after each batch with the indices (into ``texts``) it finished.
        ``max_new_tokens`` maps an input length (in tokens) to that input's output bound, so
        that a looping model cannot run away on a short input; each sentence stops at its own
        bound whatever else is in its batch. Sorting by length keeps the padding (and the
        steps spent on rows already finished) small.
        """
        import torch
        from transformers import LogitsProcessorList

        torch.set_num_threads(self.threads or default_threads())  # null: all cores again
        lengths = [self.count_tokens(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: -lengths[i])
        outputs: list[str] = [""] * len(texts)
        logprobs = [0.0] * len(texts)
        beams = kwargs.get("num_beams") or self.generation_default("num_beams") or 1
        eos = self.generation_default("forced_eos_token_id")
        if eos is None:
            eos = self.generation_default("eos_token_id")
        eos = eos[0] if isinstance(eos, list) else eos
        for batch in token_batches(lengths, order, max_tokens=batch_tokens, max_items=batch_size):
            encoded = self.tokenizer([texts[i] for i in batch], return_tensors="pt",
                                     padding=True, truncation=False).to(self.device)
            bounds = [max_new_tokens(lengths[i]) for i in batch]
            extra = {}
            if eos is not None and len(set(bounds)) > 1:
                per_row = torch.tensor(bounds, device=self.device).repeat_interleave(beams)
                extra["logits_processor"] = LogitsProcessorList(
                    [_row_bounds_class()(per_row, eos)])
            model = self.model
            start = time.perf_counter()
            with torch.inference_mode():
                # max_length (decoder start token included) rather than max_new_tokens, so that it
                # replaces the generation config's max_length instead of clashing with it.
                if scored:  # encoded once, for generate and for the rescoring
                    states = model.get_encoder()(**encoded).last_hidden_state
                    extra["encoder_outputs"] = _encoder_states(states)
                generated = model.generate(**encoded, max_length=max(bounds) + 1, **extra,
                                           **kwargs)
                if scored:
                    stops = {eos, *_ids(model.generation_config.eos_token_id)} - {None}
                    found = mean_logprobs(model, states, encoded["attention_mask"], generated,
                                          stops)
                    for i, value in zip(batch, found, strict=True):
                        logprobs[i] = value
            self.model_seconds += time.perf_counter() - start
            decoded = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
            for i, text in zip(batch, decoded, strict=True):
                outputs[i] = text.strip()
            if on_batch:
                on_batch(batch)
        return outputs, logprobs


def _ids(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _encoder_states(states: Any) -> Any:
    """``encoder_outputs`` for ``generate``: a fresh wrapper, as generate expands it for beam
    search in place."""
    from transformers.modeling_outputs import BaseModelOutput

    return BaseModelOutput(last_hidden_state=states)


# A token's log-probability is counted as no lower than this: an end token that a logits
# processor forced where the model gives it no probability (an underflow to -inf) would
# otherwise make the mean -inf, which JSON cannot hold.
TOKEN_FLOOR = -100.0
# Logits held at once while rescoring (float32 bytes): rows * positions * vocabulary * 4.
RESCORE_BYTES = 64 << 20


def mean_logprobs(model: Any, states: Any, mask: Any, sequences: Any, stops: set[int], *,
                  budget: int = RESCORE_BYTES) -> list[float]:
    """The mean natural log-probability per generated token of each of ``sequences``.

    Teacher forcing: the decoder is run once more over the generated tokens (``sequences``,
    ``(rows, 1 + steps)``, decoder start token first) on the encoder's ``states`` (``(rows,
    source tokens, width)``, with the source ``mask``), and each token's log-probability under
    the model's raw distribution (before any logits processor: forced, banned or bounded
    tokens) is averaged: every generated token counts, the decoder start token does not, the
    end token counts when there is one (the first of ``stops``), padding after it does not; a
    token's log-probability is floored at :data:`TOKEN_FLOOR`.
    This is the "TP" unsupervised quality estimate of Fomicheva et al. (2020), "Unsupervised
    Quality Estimation for Neural Machine Translation", TACL 8. Rows go through in groups
    whose logits stay under ``budget`` bytes, so memory does not grow with the batch or the
    beam; generate's own scores would keep every step's logits of every beam.
    """
    import torch

    labels = sequences[:, 1:]
    if labels.shape[1] == 0:
        return [0.0] * sequences.shape[0]
    ended = (torch.isin(labels, torch.tensor(sorted(stops), device=labels.device)) if stops
             else torch.zeros_like(labels, dtype=torch.bool)).long()
    keep = (ended.cumsum(1) - ended) == 0  # up to the first end token, itself included
    vocabulary = model.get_output_embeddings().weight.shape[0]
    group = max(1, budget // (labels.shape[1] * vocabulary * 4))
    means: list[float] = []
    for start in range(0, labels.shape[0], group):
        rows = slice(start, start + group)
        logits = model(encoder_outputs=_encoder_states(states[rows]), attention_mask=mask[rows],
                       decoder_input_ids=sequences[rows, :-1]).logits
        steps = logits.float().log_softmax(-1).gather(-1, labels[rows, :, None]).squeeze(-1)
        # finite, whatever the model ruled out (or a half-precision overflow made NaN)
        steps = torch.nan_to_num(steps, nan=TOKEN_FLOOR).clamp(min=TOKEN_FLOOR, max=0.0)
        del logits
        kept = keep[rows]
        total = torch.where(kept, steps, torch.zeros_like(steps)).sum(1)
        means.extend((total / kept.sum(1).clamp(min=1)).tolist())
    return means


def load_engine(settings: Any, model_dir: Path, *, models_dir: str | Path = "models",
                section: str = "translate") -> Seq2Seq:
    """The ``transformers`` backend of :func:`pipeline.engines.build_engine`: the section's
    ``device``, ``dtype`` and ``threads``; weights and tokenizer load on first use."""
    return Seq2Seq.load(model_dir, device=settings.device, threads=settings.threads,
                        dtype=settings.dtype, key=f"{section}.model")
