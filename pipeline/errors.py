"""The project's exceptions.

Library code raises these; only :func:`pipeline.cli.main` turns them into a message and an exit
code. A message says what was given, what was expected, and how to fix it.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class for every error the pipeline reports to its user."""

    exit_code = 1


class ConfigError(PipelineError):
    """A bad config file, config key or command-line value (exit code 2).

    Attributes:
        key: The config key at fault (``translate.device``) when one is, so that the command
            line can say where its value came from.
    """

    exit_code = 2

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class InputError(PipelineError):
    """An input file that cannot be read or understood; names the file."""


class ModelError(PipelineError):
    """A model that cannot be found, downloaded or loaded; names the model."""


class Interrupted(PipelineError):
    """The run was stopped (Ctrl-C, SIGTERM); what was committed stays and can be resumed.

    Attributes:
        out_dir: The run folder, to resume into.
        counts: Articles stored so far (``articles``, ``ok``, ``failed``).
    """

    exit_code = 130

    def __init__(self, message: str, out_dir: str = "", counts: dict | None = None) -> None:
        super().__init__(message)
        self.out_dir = out_dir
        self.counts = counts or {}
