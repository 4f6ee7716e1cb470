"""French news articles in, English briefs out: translate, summarise, score, store."""

__version__ = "0.1.0"
