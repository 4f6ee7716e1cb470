"""The run configuration: YAML validated by pydantic, every default in the models below.

``configs/default.yaml`` repeats these defaults with comments; ``--set section.key=value``
overrides any key (read as the key's type: text stays text, other values are YAML). A relative
path written in a config file is relative to that file's folder; one given with ``--set``, or a
default, is relative to the current folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from .config_io import (
    Allowed,
    IsPath,
    Origins,
    apply_override,
    members,
    read_file,
    rebase_paths,
    shipped,
)
from .errors import ConfigError

EXAMPLE = "lutte-anti-aqmi.fr.txt"  # the example article that comes with the package


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data: Any) -> Any:
        """``true``/``yes`` where a number is wanted is a mistake, not 1 (pydantic's lax mode
        would read it so): passed on as text, which the field then refuses in its own words."""
        if not isinstance(data, dict):
            return data
        fixed = dict(data)
        for key, value in data.items():
            field = cls.model_fields.get(key) if isinstance(key, str) else None
            if isinstance(value, bool) and field is not None and not any(
                    m is bool or m is Any for m in members(field.annotation)):
                fixed[key] = str(value).lower()
        return fixed


def _expand_user(path: str) -> str:
    return os.path.expanduser(path)


#: Where versions before the user's cache folder kept the memory (from the current folder).
LEGACY_CACHE_PATH = os.path.join(".cache", "memory.sqlite")


def default_cache_path() -> str:
    """Where the translation memory lives by default: the user's cache folder
    (``$XDG_CACHE_HOME/fr-en-briefs/memory.sqlite``, else ``~/.cache/fr-en-briefs/...``),
    unless the current folder holds the memory earlier versions kept there
    (:data:`LEGACY_CACHE_PATH`), which is used so that its translations are not lost."""
    if os.path.isfile(LEGACY_CACHE_PATH):
        return LEGACY_CACHE_PATH
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fr-en-briefs", "memory.sqlite")


def _example_path() -> str:
    return str(shipped("examples") / EXAMPLE)


def _or(default: Any) -> BeforeValidator:
    """``null`` stands for a default worked out when the config is read."""
    return BeforeValidator(lambda value: (default() if callable(default) else default)
                           if value is None else value)


# A path the pipeline opens: ``~`` and ``~user`` are expanded, as the shell would have
# (input.path is expanded where it is listed: its glob wildcards stay as given)
UserPath = Annotated[str, AfterValidator(_expand_user), IsPath()]
# A Hugging Face model id or a local directory
ModelName = Annotated[str, IsPath(model=True)]


class RunConfig(_Section):
    name: str | None = None
    # null: models/ in the current folder
    models_dir: Annotated[UserPath, _or("models")] = Field(None, validate_default=True)
    chunk_segments: int = Field(1024, ge=1)
    executor: Literal["local", "ray"] = "local"


class InputConfig(_Section):
    path: Annotated[str, IsPath()] = Field(default_factory=_example_path)
    format: str = "auto"
    references: UserPath | None = None
    origlang: str | None = None
    language: Literal["fr"] = "fr"
    check_language: bool = True
    other_language: Literal["skip", "fail", "translate"] = "skip"
    max_chars: int = Field(200_000, gt=0)


class SegmentConfig(_Section):
    max_tokens: int = Field(256, ge=8, le=512)
    keep_english: bool = True


# Field types shared by the two model sections.
Backend = Literal["transformers", "ctranslate2"]
Device = Annotated[str, Field(pattern=r"^(auto|cpu|cuda(:\d+)?|mps)$"),
                  Allowed("auto, cpu, cuda, cuda:N (N = 0, 1...) or mps")]
Dtype = Literal["auto", "float32", "bfloat16", "float16"]  # transformers
# CTranslate2's compute types ("default": the type the model was converted to)
ComputeType = Literal["auto", "default", "int8", "int8_float32", "int8_float16",
                      "int8_bfloat16", "int16", "float16", "bfloat16", "float32"]
Beams = Annotated[int | None, Field(ge=1, le=32)]  # None: the model's generation config
Count = Annotated[int, Field(ge=1)] | Literal["auto"]  # "auto": chosen for backend and device


class _ModelSection(_Section):
    """What the translator and the summariser both take: a model and how to run it."""

    model: ModelName
    revision: str | None = None
    backend: Backend = "transformers"
    device: Device = "auto"
    dtype: Dtype = "auto"
    compute_type: ComputeType = "auto"
    num_beams: Beams = None
    parallel_batches: Count = "auto"
    threads: int | None = Field(None, ge=1)  # None: all cores (torch's or CTranslate2's default)


class TranslateConfig(_ModelSection):
    model: ModelName = "Helsinki-NLP/opus-mt-fr-en"
    batch_size: Count = "auto"
    batch_tokens: int = Field(4096, ge=16)
    max_length_ratio: float = Field(2.0, gt=0, allow_inf_nan=False)
    max_length_offset: int = Field(10, ge=0)
    # full: every sentence; brief: the title and the summary sentences only (a triage brief)
    scope: Literal["full", "brief"] = "full"


class SummariseConfig(_ModelSection):
    method: Literal["abstractive", "extractive", "none"] = "abstractive"
    model: ModelName = "sshleifer/distilbart-cnn-12-6"
    min_length: int | None = Field(None, ge=0)
    max_length: int | None = Field(None, ge=1)
    max_input_tokens: int | None = Field(None, ge=16)
    sentences: int = Field(2, ge=1)  # extractive: at most this many sentences
    words: int = Field(90, ge=1)  # extractive: at most this many words (the first sentence
    # chosen always goes in)
    batch_size: int = Field(4, ge=1)


class ScoresConfig(_Section):
    comet_model: Annotated[str, IsPath()] | None = None  # a local checkpoint


class CacheConfig(_Section):
    enabled: bool = True
    # null: the user's cache folder (default_cache_path)
    path: Annotated[UserPath, _or(default_cache_path)] = Field(None, validate_default=True)


class OutputConfig(_Section):
    dir: UserPath | None = None


class RayReadConfig(_Section):
    """The read-and-segment stage on Ray: an actor pool (the tokenizer is loaded once)."""

    actors: int = Field(1, ge=1, le=10_000)
    cpus: float = Field(1.0, gt=0, le=1024)
    batch_size: int = Field(16, ge=1)  # articles per block handed to the next stage


class RayModelConfig(RayReadConfig):
    """A model stage on Ray: an actor pool, each actor loading its engine once."""

    gpus: float | None = Field(None, ge=0, le=64)  # None: a share of the cluster's GPUs, if any


class RayConfig(_Section):
    address: str | None = None  # None: start a local Ray; "auto"; "ray://host:10001"
    read: RayReadConfig = Field(default_factory=RayReadConfig)
    translate: RayModelConfig = Field(default_factory=RayModelConfig)
    summarise: RayModelConfig = Field(default_factory=RayModelConfig)


class Config(_Section):
    run: RunConfig = Field(default_factory=RunConfig)
    input: InputConfig = Field(default_factory=InputConfig)
    segment: SegmentConfig = Field(default_factory=SegmentConfig)
    translate: TranslateConfig = Field(default_factory=TranslateConfig)
    summarise: SummariseConfig = Field(default_factory=SummariseConfig)
    scores: ScoresConfig = Field(default_factory=ScoresConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    ray: RayConfig = Field(default_factory=RayConfig)

    @model_validator(mode="after")
    def _brief_needs_extractive(self) -> Config:
        if self.translate.scope == "brief" and self.summarise.method != "extractive":
            raise ValueError(
                "translate.scope: brief needs summarise.method extractive (the summary "
                "sentences are chosen from the French before translation), not "
                f"{self.summarise.method}; set summarise.method=extractive, or "
                "translate.scope=full")
        return self

    def output_dir(self, run_name: str) -> Path:
        """Where this run's files go: ``output.dir``, else ``outputs/<run name>`` in the
        current folder."""
        return Path(self.output.dir) if self.output.dir else Path("outputs") / run_name


def load_config(path: str | Path | None, overrides: list[str] | tuple[str, ...] = (), *,
                relative_to_file: bool = True) -> Config:
    """Read a YAML config, apply ``section.key=value`` overrides and validate.

    Args:
        path: The config file, or None for the defaults.
        overrides: ``--set`` items, applied in order (a later one wins).
        relative_to_file: Relative paths in the file are relative to its folder (False: to
            the current folder, for a run's own ``config.resolved.yaml``).

    Raises:
        ConfigError: the file is missing or not YAML, an override is malformed, or a key or value
            is not allowed; the message says where the value came from (``--set KEY=VALUE``, or
            the file and line), the key and what it takes.
    """
    return read_config(path, overrides, relative_to_file=relative_to_file)[0]


def read_config(path: str | Path | None, overrides: list[str] | tuple[str, ...] = (), *,
                relative_to_file: bool = True) -> tuple[Config, Origins]:
    """:func:`load_config`, and where each value came from (key path -> ``--set KEY=VALUE``
    or ``FILE, line N``), for messages about values found wrong later."""
    from .config_messages import describe

    data: dict[str, Any] = {}
    origins: Origins = {}
    if path is not None:
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"config file not found: {path} (pass --config with a YAML "
                              "file, e.g. configs/default.yaml)")
        data, origins = read_file(path, Config)
        if relative_to_file:
            for note in rebase_paths(data, path.parent, Config):
                print(f"note: {path}: {note}", file=sys.stderr)
    for item in overrides:
        apply_override(data, origins, item, Config)
    try:
        return Config.model_validate(data), origins
    except ValidationError as exc:
        raise ConfigError(describe(exc, Config, origins, str(path or "config"))) from None


# Keys that change how a run goes, not what it produces: a run may be resumed with other values.
# (Not the devices: with dtype/compute_type auto, the device picks the precision.)
_OPERATIONAL = (
    "run.name", "run.models_dir", "run.chunk_segments", "run.executor", "ray.", "output.",
    "cache.",
    "translate.threads", "translate.batch_size", "translate.batch_tokens",
    "translate.parallel_batches", "summarise.threads", "summarise.batch_size",
    "summarise.parallel_batches",
)


def config_differences(stored: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """The settings that differ between two resolved configs and would change the outputs.

    Keys in :data:`_OPERATIONAL` (where files go, threads, batch sizes, the memory)
    are left out, and so are keys only one side has (a config written by another version).

    Args:
        stored: A stored run's config (``Config.model_dump(mode="json")``).
        config: The config of the run being started.

    Returns:
        ``"key: old -> new"`` lines, sorted; empty when a stored run may be resumed.
    """
    old, new = _flatten(stored), _flatten(config)
    return [f"{key}: {old[key]!r} -> {new[key]!r}" for key in sorted(old.keys() & new.keys())
            if old[key] != new[key] and not key.startswith(_OPERATIONAL)]


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def dump_config(config: Config) -> str:
    """The fully resolved config as YAML (every key, defaults included)."""
    import yaml

    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
