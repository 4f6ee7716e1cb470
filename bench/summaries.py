"""ROUGE of the extractive summariser against Lead-3, LexRank and TextRank on news with human
summaries.

    python bench/summaries.py [--data articles.jsonl] [--json PATH]

The data: one JSON object a line with ``id``, ``text`` (paragraphs separated by blank lines) and
``summaries`` (one or more human summaries); by default the development set
``../shared/data/news-summaries-dev/articles.jsonl`` beside the project. Each article is split into
paragraphs at blank lines and each paragraph into sentences with the project's English splitter
(:func:`pipeline.metrics.split_sentences`, sentencex), so every method ranks the same sentences.

Methods, each returning whole sentences of the article in their order:

- ``extractive``: this project's method (:mod:`pipeline.extractive`) with the default budget of
  ``summarise.sentences`` and ``summarise.words``.
- ``lead-3``: the first three sentences.
- ``lexrank``: LexRank (Erkan and Radev 2004, JAIR 22): cosine similarity of TF-ISF vectors,
  edges where it is at least 0.1, PageRank with jump probability 0.15 on the degree-normalised
  graph; the three highest. Implemented here from the paper (no sumy: its tokeniser needs NLTK
  data that is not on PyPI).
- ``textrank``: TextRank (Mihalcea and Tarau 2004, EMNLP): similarity ``|Si & Sj| /
  (log|Si| + log|Sj|)`` over content words, weighted PageRank with damping 0.85; the three
  highest.

Both graph methods use the same content words as the project's method (stemmed, function words
out), IDF within the article (there is no background corpus), and no position information.

Scores: rouge-score with Porter stemming, F-measure x 100, the best of the article's references
per metric, averaged over articles; ROUGE-Lsum with one sentence per line in both summary and
references (the same splitter). Also: the articles each method wins, ties and loses against
Lead-3 (on the mean of its three ROUGE F-measures), the mean summary length in words, and for
the project's method a paired bootstrap 95% interval of its difference to Lead-3.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "news-summaries-dev" / "articles.jsonl"
METRICS = ("rouge1", "rouge2", "rougeLsum")
NAMES = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeLsum": "ROUGE-Lsum"}
Method = Callable[[list[str]], list[int]]  # sentences -> chosen indices


def read_articles(path: Path) -> list[dict[str, Any]]:
    """The articles of a JSONL file: ``id``, ``sentences`` (in order) and ``summaries``."""
    from pipeline.metrics import split_sentences

    articles = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        sentences = [s for paragraph in record["text"].split("\n\n")
                     for s in split_sentences(paragraph)]
        articles.append({"id": record["id"], "sentences": sentences,
                         "summaries": list(record["summaries"])})
    return articles


def extractive(sentences: list[str]) -> list[int]:
    """The project's method with the config's default budget."""
    from pipeline.config import SummariseConfig
    from pipeline.extractive import select

    s = SummariseConfig()
    return select(sentences, "en", s.sentences, s.words)


def lead3(sentences: list[str]) -> list[int]:
    """The first three sentences."""
    return list(range(min(3, len(sentences))))


def lead2(sentences: list[str]) -> list[int]:
    """The first two sentences (as long as the extractive default's budget allows)."""
    return list(range(min(2, len(sentences))))


def _bags(sentences: Sequence[str]) -> list[list[str]]:
    from pipeline.extractive import content_words

    return [content_words(s, "en") for s in sentences]


def _pagerank(weights: list[list[float]], damping: float, iterations: int = 100) -> list[float]:
    """PageRank of a weighted graph (row i: the weights of i's edges), power iteration."""
    n = len(weights)
    out = [sum(row) for row in weights]
    rank = [1.0 / n] * n
    for _ in range(iterations):
        new = [(1 - damping) / n + damping * sum(rank[j] * weights[j][i] / out[j]
                                                 for j in range(n) if out[j])
               for i in range(n)]
        if max(abs(a - b) for a, b in zip(new, rank, strict=True)) < 1e-9:
            return new
        rank = new
    return rank


def _top(scores: Sequence[float], k: int = 3) -> list[int]:
    return sorted(sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k])


def lexrank(sentences: list[str], threshold: float = 0.1) -> list[int]:
    """LexRank with a similarity threshold (Erkan and Radev 2004, section 3.2)."""
    from pipeline.extractive import _cosine, _vectors

    vectors = _vectors(sentences, "en")
    n = len(vectors)
    edges = [[1.0 if i != j and _cosine(vectors[i], vectors[j]) >= threshold else 0.0
              for j in range(n)] for i in range(n)]
    return _top(_pagerank(edges, damping=0.85))  # jump probability 0.15


def textrank(sentences: list[str]) -> list[int]:
    """TextRank's sentence extraction (Mihalcea and Tarau 2004, section 4)."""
    bags = [set(b) for b in _bags(sentences)]
    lengths = [len(b) for b in _bags(sentences)]
    n = len(bags)

    def similarity(i: int, j: int) -> float:
        denominator = math.log(lengths[i] or 1) + math.log(lengths[j] or 1)
        return len(bags[i] & bags[j]) / denominator if i != j and denominator > 0 else 0.0

    return _top(_pagerank([[similarity(i, j) for j in range(n)] for i in range(n)], 0.85))


METHODS: dict[str, Method] = {"extractive": extractive, "lead-3": lead3, "lead-2": lead2,
                              "lexrank": lexrank,
                              "textrank": textrank}


def rouge(summary: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """ROUGE-1/2/Lsum F-measures x 100 of a summary (its sentences), best per metric over the
    references (Lsum with one sentence per line)."""
    from rouge_score.rouge_scorer import RougeScorer

    from pipeline.metrics import split_sentences

    scorer = RougeScorer(list(METRICS), use_stemmer=True)
    prediction = "\n".join(s.strip() for s in summary)
    best = dict.fromkeys(METRICS, 0.0)
    for reference in references:
        scores = scorer.score("\n".join(split_sentences(reference)), prediction)
        for metric in METRICS:
            best[metric] = max(best[metric], 100.0 * scores[metric].fmeasure)
    return best


def evaluate(articles: Sequence[dict[str, Any]], methods: dict[str, Method]
             ) -> dict[str, list[dict[str, float]]]:
    """Per method, per article: its ROUGE scores and ``words`` (summary length)."""
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in methods}
    for article in articles:
        for name, method in methods.items():
            chosen = [article["sentences"][i] for i in method(article["sentences"])]
            scores = rouge(chosen, article["summaries"])
            scores["words"] = float(sum(len(s.split()) for s in chosen))
            rows[name].append(scores)
    return rows


def bootstrap(differences: Sequence[float], samples: int = 2000, seed: int = 13
              ) -> tuple[float, float]:
    """A paired bootstrap 95% interval of the mean of ``differences``."""
    rng = random.Random(seed)
    n = len(differences)
    means = sorted(sum(differences[rng.randrange(n)] for _ in range(n)) / n
                   for _ in range(samples))
    return means[int(0.025 * samples)], means[int(0.975 * samples) - 1]


def summarise_rows(rows: dict[str, list[dict[str, float]]], baseline: str = "lead-3"
                   ) -> dict[str, dict[str, Any]]:
    """Means, wins/ties/losses against ``baseline`` and, per metric, the bootstrap interval of
    the difference to it."""
    def overall(row: dict[str, float]) -> float:
        return sum(row[m] for m in METRICS) / len(METRICS)

    base = rows[baseline]
    table: dict[str, dict[str, Any]] = {}
    for name, scores in rows.items():
        diffs = [overall(a) - overall(b) for a, b in zip(scores, base, strict=True)]
        entry: dict[str, Any] = {m: statistics.mean(r[m] for r in scores) for m in METRICS}
        entry.update(words=statistics.mean(r["words"] for r in scores),
                     wins=sum(d > 1e-9 for d in diffs), ties=sum(abs(d) <= 1e-9 for d in diffs),
                     losses=sum(d < -1e-9 for d in diffs))
        if name != baseline:
            entry["difference_95"] = {
                m: bootstrap([a[m] - b[m] for a, b in zip(scores, base, strict=True)])
                for m in METRICS}
        table[name] = entry
    return table


def render(table: dict[str, dict[str, Any]], articles: int) -> str:
    """The Markdown table."""
    lines = [f"{articles} articles; ROUGE F1 x 100, best reference per article; "
             "wins/ties/losses vs Lead-3 on the mean of the three", "",
             "| method | ROUGE-1 | ROUGE-2 | ROUGE-Lsum | vs Lead-3 (w/t/l) | words |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, e in table.items():
        lines.append(f"| {name} | {e['rouge1']:.1f} | {e['rouge2']:.1f} | {e['rougeLsum']:.1f} "
                     f"| {e['wins']}/{e['ties']}/{e['losses']} | {e['words']:.1f} |")
    for name, e in table.items():
        if "difference_95" in e and name == "extractive":
            spans = ", ".join(f"{NAMES[m]} [{lo:+.2f}, {hi:+.2f}]"
                              for m, (lo, hi) in e["difference_95"].items())
            lines += ["", f"{name} minus Lead-3, paired bootstrap 95%: {spans}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="JSONL with id, text, summaries (default: the dev set)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"no data at {args.data}; pass --data FILE", file=sys.stderr)
        return 2
    start = time.perf_counter()
    articles = read_articles(args.data)
    table = summarise_rows(evaluate(articles, METHODS))
    print(render(table, len(articles)))
    print(f"\n{time.perf_counter() - start:.1f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"data": str(args.data), "articles": len(articles),
                                         "methods": table}, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
