"""``python -m pipeline``: the command line, as ``run.py`` and ``fr-en-briefs``."""

from pipeline.cli import main

raise SystemExit(main())
