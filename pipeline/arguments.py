"""The command line's arguments: ``run`` (the default command), ``evaluate``, ``compare``,
``models pull`` and ``report``, with ``--help`` and ``--version`` (see :mod:`pipeline.cli`)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

DESCRIPTION = "Translate French news articles into English briefs, summarise and score them."
COMMANDS = ("run", "evaluate", "compare", "models", "report")
PACKAGE = "fr-en-briefs"


def version() -> str:
    """The installed package's version, else the source tree's."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(PACKAGE)
    except PackageNotFoundError:
        from . import __version__

        return __version__


def program_name(argv0: str | None = None) -> str:
    """How the command was called, for usage lines: ``run.py`` or ``fr-en-briefs``."""
    name = os.path.basename(sys.argv[0] if argv0 is None else argv0)
    return "run.py" if name == "run.py" else PACKAGE


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The command line: ``run`` (the default command), ``evaluate``, ``compare``, ``models
    pull`` and ``report``."""
    prog = prog or program_name()
    parser = argparse.ArgumentParser(
        prog=prog, description=DESCRIPTION,
        usage=f"{prog} [run] --config FILE [--set SECTION.KEY=VALUE ...] [options]\n"
              f"       {prog} COMMAND [options]   (COMMAND: {', '.join(COMMANDS)})\n"
              f"       {prog} COMMAND --help | --version",
        epilog=f"Without a command, {prog} runs 'run': '{prog} --config configs/default.yaml' "
               f"translates the example article. '{prog} run --help' lists the options of a "
               "run. A run commits its articles chunk by chunk; the same command on the same "
               "output.dir resumes it after a crash or Ctrl-C. Exit codes: 0 every article "
               "done; 1 articles failed or a model is missing; 2 a bad config or command line; "
               "130 interrupted.")
    parser.add_argument("--version", action="version", version=f"{PACKAGE} {version()}")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND",
                                     prog=prog)
    run = commands.add_parser(
        "run", help="translate, summarise, score and store articles (the default command)",
        description=DESCRIPTION + " The files go to output.dir (default: outputs/<run name> in "
        "the current folder), the translation memory to cache.path (default: "
        "~/.cache/fr-en-briefs/memory.sqlite). The same command on the same output.dir "
        "resumes a run after a crash or Ctrl-C.")
    _common(run)
    _run_options(run)
    _evaluate_parser(commands)
    _compare_parser(commands)
    models = commands.add_parser(
        "models", help="download the models a config names, to run without a network",
        description="Download the models a config names into run.models_dir (default models/ "
        "in the current folder), so that later runs work without a network.")
    actions = models.add_subparsers(dest="action", title="actions", metavar="ACTION",
                                    prog=f"{prog} models")
    pull = actions.add_parser(
        "pull", help="download the translator and the summariser the config names",
        description="Download the models a config names (config, tokenizer and one copy of the "
        "weights) into run.models_dir/<model id>.")
    _common(pull)
    _report_parser(commands)
    return parser


def _run_dir(parser: argparse.ArgumentParser) -> None:
    """``--run DIR``: the stored run a command works on."""
    parser.add_argument("--run", required=True, metavar="DIR", help="the run's output.dir")


def _evaluate_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "evaluate", help="score a stored run again (new references, new metrics)",
        description="Score a stored run again without translating again: new references, new "
        "metrics. Rewrites its scores, results, metrics.json and report.html.")
    _run_dir(parser)
    parser.add_argument("--references", metavar="PATH",
                        help="reference translations (replaces input.references of the run)")


def _compare_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "compare", help="compare two runs with paired bootstrap resampling",
        description="Compare two runs on the same references: corpus scores, paired bootstrap "
        "resampling (p-values, 95% confidence intervals) and the articles that differ most.")
    parser.add_argument("run_a", metavar="DIR_A", help="baseline run's output.dir")
    parser.add_argument("run_b", metavar="DIR_B", help="the other run's output.dir")
    parser.add_argument("--samples", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument("--top", type=int, default=10, help="articles to list")


def _report_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "report", help="write a run's report.html again",
        description="Write report.html again from a run's pipeline.sqlite: one self-contained "
        "page with every article (summary, verdict, flags, French beside English, scores) and "
        "the run (models, timings, config).")
    _run_dir(parser)
    parser.add_argument("--run-id", type=int, metavar="N",
                        help="which run of the database (default: the latest)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", "-c", metavar="FILE",
                        help="YAML config; relative paths in it are relative to its folder "
                             "(configs/default.yaml lists every key; a name such as 'default' "
                             "not found here is looked up among the configs of the package)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="SECTION.KEY=VALUE",
                        help="override one config key (the value is read as the key's type: "
                             "text stays as typed, other values are YAML; a relative path is "
                             "relative to the current folder); repeatable")


def _run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--overwrite", action="store_true",
                        help="start a new run even if output.dir holds another run (its files "
                             "move to output.dir/superseded/; nothing is deleted)")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--quiet", "-q", action="store_true",
                       help="no progress display; only the end of run report")
    shown.add_argument("--verbose", "-v", action="store_true",
                       help="also show a line per chunk and what a resumed run skips")


def with_command(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``argv`` with ``run`` put first when no command is named (``--config FILE ...``); an
    unknown command is a usage error naming the close one."""
    first = argv[0] if argv else None
    if first in COMMANDS or first in ("-h", "--help", "--version"):
        return argv
    if first is not None and not first.startswith("-"):
        import difflib

        close = difflib.get_close_matches(first, COMMANDS, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        parser.error(f"unknown command {first!r}{hint}; the commands are "
                     f"{', '.join(COMMANDS)}, and without one, options are those of run")
    return ["run", *argv]
