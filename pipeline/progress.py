"""Progress of a run: bars on a terminal, timestamped lines in a log, nothing when quiet.

The runner reports through the :class:`Progress` Protocol and :func:`make_progress` picks how it is
shown. Rich is imported only when bars are drawn, so importing this module stays instant.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, Protocol

from .errors import ConfigError

INTERVAL_ENV = "BRIEFS_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 10.0
# What each stage counts, so a line reads "412/1024 segments" rather than "412/1024".
UNITS = {"translate": "segments", "summarise": "articles"}

Clock = Callable[[], float]


class Progress(Protocol):
    """What the runner reports to while it works through the articles chunk by chunk."""

    def begin(self, total_articles: int | None) -> None:
        """Start the display; called once. ``None``: the number of articles is not known."""

    def stage(self, name: str, total: int) -> Callable[[int], None]:
        """Start stage ``name`` of the next chunk; returns ``advance(n)`` to call per batch."""

    def articles(self, done: int, failed: int = 0) -> None:
        """Count ``done`` more articles finished (or done by an earlier run), ``failed`` of them."""

    def note(self, message: str) -> None:
        """An informational line, shown only in verbose mode."""

    def close(self, outcome: str = "finished") -> None:
        """Stop the display (``outcome``: ``finished``, ``interrupted``, ``stopped``); safe to
        call more than once: only the first call counts."""


def make_progress(stream: IO[str] | None = None, *, quiet: bool = False, verbose: bool = False,
                  interval: float | None = None) -> Progress:
    """Choose the progress display for ``stream`` (default ``sys.stderr``).

    Args:
        stream: Where progress goes.
        quiet: Show no progress (verbose notes are still shown when ``verbose``).
        verbose: Show :meth:`Progress.note` messages.
        interval: Seconds between plain lines; default ``$BRIEFS_PROGRESS_INTERVAL`` or 10.

    Returns:
        :class:`NullProgress` when quiet, :class:`BarProgress` on a terminal, else
        :class:`PlainProgress`.

    Raises:
        ConfigError: ``$BRIEFS_PROGRESS_INTERVAL`` is not a number of seconds >= 0.
    """
    stream = sys.stderr if stream is None else stream
    if quiet:
        return NullProgress(stream if verbose else None)
    if _is_tty(stream):
        return BarProgress(stream, verbose=verbose)
    seconds = _interval_from_env() if interval is None else interval
    return PlainProgress(stream, interval=seconds, verbose=verbose)


class NullProgress:
    """Shows no progress; writes notes to ``notes`` when one is given."""

    def __init__(self, notes: IO[str] | None = None) -> None:
        self._notes = notes

    def begin(self, total_articles: int | None) -> None:
        """Ignored."""

    def stage(self, name: str, total: int) -> Callable[[int], None]:
        """Returns an ``advance`` that does nothing."""
        return _ignore

    def articles(self, done: int, failed: int = 0) -> None:
        """Ignored."""

    def note(self, message: str) -> None:
        """Write ``message`` as a timestamped line if notes are shown."""
        if self._notes is not None:
            _write_line(self._notes, message)

    def close(self, outcome: str = "finished") -> None:
        """Nothing to stop."""


@dataclass
class _Count:
    """``done`` items out of ``total`` (``None``: unknown) since ``start`` (monotonic clock)."""

    total: int | None
    start: float
    done: int = 0

    def describe(self, now: float, suffix: str = "", *, final: bool = False) -> str:
        """``"120/5000<suffix> (2.3/s, about 35m left)"``, or the time taken when ``final``."""
        total = _of(self.total)
        elapsed = now - self.start
        if final:
            rate = _rate(self.done, elapsed)
            return f"{self.done}/{total}{suffix} in {_duration(elapsed)} ({rate})"
        pace = _pace(self.done, self.total, elapsed)
        return f"{self.done}/{total}{suffix}" + (f" ({pace})" if pace else "")


class PlainProgress:
    """Timestamped lines, at most one per ``interval`` seconds, each flushed at once (logs, CI)."""

    def __init__(self, stream: IO[str], *, interval: float = DEFAULT_INTERVAL,
                 verbose: bool = False, clock: Clock = time.monotonic) -> None:
        self._stream, self._interval, self._verbose, self._clock = stream, interval, verbose, clock
        self._articles: _Count | None = None
        self._failed = 0
        self._stage: tuple[str, int, _Count] | None = None  # name, chunk number, count
        self._chunks: dict[str, int] = {}
        self._last_line = -math.inf
        self._closed = False

    def begin(self, total_articles: int | None) -> None:
        """Start counting articles and write the first line."""
        self._start(total_articles)

    def stage(self, name: str, total: int) -> Callable[[int], None]:
        """Follow stage ``name`` of the next chunk from now on."""
        self._begun()
        chunk = self._chunks[name] = self._chunks.get(name, 0) + 1
        count = _Count(total, self._clock())
        self._stage = (name, chunk, count)

        def advance(n: int) -> None:
            count.done += n
            self._tick()

        return advance

    def articles(self, done: int, failed: int = 0) -> None:
        """Count ``done`` more articles, ``failed`` of them failed."""
        self._begun().done += done
        self._failed += failed
        self._tick()

    def note(self, message: str) -> None:
        """Write ``message`` at once as a timestamped line, in verbose mode only."""
        if self._verbose:
            _write_line(self._stream, message)

    def close(self, outcome: str = "finished") -> None:
        """Write the final line (once), saying how the run ended."""
        if not self._closed and self._articles is not None:
            text = self._articles_text(self._clock(), final=True)
            _write_line(self._stream, f"{outcome}: {text}")
        self._closed = True

    def _begun(self) -> _Count:
        return self._start(None) if self._articles is None else self._articles

    def _start(self, total: int | None) -> _Count:
        self._articles = count = _Count(total, self._clock())
        self._line(count.start)
        return count

    def _tick(self) -> None:
        now = self._clock()
        if not self._closed and now - self._last_line >= self._interval:
            self._line(now)

    def _line(self, now: float) -> None:
        self._last_line = now
        text = self._articles_text(now)
        if self._stage is not None:
            name, chunk, count = self._stage
            unit = UNITS.get(name, "items")
            text += f" | {name} {count.describe(now, f' {unit} of chunk {chunk}')}"
        _write_line(self._stream, text)

    def _articles_text(self, now: float, *, final: bool = False) -> str:
        failed = f", {self._failed} failed" if self._failed else ""
        return "articles " + self._begun().describe(now, failed, final=final)


class BarProgress:
    """Rich bars: one for the articles, one per stage that restarts with each chunk."""

    def __init__(self, stream: IO[str], *, verbose: bool = False,
                 clock: Clock = time.monotonic) -> None:
        self._stream, self._verbose, self._clock = stream, verbose, clock
        self._bars: Any = None  # a rich.progress.Progress once begun
        self._tasks: dict[str, Any] = {}
        self._chunks: dict[str, int] = {}
        self._failed = 0
        self._closed = False

    def begin(self, total_articles: int | None) -> None:
        """Draw the bars, the articles bar first."""
        if self._bars is None:
            self._bars = _make_bars(self._stream, self._clock)
            self._bars.start()
            self._tasks["articles"] = self._bars.add_task("articles", total=total_articles, unit="")
        else:  # a second call can set a total but not unset one (rich ignores total=None)
            self._bars.update(self._tasks["articles"], total=total_articles)

    def stage(self, name: str, total: int) -> Callable[[int], None]:
        """Restart the bar of stage ``name`` for the next chunk; returns its ``advance``."""
        bars = self._begun()
        chunk = self._chunks[name] = self._chunks.get(name, 0) + 1
        description = f"{name}, chunk {chunk}"
        task = self._tasks.get(name)
        if task is None:
            unit = UNITS.get(name, "items")
            task = self._tasks[name] = bars.add_task(description, total=total, unit=unit)
        else:  # a new chunk: the same bar restarts, so rate and time left are for this chunk
            bars.reset(task, total=total, description=description)
        return lambda n: bars.advance(task, n)

    def articles(self, done: int, failed: int = 0) -> None:
        """Advance the articles bar; its label counts the failures."""
        bars = self._begun()
        self._failed += failed
        label = f"articles, {self._failed} failed" if self._failed else "articles"
        bars.update(self._tasks["articles"], advance=done, description=label)

    def note(self, message: str) -> None:
        """Print ``message`` above the bars, in verbose mode only."""
        if self._verbose:
            self._begun().console.print(f"{_timestamp()} {message}", markup=False,
                                        highlight=False)

    def close(self, outcome: str = "finished") -> None:
        """Stop redrawing, leaving the last state of the bars on screen."""
        if self._bars is not None and not self._closed:
            self._bars.stop()
        self._closed = True

    def _begun(self) -> Any:
        if self._bars is None:
            self.begin(None)
        return self._bars


def _make_bars(stream: IO[str], clock: Clock) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, ProgressColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bars
    from rich.table import Column
    from rich.text import Text

    class PaceColumn(ProgressColumn):
        """Rate since the bar (re)started, and the time left at that rate."""

        def render(self, task: Any) -> Text:
            total = None if task.total is None else int(task.total)
            return Text(_pace(int(task.completed), total, task.elapsed or 0.0))

    class CountColumn(ProgressColumn):
        """``412/1024 segments``; ``?`` for an unknown total."""

        def render(self, task: Any) -> Text:
            total = None if task.total is None else int(task.total)
            return Text(f"{int(task.completed)}/{_of(total)} {task.fields['unit']}".rstrip())

    return Bars(TextColumn("{task.description}"), BarColumn(bar_width=20), CountColumn(),
                PaceColumn(table_column=Column(no_wrap=True)), TimeElapsedColumn(),
                console=Console(file=stream), get_time=clock)


def _of(total: int | None) -> str:
    return "?" if total is None else str(total)


def _pace(done: int, total: int | None, elapsed: float) -> str:
    """``"2.3/s, about 35m left"``; no time left unless the total is known and the rate > 0."""
    if done <= 0 or elapsed <= 0:
        return ""
    text = _rate(done, elapsed)
    if total is not None and total > done:
        text += f", about {_duration((total - done) * elapsed / done)} left"
    return text


def _rate(done: int, elapsed: float) -> str:
    per_second = done / elapsed if elapsed > 0 else 0.0
    # Summarising on a CPU can be slower than one article a second; "0.0/s" would say nothing.
    if 0 < per_second < 0.1:
        return f"{per_second * 60:.1f}/min"
    return f"{per_second:.1f}/s"


def _duration(seconds: float) -> str:
    """``"42s"``, ``"3m05s"``, ``"2h07m"``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _timestamp() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def _write_line(stream: IO[str], text: str) -> None:
    # Flushed at once so that a CI log or a tailed file shows each line as it happens.
    stream.write(f"{_timestamp()} {text}\n")
    stream.flush()


def _ignore(n: int) -> None:
    """An ``advance`` that does nothing."""


def _is_tty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False


def _interval_from_env() -> float:
    value = os.environ.get(INTERVAL_ENV, "").strip()
    if not value:
        return DEFAULT_INTERVAL
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:  # also rejects nan
        raise ConfigError(f"{INTERVAL_ENV}={value!r} is not a number of seconds; expected a "
                          f"number >= 0 such as {INTERVAL_ENV}=30, or unset it for the default "
                          f"of {DEFAULT_INTERVAL:g} s")
    return seconds
