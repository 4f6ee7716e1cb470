"""The command line: the one place where errors become messages and exit codes.

    python run.py --config configs/default.yaml [--set section.key=value ...]
    python run.py models pull --config configs/default.yaml
    python run.py report --run outputs/<run name>

Exit codes: 0 every article done; 1 one or more articles failed, or a model is missing;
2 bad config or command line.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .errors import ConfigError, Interrupted, PipelineError

DESCRIPTION = "Translate French news articles into English briefs, summarise and score them."


def build_parser() -> argparse.ArgumentParser:
    """The parser for a pipeline run (``models pull`` has its own, see :func:`models_parser`)."""
    parser = argparse.ArgumentParser(
        prog="run.py", description=DESCRIPTION,
        epilog="A run commits its articles chunk by chunk; the same command on the same "
               "output.dir resumes it after a crash or Ctrl-C. Other commands: 'run.py models "
               "pull --config FILE' downloads the models a config names into models/ so later "
               "runs work offline; 'run.py evaluate --run DIR [--references PATH]' scores a "
               "stored run again; 'run.py compare DIR_A DIR_B' compares two runs with paired "
               "bootstrap resampling; 'run.py report --run DIR [--run-id N]' writes "
               "DIR/report.html again from the run's database (every run writes it at its end).")
    _common(parser)
    _run_options(parser)
    return parser


def models_parser() -> argparse.ArgumentParser:
    """The parser for ``run.py models pull``."""
    parser = argparse.ArgumentParser(
        prog="run.py models", description="Download the models a config names into "
        "run.models_dir (default models/), so that later runs work without a network.")
    parser.add_argument("action", choices=["pull"], help="what to do with the models")
    _common(parser)
    return parser


def _run_dir(parser: argparse.ArgumentParser) -> None:
    """``--run DIR``: the stored run a command works on."""
    parser.add_argument("--run", required=True, metavar="DIR", help="the run's output.dir")


def evaluate_parser() -> argparse.ArgumentParser:
    """The parser for ``run.py evaluate``."""
    parser = argparse.ArgumentParser(
        prog="run.py evaluate", description="Score a stored run again without translating "
        "again: new references, new metrics. Rewrites its scores, results, metrics.json and "
        "report.html.")
    _run_dir(parser)
    parser.add_argument("--references", metavar="PATH",
                        help="reference translations (replaces input.references of the run)")
    return parser


def compare_parser() -> argparse.ArgumentParser:
    """The parser for ``run.py compare``."""
    parser = argparse.ArgumentParser(
        prog="run.py compare", description="Compare two runs on the same references: corpus "
        "scores, paired bootstrap resampling (p-values, 95%% confidence intervals) and the "
        "articles that differ most.")
    parser.add_argument("run_a", metavar="DIR_A", help="baseline run's output.dir")
    parser.add_argument("run_b", metavar="DIR_B", help="the other run's output.dir")
    parser.add_argument("--samples", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--top", type=int, default=10, help="articles to list")
    return parser


def report_parser() -> argparse.ArgumentParser:
    """The parser for ``run.py report``."""
    parser = argparse.ArgumentParser(
        prog="run.py report", description="Write report.html again from a run's "
        "pipeline.sqlite: one self-contained page with every article (summary, verdict, flags, "
        "French beside English, scores) and the run (models, timings, config).")
    _run_dir(parser)
    parser.add_argument("--run-id", type=int, metavar="N",
                        help="which run of the database (default: the latest)")
    return parser


def run_report(args: argparse.Namespace) -> int:
    """``report``: rebuild ``report.html``; prints its path, 0 on success."""
    from pathlib import Path

    from .html_report import write_report
    from .rundir import DB_NAME

    run_dir = Path(args.run)
    if not run_dir.is_dir():
        raise ConfigError(f"--run {run_dir}: no such directory")
    if not (run_dir / DB_NAME).is_file():
        raise ConfigError(f"--run {run_dir}: no {DB_NAME} there; expected the output.dir of "
                          "a run")
    print(write_report(run_dir, args.run_id))
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """``evaluate``: rescore a stored run; 0 when every stored article is scored."""
    from pathlib import Path

    from rich.console import Console

    from .evaluate import rescore
    from .html_report import report_notes
    from .report import escape, print_corpus

    run_dir = Path(args.run)
    if not run_dir.is_dir():
        raise ConfigError(f"--run {run_dir}: no such directory")
    done = rescore(run_dir, args.references)
    console = Console(soft_wrap=True)
    print_corpus(console, done.corpus)
    for note in report_notes(run_dir):  # the page shows the new scores too
        console.print(f"[yellow]{escape(note)}[/yellow]")
    left = f"; {done.failed} failed articles left as they were" if done.failed else ""
    console.print(f"{done.name}: {done.scored} articles scored again{left}; files rewritten "
                  f"in {run_dir}")
    if done.status not in ("ok", "partial"):
        console.print(f"[yellow]The run is {done.status}: these scores cover only the articles "
                      "it stored; resume it to score the rest.[/yellow]")
    return 1 if done.failed else 0


def run_compare(args: argparse.Namespace) -> int:
    """``compare``: two runs' scores with significance; 0 on success."""
    from pathlib import Path

    from rich.console import Console

    from .evaluate import compare_runs
    from .report import print_comparison

    dirs = [Path(args.run_a), Path(args.run_b)]
    for d in dirs:
        if not d.is_dir():
            raise ConfigError(f"{d}: no such run directory")
    comparison = compare_runs(*dirs, samples=args.samples, top=args.top)
    print_comparison(Console(soft_wrap=True), comparison)
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", "-c", metavar="FILE",
                        help="YAML config (see configs/default.yaml for every key)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="SECTION.KEY=VALUE",
                        help="override one config key (value parsed as YAML); repeatable")


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--overwrite", action="store_true",
                        help="start a new run even if output.dir holds another run (its files "
                             "move to output.dir/superseded/; nothing is deleted)")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--quiet", "-q", action="store_true",
                       help="no progress display; only the end of run report")
    shown.add_argument("--verbose", "-v", action="store_true",
                       help="also show a line per chunk and what a resumed run skips")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["models"]:
            return _guard(lambda: run_models(models_parser().parse_args(argv[1:])))
        if argv[:1] == ["evaluate"]:
            return _guard(lambda: run_evaluate(evaluate_parser().parse_args(argv[1:])))
        if argv[:1] == ["report"]:
            return _guard(lambda: run_report(report_parser().parse_args(argv[1:])))
        if argv[:1] == ["compare"]:
            return _guard(lambda: run_compare(compare_parser().parse_args(argv[1:])))
        return _guard(lambda: run_pipeline(build_parser().parse_args(argv), argv))
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2


def _guard(call: Callable[[], int]) -> int:
    try:
        return call()
    except Interrupted as exc:
        print(f"interrupted: {exc}", file=sys.stderr)
        return exc.exit_code
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run_pipeline(args: argparse.Namespace, argv: Sequence[str] = ()) -> int:
    """Load the config, run every stage, report; 0 if every article was done, else 1."""
    from contextlib import closing

    from .config import load_config

    if args.config is None and not args.overrides:
        raise ConfigError("no config given: pass --config FILE (e.g. configs/default.yaml)")
    config = load_config(args.config, args.overrides)
    _quiet_libraries()
    from rich.console import Console

    from .progress import make_progress
    from .report import print_outcome
    from .runner import run

    previous = signal.signal(signal.SIGTERM, _interrupt)  # stop as Ctrl-C does: cleanly
    try:
        with closing(make_progress(sys.stderr, quiet=args.quiet,
                                   verbose=args.verbose)) as progress:
            outcome = run(config, progress=progress, overwrite=args.overwrite)
    except Interrupted as exc:
        raise Interrupted(f"{exc}. Resume with:\n  {resume_command(argv, exc.out_dir)}",
                          exc.out_dir, exc.counts) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    print_outcome(Console(soft_wrap=True), outcome)
    return 1 if outcome.failed else 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def resume_command(argv: Sequence[str], out_dir: str) -> str:
    """The command line that resumes a run: the same one, with its output.dir made explicit
    (a run named by its start time would otherwise get a new folder) and no --overwrite."""
    import shlex

    args = [a for a in argv if a != "--overwrite"]
    if not any(a.startswith("output.dir=") for a in args):
        args += ["--set", f"output.dir={out_dir}"]
    return shlex.join(["python", "run.py", *args])


def run_models(args: argparse.Namespace) -> int:
    """``models pull``: copy the models the config names into ``run.models_dir``."""
    from .config import load_config
    from .models import pull

    config = load_config(args.config, args.overrides)
    wanted = [("translate.model", config.translate.model, config.translate.revision)]
    if config.summarise.method == "abstractive":
        wanted.append(("summarise.model", config.summarise.model, config.summarise.revision))
    for key, name, revision in wanted:
        path = pull(name, config.run.models_dir, revision=revision)
        print(f"{key}: {name} -> {path}")
    return 0


def _quiet_libraries() -> None:
    # Progress bars and advice from transformers would bury the run's own progress display.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
