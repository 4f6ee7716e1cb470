"""Evaluation outputs and commands: metrics.json, hypothesis files, ``evaluate``, ``compare``.

``hypotheses.en.txt`` (one translated segment per line, in the test set's order) and
``references.en.txt`` (``references.2.en.txt``... for further reference sets) let any outside tool
score a run; ``metrics.json`` holds the corpus scores with their signatures and counts.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .records import ArticleResult, Score, Segment, TranslatedSegment
from .scoring import corpus_text

HYPOTHESES = "hypotheses.en.txt"
METRICS = "metrics.json"


def reference_file(out_dir: Path, stream: int) -> Path:
    """``references.en.txt`` for the first reference set, ``references.N.en.txt`` after."""
    return out_dir / ("references.en.txt" if stream == 0 else f"references.{stream + 1}.en.txt")


def comet_score(results: Sequence[ArticleResult], model: str) -> Score:
    """Corpus COMET (x 100) with a local checkpoint; needs the optional ``unbabel-comet``.

    Raises:
        ModelError: COMET is not installed or the checkpoint is not there (the message says
            how to get either).
    """
    from importlib.metadata import version

    from .errors import ModelError

    try:
        from comet import load_from_checkpoint
    except ImportError:
        raise ModelError("scores.comet_model is set but unbabel-comet is not installed: "
                         "pip install unbabel-comet (or set scores.comet_model: null)") from None
    path = Path(model)
    checkpoint = path if path.is_file() else path / "checkpoints" / "model.ckpt"
    if not checkpoint.is_file():
        raise ModelError(f"scores.comet_model: no COMET checkpoint at {checkpoint}; download "
                         "one (e.g. Unbabel/wmt22-comet-da) on a connected machine and copy it")
    text = corpus_text(results)
    data = [{"src": s, "mt": h, "ref": r}
            for s, h, r in zip(text.sources, text.hypotheses, text.references[0], strict=True)]
    output = load_from_checkpoint(str(checkpoint)).predict(data, batch_size=16, progress_bar=False)
    signature = f"comet|model:{path.name}|nrefs:1|version:{version('unbabel-comet')}"
    return Score("COMET", 100.0 * float(output.system_score), "corpus", signature)


def write_evaluation(out_dir: Path, run_name: str, results: Sequence[ArticleResult],
                     corpus: Sequence[Score], notes: Sequence[str] = ()) -> Path | None:
    """Write hypotheses, references and metrics.json when any article has a reference."""
    text = corpus_text(results)
    if not text.hypotheses:
        return None
    _write_lines(out_dir / HYPOTHESES, text.hypotheses)
    for n, stream in enumerate(text.references):
        _write_lines(reference_file(out_dir, n), stream)
    testsets = sorted({str(r.article.metadata.get("testset", r.article.source))
                       for r in results if r.article is not None and r.article.reference})
    summary = {
        "run": run_name,
        "testset": testsets[0] if len(testsets) == 1 else testsets,
        "counts": {
            "articles": len(results), "failed": sum(r.status == "failed" for r in results),
            "articles_with_references": sum(
                r.article is not None and r.article.reference is not None for r in results),
            "segments": len(text.hypotheses), "missing_segments": text.missing,
            "reference_sets": len(text.references),
        },
        "scores": [{"metric": s.metric, "value": round(s.value, 4), "signature": s.signature}
                   for s in corpus],
        "fidelity": _mean_fidelity(results),
        "notes": list(notes),
        "files": {"hypotheses": HYPOTHESES,
                  "references": [reference_file(out_dir, n).name
                                 for n in range(len(text.references))]},
    }
    path = out_dir / METRICS
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return path


def _mean_fidelity(results: Sequence[ArticleResult]) -> dict[str, float]:
    """Mean brief-fidelity ROUGE over the articles that have it."""
    values: dict[str, list[float]] = {}
    for result in results:
        for score in result.scores:
            if score.metric.startswith("fidelity "):
                values.setdefault(score.metric, []).append(score.value)
    return {k: round(sum(v) / len(v), 4) for k, v in values.items()}


def _write_lines(path: Path, lines: Sequence[str]) -> None:
    # A translation never holds a newline in these files: one segment is one line.
    path.write_text("".join(" ".join(line.split()) + "\n" for line in lines), "utf-8")


@dataclass
class StoredArticle:
    """What a stored run holds for one article."""

    article_id: str
    status: str
    error: str | None
    summary: str
    stats: dict[str, Any]
    pairs: list[TranslatedSegment]


def load_run(run_dir: Path) -> tuple[int, str, dict[str, StoredArticle]]:
    """The latest run stored in ``run_dir/pipeline.sqlite``: its id, name and articles."""
    db = run_dir / "pipeline.sqlite"
    if not db.is_file():
        raise InputError(f"--run {run_dir}: no pipeline.sqlite there; expected the output.dir "
                         "of a finished run")
    with sqlite3.connect(db) as conn:
        run_id, name = conn.execute("SELECT id, name FROM runs ORDER BY id DESC").fetchone()
        articles = {
            row[0]: StoredArticle(row[0], row[1], row[2], row[3] or "",
                                  json.loads(row[4] or "{}"), [])
            for row in conn.execute(
                "SELECT a.article_id, a.status, a.error, s.summary, a.stats_json FROM articles a "
                "LEFT JOIN summaries s ON s.run_id = a.run_id AND s.article_id = a.article_id "
                "WHERE a.run_id = ?", (run_id,))}
        rows = conn.execute("SELECT article_id, idx, paragraph, sentence, piece, source, "
                            "translation FROM segments WHERE run_id = ? ORDER BY article_id, idx",
                            (run_id,))
        for article_id, idx, paragraph, sentence, piece, source, translation in rows:
            segment = Segment(article_id, paragraph, sentence, source, piece=piece, index=idx)
            articles[article_id].pairs.append(TranslatedSegment(segment, translation))
    return run_id, name, articles


def reference_text(result: ArticleResult) -> str:
    """The human translation of an article as one text (given segments joined)."""
    reference = result.article.reference if result.article else None
    if reference is None:
        return ""
    return reference if isinstance(reference, str) else " ".join(reference)


def add_fidelity(results: list[ArticleResult], summariser: Any) -> list[ArticleResult]:
    """Summarise each reference translation too, and score the brief made from the machine
    translation against the brief made from the human one (ROUGE, named ``fidelity ...``).

    This measures how much the translation errors change what the reader learns. Articles
    without a reference or summary are returned unchanged.
    """
    from dataclasses import replace

    from .metrics import rouge_scores

    todo = [i for i, r in enumerate(results)
            if r.status == "ok" and r.summary and reference_text(r)]
    if not todo:
        return results
    briefs = summariser.summarise([reference_text(results[i]) for i in todo])
    out = list(results)
    for i, brief in zip(todo, briefs, strict=True):
        extra = tuple(Score(f"fidelity {s.metric}", s.value, s.scope, s.signature)
                      for s in rouge_scores(out[i].summary, brief))
        out[i] = replace(out[i], scores=out[i].scores + extra,
                         stats={**out[i].stats, "reference_brief": brief})
    return out


def rescore(run_dir: Path, references: str | None = None) -> tuple[str, list[ArticleResult],
                                                                   list[Score]]:
    """Score a stored run again (new references, new metrics) without translating again.

    The inputs are read again from the run's ``config.resolved.yaml`` (with ``references``
    replacing ``input.references`` when given); the stored translations are scored against them
    and the run's scores, results.jsonl, briefs, metrics.json and hypothesis files are rewritten.
    """
    from .config import load_config
    from .readers import read_inputs
    from .records import Article
    from .scoring import corpus_level, score_article
    from .store import Store

    config_path = run_dir / "config.resolved.yaml"
    overrides = [f"input.references={references}"] if references else []
    config = load_config(config_path, overrides)
    run_id, name, stored = load_run(run_dir)
    inputs = read_inputs(config.input.path, config.input.format,
                         max_chars=config.input.max_chars, language=config.input.language,
                         check_language=config.input.check_language,
                         references=config.input.references, origlang=config.input.origlang)
    results = []
    for item in inputs:
        kept = stored.get(item.id)
        if not isinstance(item, Article) or kept is None or kept.status != "ok":
            error = kept.error if kept else getattr(item, "message", "not in the stored run")
            results.append(ArticleResult(item.id, item.source, "failed", error=error,
                                         article=item if isinstance(item, Article) else None))
            continue
        results.append(score_article(item, kept.pairs, kept.summary, kept.stats.get("splits", 0),
                                     kept.stats.get("summary_chunks")))
    corpus = corpus_level(results)
    store = Store(run_dir)
    store.reopen_run(run_id)
    for result in results:
        store.add(result)
    store.add_corpus_scores(corpus)
    store.close_run({"articles": len(results),
                     "ok": sum(r.status == "ok" for r in results),
                     "failed": sum(r.status == "failed" for r in results)})
    write_evaluation(run_dir, name, results, corpus)
    return name, results, corpus


@dataclass
class Comparison:
    """Two runs' corpus scores with paired bootstrap resampling, and the articles that differ most.

    ``rows``: (metric, score A, 95% CI A, score B, 95% CI B, p-value of B against A).
    ``articles``: (article id, chrF++ A, chrF++ B, B - A), largest absolute difference first.
    """

    names: tuple[str, str]
    rows: list[tuple[str, float, float, float, float, float]]
    articles: list[tuple[str, float, float, float]]
    signature: str
    segments: int


def compare_runs(dir_a: Path, dir_b: Path, *, samples: int = 1000,
                 top: int = 10) -> Comparison:
    """Paired bootstrap resampling (sacrebleu) of run B against run A on the same references."""
    from sacrebleu.metrics import BLEU, CHRF, TER
    from sacrebleu.significance import PairedTest

    hyps_a, refs = _eval_files(dir_a)
    hyps_b, refs_b = _eval_files(dir_b)
    if refs != refs_b or len(hyps_a) != len(hyps_b):
        raise InputError(f"{dir_a} and {dir_b} were not scored on the same references "
                         f"({len(hyps_a)} and {len(hyps_b)} segments); compare runs of one "
                         "test set")
    names = (dir_a.name or str(dir_a), dir_b.name or str(dir_b))
    if names[0] == names[1]:
        names = (str(dir_a), str(dir_b))
    metrics = {"BLEU": BLEU(), "chrF++": CHRF(word_order=2), "TER": TER()}
    test = PairedTest([(names[0], hyps_a), (names[1], hyps_b)], metrics, refs,
                      test_type="bs", n_samples=samples)
    signatures, scores = test()
    # sacrebleu keys its results by the metric's own name (chrF++ is "chrF2++")
    keys = [name for name in scores if name != "System"]
    rows = [(display, a.score, a.ci or 0.0, b.score, b.ci or 0.0, b.p_value)
            for display, (a, b) in zip(metrics, (scores[k] for k in keys), strict=True)]
    signature = " ".join(str(signatures[k]) for k in keys)
    return Comparison(names, rows, _article_differences(dir_a, dir_b)[:top], signature,
                      len(hyps_a))


def _eval_files(run_dir: Path) -> tuple[list[str], list[list[str]]]:
    hyps = run_dir / HYPOTHESES
    if not hyps.is_file():
        raise InputError(f"{run_dir}: no {HYPOTHESES}; only runs with references can be "
                         "compared (score one with `run.py evaluate --run DIR --references ...`)")
    streams = []
    for n in range(64):
        path = reference_file(run_dir, n)
        if not path.is_file():
            break
        streams.append(path.read_text("utf-8").splitlines())
    return hyps.read_text("utf-8").splitlines(), streams


def _article_differences(dir_a: Path, dir_b: Path) -> list[tuple[str, float, float, float]]:
    a, b = _article_scores(dir_a), _article_scores(dir_b)
    rows = [(k, a[k], b[k], b[k] - a[k]) for k in a.keys() & b.keys()]
    return sorted(rows, key=lambda row: (-abs(row[3]), row[0]))


def _article_scores(run_dir: Path, metric: str = "chrF++") -> dict[str, float]:
    with sqlite3.connect(run_dir / "pipeline.sqlite") as conn:
        (run_id,) = conn.execute("SELECT MAX(id) FROM runs").fetchone()
        rows = conn.execute("SELECT article_id, value FROM scores WHERE run_id = ? AND "
                            "metric = ? AND scope = 'article'", (run_id, metric))
        return dict(rows.fetchall())
