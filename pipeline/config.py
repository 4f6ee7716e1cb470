"""The run configuration: YAML validated by pydantic, every default in the models below.

``configs/default.yaml`` repeats these defaults with comments; ``--set section.key=value``
overrides any key (the value is parsed as YAML).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ConfigError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _expand_user(path: str) -> str:
    return os.path.expanduser(path)


# A path the pipeline opens: ``~`` and ``~user`` are expanded, as the shell would have
# (input.path is expanded where it is listed: its glob wildcards stay as given)
UserPath = Annotated[str, AfterValidator(_expand_user)]


class RunConfig(_Section):
    name: str | None = None
    models_dir: UserPath = "models"
    chunk_segments: int = Field(1024, ge=1)
    executor: Literal["local", "ray"] = "local"


class InputConfig(_Section):
    path: str = "examples/lutte-anti-aqmi.fr.txt"
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
Device = Annotated[str, Field(pattern=r"^(auto|cpu|cuda(:\d+)?|mps)$")]
Dtype = Literal["auto", "float32", "bfloat16", "float16"]
Beams = Annotated[int | None, Field(ge=1, le=32)]  # None: the model's generation config
Count = Annotated[int, Field(ge=1)] | Literal["auto"]  # "auto": chosen for backend and device


class _ModelSection(_Section):
    """What the translator and the summariser both take: a model and how to run it."""

    model: str
    revision: str | None = None
    backend: Backend = "transformers"
    device: Device = "auto"
    dtype: Dtype = "auto"
    compute_type: str = "auto"
    num_beams: Beams = None
    parallel_batches: Count = "auto"
    threads: int | None = Field(None, ge=1)  # None: all cores (torch's or CTranslate2's default)


class TranslateConfig(_ModelSection):
    model: str = "Helsinki-NLP/opus-mt-fr-en"
    batch_size: Count = "auto"
    batch_tokens: int = Field(4096, ge=16)
    max_length_ratio: float = Field(2.0, gt=0)
    max_length_offset: int = Field(10, ge=0)
    # full: every sentence; brief: the title and the summary sentences only (a triage brief)
    scope: Literal["full", "brief"] = "full"


class SummariseConfig(_ModelSection):
    method: Literal["abstractive", "extractive", "none"] = "abstractive"
    model: str = "sshleifer/distilbart-cnn-12-6"
    min_length: int | None = Field(None, ge=0)
    max_length: int | None = Field(None, ge=1)
    max_input_tokens: int | None = Field(None, ge=16)
    sentences: int = Field(3, ge=1)  # extractive: at most this many sentences
    words: int = Field(75, ge=1)  # extractive: at most this many words (the first sentence
    # chosen always goes in)
    batch_size: int = Field(4, ge=1)


class ScoresConfig(_Section):
    comet_model: str | None = None


class CacheConfig(_Section):
    enabled: bool = True
    path: UserPath = ".cache/memory.sqlite"


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
    read: RayReadConfig = RayReadConfig()
    translate: RayModelConfig = RayModelConfig()
    summarise: RayModelConfig = RayModelConfig()


class Config(_Section):
    run: RunConfig = RunConfig()
    input: InputConfig = InputConfig()
    segment: SegmentConfig = SegmentConfig()
    translate: TranslateConfig = TranslateConfig()
    summarise: SummariseConfig = SummariseConfig()
    scores: ScoresConfig = ScoresConfig()
    cache: CacheConfig = CacheConfig()
    output: OutputConfig = OutputConfig()
    ray: RayConfig = RayConfig()

    @model_validator(mode="after")
    def _brief_needs_extractive(self) -> Config:
        if self.translate.scope == "brief" and self.summarise.method != "extractive":
            raise ValueError(
                "config key 'translate.scope' = 'brief' needs summarise.method: extractive (the "
                "summary sentences are chosen from the French before translation), got "
                f"summarise.method: {self.summarise.method}; set summarise.method=extractive or "
                "translate.scope=full")
        return self

    def output_dir(self, run_name: str) -> Path:
        """Where this run's files go: ``output.dir``, else ``outputs/<run name>``."""
        return Path(self.output.dir) if self.output.dir else Path("outputs") / run_name


def load_config(path: str | Path | None, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Read a YAML config, apply ``section.key=value`` overrides and validate.

    Raises:
        ConfigError: the file is missing or not YAML, an override is malformed, or a key or value
            is not allowed; the message names the key, the value and what is allowed.
    """
    data = _read_yaml(Path(path)) if path is not None else {}
    for item in overrides:
        _apply_override(data, item)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source=str(path or "--set"))) from None


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


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path} (pass --config with a YAML file, "
                          "e.g. configs/default.yaml)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"config file {path}{line}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: expected a mapping of sections "
                          f"({', '.join(Config.model_fields)}), got {type(data).__name__}")
    return data


def _apply_override(data: dict[str, Any], item: str) -> None:
    import yaml

    key, sep, raw = item.partition("=")
    parts = key.strip().split(".")
    if not sep or len(parts) < 2 or not all(parts):
        raise ConfigError(f"--set {item!r}: expected section.key=value, "
                          "e.g. --set translate.num_beams=4")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {item!r}: {part!r} is not a section")
        node = child
    node[parts[-1]] = value


def _describe(exc: ValidationError, source: str) -> str:
    """One line per problem: key, value given, what is allowed."""
    lines = []
    for error in exc.errors():
        key = ".".join(str(p) for p in error["loc"])
        given = error.get("input")
        if not error["loc"]:  # a check across sections: its message names the keys
            lines.append(f"{source}: {error['msg'].removeprefix('Value error, ')}")
        elif error["type"] == "extra_forbidden":
            lines.append(f"{source}: unknown config key '{key}'; {_allowed_keys(error['loc'])}")
        else:
            lines.append(f"{source}: config key '{key}' = {given!r}: {error['msg']}")
    return "; ".join(lines)


def _allowed_keys(loc: tuple[Any, ...]) -> str:
    model: type[BaseModel] = Config
    for part in loc[:-1]:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    where = ".".join(str(p) for p in loc[:-1]) or "top level"
    return f"allowed in {where}: {', '.join(model.model_fields)}"
