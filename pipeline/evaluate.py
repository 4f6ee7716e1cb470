"""Evaluation outputs and commands: metrics.json, hypothesis files, ``evaluate``, ``compare``.

``hypotheses.en.txt`` (one translated segment per line, in the test set's order) and
``references.en.txt`` (``references.2.en.txt``... for further reference sets) let any outside tool
score a run; ``metrics.json`` holds the corpus scores with their signatures and counts.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError, InputError
from .records import Article, ArticleResult, ReadFailure, Score
from .scoring import CorpusText, corpus_level, corpus_part, corpus_text, score_article
from .store import HYPOTHESES, reference_file_name


def reference_file(out_dir: Path, stream: int) -> Path:
    """``references.en.txt`` for the first reference set, ``references.N.en.txt`` after."""
    return out_dir / reference_file_name(stream)


def comet_score(text: CorpusText, model: str) -> Score:
    """Corpus COMET (x 100) with a local checkpoint; needs the optional ``unbabel-comet``.

    Source: Rei et al. (2020), "COMET: A Neural Framework for MT Evaluation".

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
    data = [{"src": s, "mt": h, "ref": r}
            for s, h, r in zip(text.sources, text.hypotheses, text.references[0], strict=True)]
    output = load_from_checkpoint(str(checkpoint)).predict(data, batch_size=16, progress_bar=False)
    signature = f"comet|model:{path.name}|nrefs:1|version:{version('unbabel-comet')}"
    return Score("COMET", 100.0 * float(output.system_score), "corpus", signature)


def evaluation_summary(run_name: str, text: CorpusText, corpus: Sequence[Score],
                       counts: dict[str, int], fidelity: dict[str, float],
                       notes: Sequence[str] = ()) -> dict[str, Any]:
    """The content of ``metrics.json``: corpus scores with signatures, the test set, counts
    (``articles_with_references`` = articles whose segments are in the files), the mean brief
    fidelity, notes and the names of the hypothesis and reference files."""
    testsets = text.testsets
    return {
        "run": run_name,
        "testset": testsets[0] if len(testsets) == 1 else testsets,
        "counts": {
            "articles": counts.get("articles", 0), "failed": counts.get("failed", 0),
            "articles_with_references": text.articles,
            "segments": len(text.hypotheses), "missing_segments": text.missing,
            "reference_sets": len(text.references),
        },
        "scores": [{"metric": s.metric, "value": round(s.value, 4), "signature": s.signature}
                   for s in corpus],
        "fidelity": fidelity,
        "notes": list(notes),
        "files": {"hypotheses": HYPOTHESES,
                  "references": [reference_file_name(n) for n in range(len(text.references))]},
    }


def add_fidelity(results: list[ArticleResult], summariser: Any) -> list[ArticleResult]:
    """Summarise each reference translation too, and score the brief made from the machine
    translation against the brief made from the human one (ROUGE, named ``fidelity ...``).

    This measures how much the translation errors change what the reader learns. Articles
    without a reference or summary are returned unchanged.
    """
    from .metrics import rouge_scores

    def reference(result: ArticleResult) -> str:
        return result.article.reference_text if result.article else ""

    todo = [i for i, r in enumerate(results) if r.status == "ok" and r.summary and reference(r)]
    if not todo:
        return results
    briefs = summariser.summarise([reference(results[i]) for i in todo])
    out = list(results)
    for i, brief in zip(todo, briefs, strict=True):
        extra = tuple(Score(f"fidelity {s.metric}", s.value, s.scope, s.signature)
                      for s in rouge_scores(out[i].summary, brief))
        out[i] = replace(out[i], scores=out[i].scores + extra,
                         stats={**out[i].stats, "reference_brief": brief})
    return out


@dataclass
class Rescored:
    """What ``evaluate`` did: the run, articles scored again and left failed, corpus scores,
    and the run's status (``running``/``interrupted``/``stopped``: an incomplete run)."""

    name: str
    scored: int
    failed: int
    corpus: list[Score]
    status: str


def rescore(run_dir: Path, references: str | None = None) -> Rescored:
    """Score a stored run again (new references, new metrics) without translating again.

    The inputs are read again from the run's ``config.resolved.yaml`` (``references``
    replacing ``input.references`` when given) and checked first: if any finished article's
    reference cannot be read or does not match, nothing is changed. Then the finished articles'
    scores are replaced (translations, summaries, fidelity scores and the run's timings are
    kept) and results.jsonl, the briefs, metrics.json and the test-set files are rewritten.
    Failed articles are left as they are.

    Raises:
        InputError: the run folder holds no run, the references cannot be read, or they do not
            match the stored articles (the message names the file, document and counts).
        ConfigError: the run folder is in use by another process, or ``references`` does not
            exist.
    """
    from .store import Store

    store = Store(run_dir)
    try:
        state = store.open_existing()
        articles = _read_again(run_dir, references)
        stored = store.statuses()
        results = _rescored(store, _checked(stored, articles, references))
        parts = [corpus_part(r) for r in results]
        store.rescore(results, parts)
        text = corpus_text(store.corpus_parts())
        corpus = corpus_level(text)
        store.add_corpus_scores(corpus)
        if text.hypotheses:
            store.write_metrics(evaluation_summary(state.name, text, corpus, store.counts(),
                                                   store.mean_scores("fidelity ")))
        store.rewrite_files()
        store.mark(None, {"rescored": len(results)})
        return Rescored(state.name, len(results), len(stored) - len(results), corpus,
                        state.status)
    finally:
        store.close()


def _read_again(run_dir: Path, references: str | None) -> dict[str, Article | ReadFailure]:
    from .config import load_config
    from .readers import read_inputs

    if references is not None and not Path(references).expanduser().exists():
        raise ConfigError(f"--references {references}: no such file or folder; nothing was "
                          "changed")
    overrides = [f"input.references={references}"] if references else []
    # its paths are as the run resolved them: relative to the folder the run was started in
    config = load_config(run_dir / "config.resolved.yaml", overrides, relative_to_file=False)
    try:
        items = read_inputs(config.input.path, config.input.format,
                            max_chars=config.input.max_chars, language=config.input.language,
                            references=config.input.references, origlang=config.input.origlang)
    except InputError as exc:
        raise InputError(f"{exc} (relative paths in {run_dir / 'config.resolved.yaml'} are "
                         "taken from the folder the command runs in); nothing was changed"
                         ) from None
    return {item.id: item for item in items}


def _checked(stored: list[tuple[str, str]], articles: dict[str, Article | ReadFailure],
             references: str | None) -> dict[str, Article]:
    """The articles read again for every finished stored article, or an error listing what
    does not match."""
    known = {row[0] for row in stored}
    # A file that cannot be read at all fails as a whole, under the file's name: its message
    # is the reason the run's articles are missing, so it comes first.
    problems = [item.message for item in articles.values()
                if isinstance(item, ReadFailure) and item.id not in known]
    kept: dict[str, Article] = {}
    for article_id, status in stored:
        item = articles.get(article_id)
        if status != "ok":
            continue
        if item is None:
            problems.append(f"article {article_id!r} of the run is not among the inputs")
        elif isinstance(item, ReadFailure):
            problems.append(item.message)
        elif references and item.reference is None:
            problems.append(f"{item.source}: no reference translation found in {references}")
        else:
            kept[article_id] = item
    problems = list(dict.fromkeys(problems))  # one unreadable file fails all its documents
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InputError(f"cannot score again: {'; '.join(problems[:5])}{more}; nothing was "
                         "changed")
    return kept


def _rescored(store: Any, articles: dict[str, Article]) -> list[ArticleResult]:
    """New scores for the finished articles (``articles``: those read again, by id); their
    translations, summaries, fidelity scores and stats as stored."""
    results = []
    for article_id, article in articles.items():
        stored = store.stored_result(article_id)
        stats = stored.stats
        kept_segments = {index: key[len("kept_"):].replace("_", "-")
                         for key, indices in stats.items() if key.startswith("kept_")
                         and isinstance(indices, list) for index in indices}
        language = {k: stats[k] for k in ("language", "language_confidence", "french_share")
                    if k in stats}
        triage = ({k: stats[k] for k in ("source_segments", "source_sentences",
                                         "summary_sentences", "brief_segments")}
                  if stats.get("scope") == "brief" else None)
        result = score_article(article, stored.segments, stored.summary,
                               stats.get("splits", 0), stats.get("summary_chunks"),
                               kept=kept_segments, language=language, triage=triage)
        kept = tuple(s for s in stored.scores if s.metric.startswith("fidelity "))
        results.append(replace(result, scores=result.scores + kept, position=stored.position,
                               stats={**stats, **result.stats}))
    return results


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


def run_scope(run_dir: Path) -> str:
    """The run's ``translate.scope`` as its ``config.resolved.yaml`` records it (``full`` when
    it cannot be read: runs before the key)."""
    import yaml

    try:
        config = yaml.safe_load((run_dir / "config.resolved.yaml").read_text("utf-8"))
        return str(config["translate"].get("scope") or "full")
    except (OSError, ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError):
        return "full"


def _eval_files(run_dir: Path) -> tuple[list[str], list[list[str]]]:
    hyps = run_dir / HYPOTHESES
    if not hyps.is_file() and run_scope(run_dir) == "brief":
        raise InputError(f"{run_dir}: a run of triage briefs (translate.scope: brief) has no "
                         "full translations to compare; compare runs made with "
                         "translate.scope: full")
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
