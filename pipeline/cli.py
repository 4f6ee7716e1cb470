"""The command line: the one place where errors become messages and exit codes.

    python run.py [run] --config configs/default.yaml [--set section.key=value ...]
    python run.py models pull --config configs/default.yaml
    python run.py evaluate --run outputs/<run name> [--references PATH]
    python run.py compare DIR_A DIR_B
    python run.py report --run outputs/<run name>

The installed console script ``fr-en-briefs`` is the same command. Exit codes: 0 every article
done; 1 one or more articles failed, or a model is missing; 2 bad config or command line;
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .arguments import PACKAGE, build_parser, with_command
from .errors import ConfigError, Interrupted, PipelineError

if TYPE_CHECKING:
    from .config import Config
    from .config_io import Origins


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
    from .evaluate import run_scope

    if run_scope(run_dir) == "brief":
        console.print("[yellow]A run of triage briefs (translate.scope: brief): its partial "
                      "translations are not scored against reference translations; summaries "
                      "are, against reference summaries.[/yellow]")
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


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the command line; returns the exit code.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``); without a command, ``run`` is meant.
        prog: The program's name in messages (default: from ``sys.argv[0]``).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(prog)
    try:
        args = parser.parse_args(with_command(parser, argv))
        handlers = {"run": lambda: run_pipeline(args, argv, parser.prog),
                    "evaluate": lambda: run_evaluate(args), "compare": lambda: run_compare(args),
                    "report": lambda: run_report(args),
                    "models": lambda: run_models(args, parser.prog)}
        return _guard(handlers[args.command])
    except SystemExit as exc:  # argparse: --help, --version (0) or a usage error (2)
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


def _load(args: argparse.Namespace) -> tuple[Config, Origins]:
    """The config the command line names, and where each of its values came from. A
    ``--config`` that does not exist here may name a config of the package (``default``)."""
    from pathlib import Path

    from .config import read_config
    from .config_io import find_config, shipped_configs

    path = args.config
    if path is not None and not Path(path).exists():
        found = find_config(path)
        if found is None:
            names = ", ".join(shipped_configs()) or "none"
            raise ConfigError(f"--config {path}: no such file in {Path.cwd()} (configs that "
                              f"come with {PACKAGE}: {names})")
        print(f"--config {path}: not in {Path.cwd()}; using {found}", file=sys.stderr)
        path = found
    return read_config(path, args.overrides)


def _where(error: ConfigError, origins: Origins) -> ConfigError:
    """A check made after loading, prefixed with where the key's value came from."""
    if error.key is None:
        return error
    key = tuple(error.key.split("."))
    origin = origins.get(key) or "the default of " + error.key
    return ConfigError(f"{origin}: {error}", key=error.key)


def run_pipeline(args: argparse.Namespace, argv: Sequence[str] = (),
                 prog: str = "run.py") -> int:
    """Load the config, run every stage, report; 0 if every article was done, else 1."""
    from contextlib import closing

    if args.config is None and not args.overrides:
        raise ConfigError(f"no config given: pass --config FILE (e.g. {prog} --config "
                          "configs/default.yaml: the example article)")
    config, origins = _load(args)
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
    except ConfigError as exc:
        raise _where(exc, origins) from None
    except Interrupted as exc:
        raise Interrupted(f"{exc}. Resume with:\n  {resume_command(argv, exc.out_dir, prog)}",
                          exc.out_dir, exc.counts) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    print_outcome(Console(soft_wrap=True), outcome)
    return 1 if outcome.failed else 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def resume_command(argv: Sequence[str], out_dir: str, prog: str = "run.py") -> str:
    """The command line that resumes a run: the same one, with its output.dir made explicit
    (a run named by its start time would otherwise get a new folder) and no --overwrite."""
    import shlex

    args = [a for a in argv if a != "--overwrite"]
    if not any(a.startswith("output.dir=") for a in args):
        args += ["--set", f"output.dir={out_dir}"]
    return shlex.join([*(["python", "run.py"] if prog == "run.py" else [prog]), *args])


def run_models(args: argparse.Namespace, prog: str = "run.py") -> int:
    """``models pull``: copy the models the config names into ``run.models_dir``."""
    from .models import pull

    if args.action is None:
        raise ConfigError(f"models: say what to do with the models: '{prog} models pull "
                          "--config FILE' downloads those the config names into "
                          f"run.models_dir ('{prog} models --help' for more)")
    config, _ = _load(args)
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
