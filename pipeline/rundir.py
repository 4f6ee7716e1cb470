"""A run folder's ground rules: one writer at a time, files replaced whole, nothing deleted.

Used by :mod:`pipeline.store`, the folder's one writer. :func:`check_writable_paths` checks, before
a run loads anything, that every place it will write can be written.
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from pipeline.config import Config

# The names of what a run folder holds.
DB_NAME = "pipeline.sqlite"
RESULTS_NAME = "results.jsonl"
BRIEFS_DIR = "briefs"
CONFIG_NAME = "config.resolved.yaml"
HYPOTHESES = "hypotheses.en.txt"
METRICS = "metrics.json"
LOCK_NAME = ".lock"
SUPERSEDED_DIR = "superseded"
# Files a run writes at the top of its folder (briefs/ aside); moved away on --overwrite.
RUN_FILES = (RESULTS_NAME, CONFIG_NAME, METRICS, HYPOTHESES, "report.html")


class _Unwritable(Exception):
    """Why a path cannot be written (the message is the reason, without the path)."""


def check_writable_paths(config: Config, run_name: str) -> None:
    """Check that the run can write everywhere it will: ``output.dir`` (else
    ``outputs/<run name>``) and, with the memory enabled, ``cache.path``.

    Nothing is left behind: a folder that does not exist yet is not created (a probe folder is
    made and removed next to where it would go), and an existing file is opened without being
    changed.

    Args:
        config: The validated config.
        run_name: The run's name, which names the default output folder.

    Raises:
        ConfigError: One line naming the key, the path and why it cannot be used (not a
            directory, cannot be created, not writable, read-only file system).
    """
    out_dir = config.output_dir(run_name)
    try:
        _check_folder(out_dir)
    except _Unwritable as why:
        raise ConfigError(f"output.dir {out_dir}: {why}; choose another output.dir") from None
    if config.cache.enabled:
        cache = Path(config.cache.path)
        try:
            _check_file(cache)
        except _Unwritable as why:
            raise ConfigError(f"cache.path {cache}: {why}; point cache.path elsewhere or set "
                              "cache.enabled: false") from None


def _reason(exc: OSError) -> str:
    """An OS error as a few words: "read-only file system", "permission denied", ..."""
    if exc.errno == errno.EROFS:
        return "read-only file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOENT:  # an existing folder that refuses new entries (/proc)
        return "the folder takes no new entries"
    return (exc.strerror or str(exc)).lower()


def _kind(path: Path) -> str | None:
    """``dir``, ``file`` (anything but a folder) or None when nothing is at ``path``."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # NotADirectory: a parent is a file
        return None
    except OSError as exc:
        raise _Unwritable(f"cannot be looked at ({_reason(exc)})") from None
    return "dir" if stat.S_ISDIR(mode) else "file"


def _check_folder(path: Path) -> None:
    """A folder that exists and takes new files, or that can be created."""
    kind = _kind(path)
    if kind == "file":
        raise _Unwritable("not a directory (a file is there)")
    if kind == "dir":
        try:
            handle, probe = tempfile.mkstemp(prefix=".write-check-", dir=path)
        except OSError as exc:
            raise _Unwritable(f"not writable ({_reason(exc)})") from None
        os.close(handle)
        os.unlink(probe)
        return
    _check_creatable(path)


def _check_creatable(path: Path) -> None:
    """``path`` does not exist: its nearest existing parent must be a folder taking new ones."""
    parent = path.absolute().parent
    while _kind(parent) is None and parent != parent.parent:
        parent = parent.parent
    if _kind(parent) != "dir":
        raise _Unwritable(f"cannot create it: {parent} is not a directory")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".write-check-", dir=parent))
    except OSError as exc:
        raise _Unwritable(f"cannot create it in {parent} ({_reason(exc)})") from None


def _check_file(path: Path) -> None:
    """A file that exists and opens for writing, or that can be created; its folder must take
    new files too (SQLite keeps its journal beside it)."""
    kind = _kind(path)
    if kind == "dir":
        raise _Unwritable("is a directory, not a file")
    if kind == "file":
        try:
            with open(path, "ab"):
                pass
        except OSError as exc:
            raise _Unwritable(f"not writable ({_reason(exc)})") from None
    folder = path.absolute().parent
    try:
        _check_folder(folder)
    except _Unwritable as why:
        raise _Unwritable(f"its folder {folder}: {why}") from None


def write_atomic(path: Path, text: str) -> None:
    """Write text to path via a temp file and a rename, so readers never see half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back while the block runs, then deliver them.

    A commit touches the database and several files; letting it finish keeps them in step.
    Outside the main thread (where handlers cannot be set) the block simply runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    handler = lambda signum, _frame: caught.append(signum)  # noqa: E731
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        if caught:
            signal.raise_signal(caught[0])


def lock_folder(out_dir: Path) -> IO[str]:
    """Take the folder's lock (creating the folder), or refuse at once if another process holds
    it; keep the returned handle open as long as the lock is needed.

    The lock is an ``flock`` on ``.lock``: the system drops it when its process ends, even on
    SIGKILL, so a crashed run never leaves the folder locked.

    Raises:
        ConfigError: another process is writing this folder, or the folder cannot be made.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open(out_dir / LOCK_NAME, "a+")  # noqa: SIM115 - held by the caller
    except OSError as exc:
        raise ConfigError(f"output.dir {out_dir}: cannot be created or written: "
                          f"{exc.strerror or exc}") from None
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise ConfigError(f"output.dir {out_dir} is in use by another process (its "
                          f"{LOCK_NAME} is locked); wait for that run to end, or choose "
                          "another output.dir") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def run_files(out_dir: Path) -> list[str]:
    """The run outputs present in ``out_dir`` (``briefs/`` when it holds any brief)."""
    names = [n for n in RUN_FILES if (out_dir / n).exists()]
    briefs = out_dir / BRIEFS_DIR
    if briefs.is_dir() and any(briefs.iterdir()):
        names.append(f"{BRIEFS_DIR}/")
    return names


def refusal(out_dir: Path, latest: Any, changed: list[str]) -> str:
    """Why a run cannot start in a folder holding another run, and the ways out."""
    run_id, name, status, started = latest.run_id, latest.name, latest.status, latest.started_at
    shown = "; ".join(changed[:6]) + ("; ..." if len(changed) > 6 else "")
    return (f"output.dir {out_dir} holds run {name!r} (run {run_id}, {status}, started "
            f"{started}) made with other settings or inputs: {shown}. To resume that run, use "
            f"its config (it is in {out_dir / CONFIG_NAME}) and inputs; to keep "
            "both, choose another output.dir; to start a new run here, pass --overwrite (the "
            f"earlier run's files move to {out_dir / SUPERSEDED_DIR}/run-{run_id}/, its "
            "database rows are kept)")


def move_aside(out_dir: Path, run_id: int) -> Path:
    """Move the top-level run files and briefs into ``superseded/run-<id>[-n]/``; returns it."""
    target = out_dir / SUPERSEDED_DIR / f"run-{run_id}"
    suffix = 1
    while target.exists():
        suffix += 1
        target = out_dir / SUPERSEDED_DIR / f"run-{run_id}-{suffix}"
    target.mkdir(parents=True)
    names = [*RUN_FILES, BRIEFS_DIR, *(p.name for p in out_dir.glob("references*.en.txt"))]
    for name in names:
        if (out_dir / name).exists():
            os.replace(out_dir / name, target / name)
    return target
