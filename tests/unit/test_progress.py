"""Progress displays: plain lines at an interval, bars on a terminal, nothing when quiet."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from contextlib import closing

import pytest

from pipeline.errors import ConfigError
from pipeline.progress import (
    INTERVAL_ENV,
    BarProgress,
    NullProgress,
    PlainProgress,
    make_progress,
)

STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    """A StringIO that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def plain(interval: float = 10, verbose: bool = False) -> tuple[PlainProgress, io.StringIO,
                                                               FakeClock]:
    stream, clock = io.StringIO(), FakeClock()
    return PlainProgress(stream, interval=interval, verbose=verbose, clock=clock), stream, clock


def test_plain_lines_come_at_the_interval_not_more_often() -> None:
    progress, stream, clock = plain(interval=10)
    progress.begin(100)
    advance = progress.stage("translate", 1000)
    for _ in range(25):  # one batch of 10 segments a second for 25 s
        clock.now += 1
        advance(10)
    progress.articles(5)  # at 25 s: only 5 s after the line at 20 s
    assert len(lines(stream)) == 3  # begin, 10 s, 20 s
    assert all(STAMP.match(line) for line in lines(stream))
    clock.now += 5
    progress.articles(5)
    assert len(lines(stream)) == 4
    assert lines(stream)[-1].endswith(
        "articles 10/100 (0.3/s, about 4m30s left) "
        "| translate 250/1000 segments of chunk 1 (8.3/s, about 1m30s left)")


def test_plain_first_line_counts_and_rates() -> None:
    progress, stream, clock = plain(interval=10)
    progress.begin(5000)
    assert lines(stream)[0].endswith(" articles 0/5000")
    clock.now += 10
    progress.articles(23)
    # 23 articles in 10 s: 2.3/s, 4977 left at that rate is 2164 s.
    assert lines(stream)[1].endswith(" articles 23/5000 (2.3/s, about 36m04s left)")


def test_plain_stage_rate_is_per_chunk_and_counts_chunks() -> None:
    progress, stream, clock = plain(interval=0)
    progress.begin(None)
    first = progress.stage("translate", 100)
    clock.now += 10
    first(100)
    clock.now += 100  # a slow summary would otherwise drag the next chunk's rate down
    progress.stage("summarise", 4)
    advance = progress.stage("translate", 50)
    clock.now += 2
    advance(20)
    assert "translate 20/50 segments of chunk 2 (10.0/s, about 3s left)" in lines(stream)[-1]


def test_plain_unknown_total_has_rate_but_no_time_left() -> None:
    progress, stream, clock = plain(interval=0)
    progress.begin(None)
    clock.now += 4
    progress.articles(2)
    assert lines(stream)[0].endswith(" articles 0/?")
    assert lines(stream)[-1].endswith(" articles 2/? (0.5/s)")


def test_plain_slow_rates_are_per_minute() -> None:
    progress, stream, clock = plain(interval=0)
    progress.begin(10)
    clock.now += 60
    progress.articles(3)
    assert lines(stream)[-1].endswith(" articles 3/10 (3.0/min, about 2m20s left)")


def test_plain_failures_and_final_line_once() -> None:
    progress, stream, clock = plain(interval=10)
    progress.begin(4)
    clock.now += 1
    progress.articles(3, failed=1)
    clock.now += 1
    progress.articles(1)
    progress.close()
    progress.close()
    assert len(lines(stream)) == 2  # begin and final: nothing else was 10 s apart
    assert STAMP.match(lines(stream)[-1])
    assert lines(stream)[-1].endswith(" finished: articles 4/4, 1 failed in 2s (2.0/s)")


def test_plain_without_begin_still_counts() -> None:
    progress, stream, clock = plain(interval=10)
    progress.stage("translate", 3)(3)
    clock.now += 3
    progress.articles(1)
    progress.close()
    assert lines(stream)[0].endswith(" articles 0/?")
    assert lines(stream)[-1].endswith(" finished: articles 1/? in 3s (0.3/s)")


def test_plain_close_before_begin_prints_nothing() -> None:
    progress, stream, _ = plain()
    progress.close()
    assert stream.getvalue() == ""


def test_plain_stream_is_flushed_on_every_line() -> None:
    class Counting(io.StringIO):
        flushes = 0

        def flush(self) -> None:
            self.flushes += 1

    stream, clock = Counting(), FakeClock()
    progress = PlainProgress(stream, interval=10, verbose=True, clock=clock)
    progress.begin(2)
    progress.note("loading")
    progress.close()
    assert stream.flushes == 3 == len(lines(stream))


@pytest.mark.parametrize("verbose", [False, True])
def test_plain_notes_only_when_verbose(verbose: bool) -> None:
    progress, stream, _ = plain(verbose=verbose)
    progress.begin(1)
    progress.note("model loaded in 3.2s")
    noted = [line for line in lines(stream) if line.endswith(" model loaded in 3.2s")]
    assert len(noted) == (1 if verbose else 0)
    assert all(STAMP.match(line) for line in noted)


@pytest.mark.parametrize("verbose", [False, True])
def test_quiet_prints_no_progress(verbose: bool) -> None:
    stream = Terminal()
    progress = make_progress(stream, quiet=True, verbose=verbose)
    assert isinstance(progress, NullProgress)
    progress.begin(10)
    progress.stage("translate", 5)(5)
    progress.articles(10, failed=2)
    progress.note("a note")
    progress.close()
    assert "articles" not in stream.getvalue()
    assert ("a note" in stream.getvalue()) is verbose


def test_make_progress_picks_plain_off_a_terminal_and_bars_on_one() -> None:
    assert isinstance(make_progress(io.StringIO()), PlainProgress)
    assert isinstance(make_progress(Terminal()), BarProgress)


def test_interval_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "0")
    stream = io.StringIO()
    progress = make_progress(stream)
    progress.begin(3)
    for _ in range(3):
        progress.articles(1)
    progress.close()
    assert len(lines(stream)) == 5  # begin, three articles, final


def test_interval_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "0")
    stream = io.StringIO()
    progress = make_progress(stream, interval=3600)
    progress.begin(3)
    progress.articles(1)
    assert len(lines(stream)) == 1


@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_bad_interval_in_environment_says_how_to_fix(monkeypatch: pytest.MonkeyPatch,
                                                     value: str) -> None:
    monkeypatch.setenv(INTERVAL_ENV, value)
    with pytest.raises(ConfigError, match=f"{INTERVAL_ENV}=.*expected a number >= 0"):
        make_progress(io.StringIO())


def bar_text(stream: io.StringIO) -> str:
    return ANSI.sub("", stream.getvalue())


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich takes the width of a file that is not a real terminal from $COLUMNS (else 80)."""
    monkeypatch.setenv("COLUMNS", "120")


@pytest.mark.usefixtures("wide")
def test_bars_show_articles_stages_and_chunks() -> None:
    stream, clock = Terminal(), FakeClock()
    progress = make_progress(stream, verbose=True)
    assert isinstance(progress, BarProgress)
    progress = BarProgress(stream, verbose=True, clock=clock)
    with closing(progress):
        progress.begin(10)
        advance = progress.stage("translate", 100)
        clock.now += 5
        advance(50)
        progress.articles(3, failed=1)
        progress.note("a [bold]note[/] kept verbatim")
        advance = progress.stage("translate", 40)
        clock.now += 2
        advance(10)
        advance(10)
    text = bar_text(stream)
    assert "a [bold]note[/] kept verbatim" in text
    final = text[text.rindex("articles, 1 failed"):]  # the last frame drawn
    assert "3/10" in final
    assert "translate, chunk 2" in final and "translate, chunk 1" not in final
    assert "20/40 segments" in final
    assert "10.0/s, about 2s left" in final  # 20 segments in the chunk's 2 s
    assert "0.4/s, about 16s left" in final  # 3 articles in 7 s


@pytest.mark.usefixtures("wide")
def test_bars_with_unknown_total_and_notes_hidden() -> None:
    stream, clock = Terminal(), FakeClock()
    progress = BarProgress(stream, clock=clock)
    progress.begin(None)
    clock.now += 2
    progress.articles(4)
    progress.note("not shown")
    progress.close()
    progress.close()
    text = bar_text(stream)
    assert "not shown" not in text
    assert "4/?" in text and "2.0/s" in text and "left" not in text


def test_bars_close_on_exception_restores_stderr() -> None:
    stderr = sys.stderr
    with pytest.raises(KeyboardInterrupt), closing(BarProgress(Terminal())) as progress:
        progress.begin(1)
        raise KeyboardInterrupt
    assert sys.stderr is stderr


def test_import_is_light() -> None:
    code = ("import sys, pipeline.progress; "
            "print(sorted(m for m in ('rich', 'torch') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("outcome", ["interrupted", "stopped"])
def test_plain_final_line_says_how_the_run_ended(outcome: str) -> None:
    progress, stream, clock = plain(interval=10)
    progress.begin(12)
    clock.now += 3
    progress.articles(2)
    progress.close(outcome)
    progress.close()  # the command line closes it again: no second line
    assert lines(stream)[-1].split(" ", 2)[2].startswith(f"{outcome}: articles 2/12")
    assert not any("finished" in line for line in lines(stream))
