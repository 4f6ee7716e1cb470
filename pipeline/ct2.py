"""The CTranslate2 backend: a Hugging Face model converted once, then run by CTranslate2.

:class:`CTranslate2Engine` is an :class:`pipeline.engines.Engine` like
:class:`pipeline.hf.Seq2Seq` (same ``generate``, ``count_tokens`` and ``max_input_tokens``), so
translation and summarisation keep one class each and only the engine changes. Conversion
happens once per model and revision, into ``<models_dir>/ctranslate2/``, with the weights
stored in the type ``compute_type`` computes in (int8 for int8 compute, so loading needs no
float32 copy; float32 for float32 compute).

Decoding follows the model's Hugging Face generation config and matches ``generate``: with
greedy search and float32 compute both backends give the same tokens.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from .errors import ConfigError, ModelError
from .hf import TOKEN_FLOOR, ModelFiles, token_batches
from .models import fingerprint

CONVERTED_DIR = "ctranslate2"
# Copied next to model.bin so that a converted model is usable on its own.
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                    "vocab.json", "merges.txt", "source.spm", "target.spm", "spiece.model",
                    "sentencepiece.bpe.model", "generation_config.json")
# Preferred compute types per device, best first; the first one the machine supports wins.
_AUTO_COMPUTE = {"cpu": ("int8", "int8_float32", "float32"),
                 "cuda": ("int8_float16", "float16", "float32")}
# generate() options the engine understands, with their CTranslate2 names.
_OPTIONS = {"num_beams": "beam_size", "min_length": "min_decoding_length",
            "length_penalty": "length_penalty", "no_repeat_ngram_size": "no_repeat_ngram_size",
            "repetition_penalty": "repetition_penalty"}


def convert(model_dir: Path, models_dir: Path, *, model_id: str, revision: str | None,
            quantization: str | None = None) -> Path:
    """Convert a Hugging Face seq2seq model (Marian, BART) to CTranslate2 once; reuse it after.

    The result lives in ``models_dir/ctranslate2/<model id>@<revision or weights hash>/``. It is
    written to a temporary directory and renamed when complete, so an interrupted conversion
    leaves nothing that a later run would take for a finished one.

    Args:
        model_dir: The local Hugging Face model directory (see :func:`resolve_model`).
        models_dir: The run's models directory (``run.models_dir``).
        model_id: The model's name in the config, used to name the converted copy.
        revision: The Hub revision, or None to name the copy by the weights' fingerprint.
        quantization: Weight type to store (None keeps the checkpoint's, normally float32);
            see :func:`stored_type`. Each type gets its own copy.

    Raises:
        ModelError: CTranslate2 cannot convert this model.
    """
    weights = fingerprint(Path(model_dir))
    tag = _safe(revision) if revision else hashlib.sha256(weights.encode()).hexdigest()[:12]
    name = f"{_safe(model_id)}@{tag}" + (f"-{quantization}" if quantization else "")
    target = Path(models_dir) / CONVERTED_DIR / name
    if _is_converted(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=target.parent))
    try:
        _convert_into(Path(model_dir), work, quantization)
        record = {"source": model_id, "source_dir": str(model_dir), "revision": revision,
                  "weights": weights, "quantization": quantization, **_versions()}
        (work / "conversion.json").write_text(json.dumps(record, indent=2) + "\n", "utf-8")
        if target.exists() and not _is_converted(target):
            shutil.rmtree(target)  # left by a copy made by hand, or by an older layout
        try:
            work.rename(target)
        except OSError:  # another process finished the same conversion first: keep its copy
            if not _is_converted(target):
                raise
    except Exception as exc:  # noqa: BLE001 - the converter raises many kinds; all mean "cannot"
        raise ModelError(f"cannot convert model {model_id} ({model_dir}) to CTranslate2: "
                         f"{exc}; use translate.backend: transformers for this model") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)  # gone already when renamed
    return target


def _convert_into(model_dir: Path, out: Path, quantization: str | None) -> None:
    from ctranslate2.converters import TransformersConverter
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # library code prints nothing

    class Converter(TransformersConverter):
        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            # transformers 5 dropped `normalize_before` from BartConfig (it was always False:
            # BART is post-norm), but CTranslate2's BartLoader still reads it; MarianLoader
            # sets it itself. Put back the value the old config always had.
            if not hasattr(model.config, "normalize_before"):
                model.config.normalize_before = False
            return model

    files = [f for f in _TOKENIZER_FILES if (model_dir / f).is_file()]
    Converter(str(model_dir), copy_files=files).convert(str(out), quantization=quantization,
                                                        force=True)


def _is_converted(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "conversion.json").is_file()


def _safe(text: str) -> str:
    """A file-name-safe form of a model id, revision or path."""
    return re.sub(r"[^\w.-]+", "--", text).strip("-.")[:120] or "model"


def _versions() -> dict[str, str]:
    import ctranslate2
    import transformers

    return {"ctranslate2": ctranslate2.__version__, "transformers": transformers.__version__}


def _target_vocabulary(converted: Path) -> frozenset[str]:
    """The tokens the converted model can generate."""
    for name in ("target_vocabulary.json", "shared_vocabulary.json"):
        if (converted / name).is_file():
            return frozenset(json.loads((converted / name).read_text("utf-8")))
    return frozenset()


def resolve_compute_type(requested: str, device: str,
                         key: str = "translate.compute_type") -> str:
    """The CTranslate2 compute type to load with on ``device`` (``cpu`` or ``cuda``).

    ``auto`` is int8 on CPU and int8_float16 on CUDA (the fastest types that keep translation
    quality), falling back to what the machine supports.

    Raises:
        ConfigError: the requested type is not supported on this device; lists those that are.
    """
    import ctranslate2

    try:
        supported = set(ctranslate2.get_supported_compute_types(device))
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"CTranslate2 cannot use device {device!r}: {exc}") from None
    if requested == "auto":
        return next((t for t in _AUTO_COMPUTE.get(device, ()) if t in supported), "default")
    if requested not in supported and requested != "default":
        raise ConfigError(f"{key}: {requested!r} is not supported by CTranslate2 on {device} on "
                          f"this machine; supported: auto, default, {', '.join(sorted(supported))}",
                          key=key)
    return requested


def stored_type(compute_type: str) -> str | None:
    """The weight type to convert to for ``compute_type`` (None: keep float32).

    Weights stored in the type they are computed in load without a float32 copy first: for
    DistilBART with int8 compute, 0.38 GB peak instead of 1.2 GB.
    """
    if compute_type.startswith("int8"):
        return "int8"
    return compute_type if compute_type in ("float16", "bfloat16", "int16") else None


def pick_ct2_device(name: str, key: str = "translate.device") -> tuple[str, int]:
    """CTranslate2's device and device index for a config's ``device`` value.

    Raises:
        ConfigError: a device CTranslate2 cannot use, or a GPU this machine does not have; the
            message lists the devices allowed here.
    """
    import ctranslate2

    gpus = ctranslate2.get_cuda_device_count()
    if name == "auto":
        return ("cuda", 0) if gpus > 0 else ("cpu", 0)
    if name == "cpu":
        return "cpu", 0
    here = ", ".join(["auto", "cpu", *(["cuda"] if gpus else []),
                      *(f"cuda:{i}" for i in range(gpus))])
    if not name.startswith("cuda"):
        raise ConfigError(f"{key}: {name!r} is not a device of backend ctranslate2 (backend "
                          f"transformers has it); allowed here: {here}", key=key)
    index = int(name.partition(":")[2] or 0)
    if index >= gpus:
        raise ConfigError(f"{key}: {name!r} is not available on this machine: CTranslate2 sees "
                          f"{gpus} CUDA devices; allowed here: {here}", key=key)
    return "cuda", index


def check_settings(settings: Any, section: str, *, here: bool = True) -> None:
    """Fail before any work if the ctranslate2 backend cannot run ``settings`` (a model section
    of the config): CTranslate2 missing, a transformers dtype, and (``here``: the models run on
    this machine) a device or compute type this machine does not have.

    Raises:
        ConfigError: naming the key, the value and what is allowed.
    """
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        raise ConfigError(f"{section}.backend: ctranslate2 is not installed: pip install "
                          f"'.[fast]', or set {section}.backend: transformers",
                          key=f"{section}.backend") from None
    if settings.dtype != "auto":
        raise ConfigError(
            f"{section}.dtype: {settings.dtype!r} is a setting of backend transformers; backend "
            f"ctranslate2 takes {section}.compute_type: leave {section}.dtype as auto, or set "
            f"{section}.backend: transformers", key=f"{section}.dtype")
    if here:
        device, _ = pick_ct2_device(settings.device, key=f"{section}.device")
        resolve_compute_type(settings.compute_type, device, key=f"{section}.compute_type")


class CTranslate2Engine:
    """A Hugging Face tokenizer and a CTranslate2 model: the ``Seq2Seq`` interface, faster.

    Like ``Seq2Seq``'s weights, the CTranslate2 model is converted (the first time) and loaded
    only when something has to be generated. Decoding defaults come from the model's Hugging
    Face generation config, translated to CTranslate2's conventions (see :meth:`_options`).
    """

    def __init__(self, path: Path, precision: str,
                 load: Callable[[], tuple[Any, frozenset[str]]], device: str = "cpu",
                 key: str = "model") -> None:
        self.path = path
        self.files = ModelFiles(path, key)  # tokenizer and generation config, when needed
        self.device = device
        self.precision = precision  # the compute type, part of the translation memory's key
        self.vocabulary: frozenset[str] = frozenset()  # what the model can generate
        self._load = load
        self._translator: Any = None
        self.model_seconds = 0.0  # time from submitting batches to their last result
        # Segmenting counts every sentence and generate() counts it again: tokenize once.
        self.count_tokens = functools.lru_cache(maxsize=1 << 16)(self.count_tokens)

    @classmethod
    def from_model(cls, model_dir: Path, *, models_dir: str | Path, model_id: str,
                   revision: str | None, device: str = "auto", compute_type: str = "auto",
                   threads: int | None = None, parallel_batches: int | str = "auto",
                   section: str = "translate") -> CTranslate2Engine:
        """Check the settings; tokenizer, conversion and model wait for first use.

        ``threads`` (all cores when None) are shared among ``parallel_batches`` workers, each
        decoding its own batch (``auto``: one worker per thread on CPU, one on CUDA).
        ``section`` is the config section the settings come from, for messages.

        Raises:
            ConfigError: the device or compute type is not one CTranslate2 can use here.
        """
        name, index = pick_ct2_device(device, key=f"{section}.device")
        compute = resolve_compute_type(compute_type, name, key=f"{section}.compute_type")
        total = threads or os.cpu_count() or 1
        workers = (total if name == "cpu" else 1) if parallel_batches == "auto" \
            else int(parallel_batches)
        load = partial(_load_translator, Path(model_dir), Path(models_dir), model_id=model_id,
                       revision=revision, device=(name, index), compute_type=compute,
                       workers=workers, threads=max(1, total // workers))
        engine = cls(Path(model_dir), compute, load, device=name, key=f"{section}.model")
        engine.files.check()
        return engine

    @property
    def translator(self) -> Any:
        """The ``ctranslate2.Translator``, converted and loaded the first time it is needed."""
        if self._translator is None:
            self._translator, self.vocabulary = self._load()
        return self._translator

    @property
    def tokenizer(self) -> Any:
        """The Hugging Face tokenizer, loaded the first time it is needed."""
        return self.files.tokenizer

    @property
    def generation_config(self) -> Any:
        """The Hugging Face generation config, loaded the first time it is needed."""
        return self.files.generation

    @property
    def max_input_tokens(self) -> int:
        """The longest input the model takes, special tokens included."""
        return self.files.max_input_tokens

    @property
    def default_batch_size(self) -> int:
        """``batch_size: auto``: 4 sentences on CPU, 32 on CUDA.

        On CPU small batches decode faster per sentence (the beams' scores over a large
        vocabulary stay in cache), and parallel workers make up for their number.
        """
        return 32 if self.device == "cuda" else 4

    def generation_default(self, key: str) -> Any:
        """A value from the model's generation config (``generation_config.json``), or None."""
        return self.files.generation_default(key)

    def count_tokens(self, text: str) -> int:
        """Number of input tokens for ``text``, special tokens included."""
        return len(self._tokens(text))

    def generate(self, texts: Sequence[str], *, batch_size: int,
                 max_new_tokens: Callable[[int], int], batch_tokens: int = 1 << 30,
                 on_batch: Callable[[list[int]], None] | None = None,
                 **kwargs: Any) -> list[str]:
        """Generate for each text (see :meth:`generate_scored`), without the scores."""
        return [text for text, _ in self._generate(texts, batch_size, max_new_tokens,
                                                   batch_tokens, on_batch, False, kwargs)]

    def generate_scored(self, texts: Sequence[str], *, batch_size: int,
                        max_new_tokens: Callable[[int], int], batch_tokens: int = 1 << 30,
                        on_batch: Callable[[list[int]], None] | None = None,
                        **kwargs: Any) -> list[tuple[str, float]]:
        """Each output with its mean natural log-probability per generated token.

        CTranslate2's hypothesis score is the sum of the tokens' log-probabilities divided by
        ``length ** length_penalty`` (greedy search too), ``length`` counting the end token
        when one was generated (it stops at ``max_decoding_length`` without one); the score
        is multiplied back and divided by the length, so the mean does not depend on the
        length penalty.
        """
        return self._generate(texts, batch_size, max_new_tokens, batch_tokens, on_batch, True,
                              kwargs)

    def _generate(self, texts: Sequence[str], batch_size: int,
                  max_new_tokens: Callable[[int], int], batch_tokens: int,
                  on_batch: Callable[[list[int]], None] | None, scored: bool,
                  kwargs: dict[str, Any]) -> list[tuple[str, float]]:
        """Generate for each text, longest first in token-budgeted batches; input order kept.

        ``on_batch`` is called with the indices (into ``texts``) of each batch once it is done.

        Batches and output bounds are those of ``Seq2Seq.generate``: ``max_new_tokens`` maps an
        input length (in tokens) to that input's output bound. CTranslate2 takes one length
        limit per batch, so only inputs with the same bound share a batch: an output never
        depends on what else was in its batch. Batches already fit ``batch_tokens``, so
        CTranslate2 is not asked to split them again (its ``max_batch_size`` would also
        preallocate for the budget). Every batch is submitted at
        once, so the translator's ``parallel_batches`` workers decode several at a time.
        ``kwargs`` override the generation config (``num_beams``, ``min_length``,
        ``length_penalty``, ``no_repeat_ngram_size``, ``repetition_penalty``).
        """
        translator = self.translator  # loaded first: the options depend on its vocabulary
        options = self._options(kwargs)
        if scored:
            options |= {"return_scores": True, "return_end_token": True}
        penalty = float(options.get("length_penalty", 1.0))
        tokens = [self._tokens(text) for text in texts]
        lengths = [len(t) for t in tokens]
        bounds = [max_new_tokens(n) for n in lengths]
        order = sorted(range(len(texts)), key=lambda i: -lengths[i])  # equal bounds adjacent
        pending = []
        start = time.perf_counter()
        for batch in token_batches(lengths, order, max_tokens=batch_tokens, max_items=batch_size,
                                   keys=bounds):
            bound = bounds[batch[0]]
            pending.append((batch, translator.translate_batch(
                [tokens[i] for i in batch], self._prefix(len(batch)),
                max_decoding_length=self._decoding_length(bound), asynchronous=True,
                **options)))
        hypotheses = []
        for batch, results in pending:  # in submission order: a late batch waits for none
            hypotheses.append((batch, [r.result() for r in results]))
            if on_batch:
                on_batch(batch)
        self.model_seconds += time.perf_counter() - start
        outputs: list[tuple[str, float]] = [("", 0.0)] * len(texts)
        end = self.tokenizer.eos_token
        for batch, found in hypotheses:
            for i, result in zip(batch, found, strict=True):
                hypothesis = result.hypotheses[0]
                mean = 0.0
                if scored:
                    n = max(1, len(hypothesis))
                    mean = result.scores[0] * n ** penalty / n
                    if not math.isfinite(mean):  # a token it gave no probability
                        mean = TOKEN_FLOOR
                    if hypothesis and hypothesis[-1] == end:
                        hypothesis = hypothesis[:-1]
                outputs[i] = (self._detokenize(hypothesis), mean)
        return outputs

    def _tokens(self, text: str) -> list[str]:
        return self.tokenizer.convert_ids_to_tokens(self.tokenizer.encode(text))

    def _detokenize(self, tokens: list[str]) -> str:
        ids = self.tokenizer.convert_tokens_to_ids(tokens)
        return self.tokenizer.decode(ids, skip_special_tokens=True).strip()

    def _options(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """``translate_batch`` options: the generation config, then ``overrides``."""
        unknown = sorted(set(overrides) - set(_OPTIONS))
        if unknown:
            raise ModelError(f"the ctranslate2 backend does not support generation option(s) "
                             f"{', '.join(unknown)}; supported: {', '.join(_OPTIONS)}")
        gc = self.generation_config
        hf = {k: getattr(gc, k, None) for k in _OPTIONS} | overrides
        options = {_OPTIONS[k]: v for k, v in hf.items() if v is not None}
        # Hugging Face counts the decoder start token in min_length; CTranslate2 does not.
        options["min_decoding_length"] = max(0, (hf["min_length"] or 0) - 1)
        options.setdefault("beam_size", 1)
        banned = [self.tokenizer.convert_ids_to_tokens(ids) for ids in
                  [[t] for t in gc.suppress_tokens or []] + list(gc.bad_words_ids or [])]
        # Marian's <pad> (OPUS-MT bans it with bad_words_ids) is left out of the converted
        # vocabulary, so it is never generated, and CTranslate2 rejects unknown tokens here.
        banned = [seq for seq in banned if not self.vocabulary or set(seq) <= self.vocabulary]
        if banned:
            options["suppress_sequences"] = banned
        # The pipeline splits long inputs itself; never let CTranslate2 cut one silently.
        return options | {"max_input_length": 0, "return_scores": False}

    def _prefix(self, n: int) -> list[list[str]] | None:
        """The forced first token (BART's ``forced_bos_token_id``), as a target prefix."""
        forced = getattr(self.generation_config, "forced_bos_token_id", None)
        if forced is None:
            return None
        return [[self.tokenizer.convert_ids_to_tokens(forced)]] * n

    def _decoding_length(self, bound: int) -> int:
        """CTranslate2's length limit for ``bound`` new tokens as ``generate`` counts them.

        With ``forced_eos_token_id`` set, ``generate`` spends the last of its ``bound`` tokens
        on the forced end token; CTranslate2 stops at the limit without one, so one token less
        gives the same text.
        """
        forced_eos = getattr(self.generation_config, "forced_eos_token_id", None) is not None
        return max(1, bound - 1) if forced_eos else max(1, bound)


def _load_translator(model_dir: Path, models_dir: Path, *, model_id: str, revision: str | None,
                     device: tuple[str, int], compute_type: str, workers: int,
                     threads: int) -> tuple[Any, frozenset[str]]:
    """Convert the model if not done yet; load it and the vocabulary it generates from.

    ``workers`` batches are decoded at once, each with ``threads`` threads.
    """
    import ctranslate2

    converted = convert(model_dir, models_dir, model_id=model_id, revision=revision,
                        quantization=stored_type(compute_type))
    try:
        translator = ctranslate2.Translator(
            str(converted), device=device[0], device_index=device[1], compute_type=compute_type,
            inter_threads=workers, intra_threads=threads)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"cannot load CTranslate2 model {converted}: {exc}") from exc
    return translator, _target_vocabulary(converted)


def load_engine(settings: Any, model_dir: Path, *, models_dir: str | Path = "models",
                section: str = "translate") -> CTranslate2Engine:
    """The ``ctranslate2`` backend of :func:`pipeline.engines.build_engine`: the model is
    converted once (the first time it generates) and loaded with the section's ``device``,
    ``compute_type``, ``threads`` and ``parallel_batches``."""
    return CTranslate2Engine.from_model(
        model_dir, models_dir=models_dir, model_id=settings.model, revision=settings.revision,
        device=settings.device, compute_type=settings.compute_type, threads=settings.threads,
        # Summaries have long inputs, whose beams' attention caches take the memory: one at a time.
        parallel_batches=1 if section == "summarise" and settings.parallel_batches == "auto"
        else settings.parallel_batches, section=section)
