"""French news articles in, English briefs out: translate, summarise, score, store.

The Python API (see :mod:`pipeline.api`)::

    from pipeline import Briefer

    briefer = Briefer("configs/default.yaml")
    briefer.translate(["Le Sénat a voté la loi.", ""])  # ["The Senate passed the law.", ""]

The names below are imported when first used, so that importing ``pipeline`` loads no model
library, config or file (``python run.py --help`` stays instant).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "Briefer": "api",
    "make_config": "api",
    "Config": "config",
    "load_config": "config",
    "Article": "records",
    "ArticleResult": "records",
    "TranslatedSegment": "records",
    "Segment": "records",
    "Score": "records",
    "Flag": "records",
    "RunOutcome": "runner",
    "PipelineError": "errors",
    "ConfigError": "errors",
    "InputError": "errors",
    "ModelError": "errors",
    "Interrupted": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # once found, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
