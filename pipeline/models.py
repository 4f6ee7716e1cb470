"""Finding model weights: a local directory, ``models/``, the Hugging Face cache, or the Hub.

Every model is resolved to a local directory before any work starts, so a run without a network
and without the model stops at once with one message saying how to get it.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from .errors import ModelError

# What from_pretrained needs for a seq2seq model and its tokenizer; weights are chosen separately
# so that a repository holding both formats is downloaded once, not twice.
_SUPPORT_FILES = ["*.json", "*.spm", "*.txt", "*.model"]
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def resolve_model(name: str, *, key: str, models_dir: str | Path = "models",
                  revision: str | None = None) -> Path:
    """Return a local directory holding model ``name``, downloading it if the Hub is reachable.

    Args:
        name: A Hugging Face model id or a local directory.
        key: The config key that named the model, for messages (e.g. ``translate.model``).
        models_dir: Where ``models pull`` stores copies (``run.models_dir``).
        revision: A Hub revision (branch, tag or commit), or None for the default branch.

    Raises:
        ModelError: the model is nowhere to be found; the message lists the ways to get it.
    """
    path = Path(name).expanduser()
    if path.is_dir():
        return _check_dir(path, name, key)
    if _looks_like_path(name):
        raise ModelError(f"{key}: model directory {name} does not exist")
    pulled = Path(models_dir) / name
    if (pulled / "config.json").is_file():
        return pulled
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(name, revision=revision, local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure here means "not cached"; we try the Hub next
        pass
    try:
        return download(name, revision=revision)
    except Exception as exc:  # noqa: BLE001 - the Hub client raises many kinds; all mean "missing"
        raise ModelError(_missing_message(name, key, pulled, exc)) from None


def download(name: str, *, revision: str | None = None, local_dir: Path | None = None) -> Path:
    """Download a model's config, tokenizer and one copy of its weights from the Hub."""
    from huggingface_hub import HfApi, snapshot_download

    # One small file first: without a network this fails at once, where listing the repository
    # would retry with back-off for half a minute.
    snapshot_download(name, revision=revision, local_dir=local_dir, allow_patterns=["config.json"])
    files = set(HfApi().list_repo_files(name, revision=revision))
    weights = next((w for w in _WEIGHT_FILES if w in files), None)
    if weights is None:
        raise ModelError(f"model {name} has neither {' nor '.join(_WEIGHT_FILES)} on the Hub")
    return Path(snapshot_download(name, revision=revision, local_dir=local_dir,
                                  allow_patterns=[*_SUPPORT_FILES, weights]))


def pull(name: str, models_dir: str | Path, *, revision: str | None = None) -> Path:
    """Copy a Hub model into ``models_dir/<model id>`` so that later runs work offline."""
    if Path(name).is_dir():
        return Path(name)
    target = Path(models_dir) / name
    try:
        return download(name, revision=revision, local_dir=target)
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"cannot download model {name} into {target}: {_reason(exc)}. "
                         "This needs a connection to huggingface.co (or HF_ENDPOINT set to a "
                         "mirror); HF_HUB_OFFLINE must not be set.") from None


def _check_dir(path: Path, name: str, key: str) -> Path:
    if not (path / "config.json").is_file():
        raise ModelError(f"{key}: directory {name} holds no config.json; expected a model saved "
                         "with save_pretrained or fetched with `python run.py models pull`")
    return path


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or os.sep + os.sep in name


def _reason(exc: Exception) -> str:
    """A short cause for the Hub client's long error texts."""
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return "HF_HUB_OFFLINE is set"
    if "RepositoryNotFound" in name or "404" in text:
        return "no such model on the Hub (check the id and revision)"
    if any(s in text for s in ("ConnectError", "Name or service", "Connection", "timed out")):
        return "cannot reach huggingface.co"
    return (text[:160] + "...") if len(text) > 160 else text or name


def _missing_message(name: str, key: str, pulled: Path, exc: Exception) -> str:
    return (
        f"model '{name}' ({key}) is not available: it is not a local directory, not in "
        f"{pulled}, not in the Hugging Face cache, and downloading it failed "
        f"({_reason(exc)}). To get it: (1) run once with a network connection (it is then "
        f"cached); or (2) run `python run.py models pull --config <config>` on a connected "
        f"machine and copy its models/ folder here; or (3) point the config at a local copy: "
        f"--set {key}=/path/to/model"
    )


def fingerprint(path: Path) -> str:
    """Identify a model's exact weights cheaply: the Hub commit for a cached snapshot, else a
    hash of its config and the size, head and tail of each weights file (read once per run:
    the memory's key and the resume check both ask)."""
    return _fingerprint(Path(path).resolve())


@functools.lru_cache(maxsize=16)
def _fingerprint(path: Path) -> str:
    if path.parent.name == "snapshots":
        return f"commit:{path.name}"
    digest = hashlib.sha256()
    for file in sorted(path.iterdir()):
        if file.name == "config.json" or file.suffix in (".safetensors", ".bin"):
            size = file.stat().st_size
            digest.update(f"{file.name}:{size}".encode())
            with file.open("rb") as handle:
                digest.update(handle.read(1 << 20))
                handle.seek(max(0, size - (1 << 20)))
                digest.update(handle.read(1 << 20))
    return f"sha256:{digest.hexdigest()[:24]}"
