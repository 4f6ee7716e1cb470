"""What the terminal shows at the end of a run: each brief's title and summary, and the files."""

from __future__ import annotations

from typing import Any

from rich.markup import escape as _markup_escape

from .evaluate import Comparison
from .reading import clean_text
from .records import Score
from .runner import RunOutcome


def print_outcome(console: Any, outcome: RunOutcome) -> None:
    """Print the first briefs' titles and summaries, the failures, counts, corpus scores and
    where the files are (the rest of the briefs are in the files)."""

    for result in outcome.shown:
        console.rule(f"[bold]{escape(result['title'] or result['id'])}")
        console.print(escape(result["summary"]) or "[dim](no summary)[/dim]")
        stats, flags = result.get("stats") or {}, ", ".join(result.get("flags") or [])
        console.print(f"[dim]{escape(result['id'])}: {stats.get('segments', 0)} segments, "
                      f"{stats.get('splits', 0)} split"
                      f"{'; flags: ' + escape(flags) if flags else ''}[/dim]")
    counts = outcome.counts
    if counts.get("ok", 0) > len(outcome.shown):
        console.print(f"[dim]... and {counts['ok'] - len(outcome.shown)} more briefs in "
                      f"{outcome.out_dir / 'briefs'}[/dim]")
    _reasons(console, outcome.failures, outcome.failed, "failed", "bold red")
    _reasons(console, outcome.skipped, counts.get("skipped", 0), "skipped", "bold yellow")
    print_corpus(console, outcome.corpus_scores)
    for note in outcome.notes:
        console.print(f"[yellow]{escape(note)}[/yellow]")
    _print_counts(console, outcome)


def escape(text: str) -> str:
    """``text`` safe to print: rich markup escaped, and control characters (terminal escape
    sequences that could clear the screen or recolour it, bidi overrides) removed."""
    return _markup_escape(clean_text(text)[0])


def _reasons(console: Any, shown: list[dict[str, Any]], total: int, what: str,
             style: str) -> None:
    """A table of the first failed (or skipped) articles with their reasons."""
    from rich.table import Table

    if not total:
        return
    table = Table("article", "reason", title=f"{total} {what}", title_style=style)
    for result in shown:
        table.add_row(escape(result["source"] or result["id"]), escape(result["error"] or ""))
    console.print(table)
    if total > len(shown):
        console.print(f"[dim]... {total - len(shown)} more {what} articles in "
                      "results.jsonl[/dim]")


def _print_counts(console: Any, outcome: RunOutcome) -> None:
    counts = outcome.counts
    times = ", ".join(f"{k} {v:.1f}s" for k, v in outcome.timings.items())
    earlier = (f"; {counts['resumed']} were done by an earlier attempt"
               if counts.get("resumed") else "")
    skipped = f", {counts['skipped']} skipped" if counts.get("skipped") else ""
    console.print(f"{counts.get('ok', 0)} of {counts.get('articles', 0)} articles done, "
                  f"{outcome.failed} failed{skipped}{earlier} ({times}).")
    for kind, (hits, misses) in outcome.memory.items():
        console.print(f"Memory: {hits} of {hits + misses} {kind} inputs reused, "
                      f"{misses} computed.")
    names = ["briefs/", "results.jsonl", "pipeline.sqlite", "config.resolved.yaml"]
    names += [n for n in ("report.html", "metrics.json", "hypotheses.en.txt")
              if (outcome.out_dir / n).is_file()]
    names += sorted(p.name for p in outcome.out_dir.glob("references*.en.txt"))
    for name in names:
        console.print(f"  {outcome.out_dir / name}")


def print_corpus(console: Any, scores: list[Score]) -> None:
    """The corpus scores with their signatures, as a table (nothing without references)."""
    from rich.table import Table

    if scores:
        table = Table("metric", "corpus score", "signature", title="Scores against references")
        for score in scores:
            table.add_row(score.metric, f"{score.value:.2f}", score.signature)
        console.print(table)


def print_comparison(console: Any, comparison: Comparison) -> None:
    """Both systems' scores with 95% confidence intervals and p-values, then the articles."""
    from rich.table import Table

    a, b = comparison.names
    table = Table("metric", f"A: {a}", f"B: {b}", "p-value (B vs A)",
                  title=f"Paired bootstrap resampling, {comparison.segments} segments")
    for metric, score_a, ci_a, score_b, ci_b, p_value in comparison.rows:
        table.add_row(metric, f"{score_a:.2f} ± {ci_a:.2f}", f"{score_b:.2f} ± {ci_b:.2f}",
                      f"{p_value:.4f}")
    console.print(table)
    console.print(f"[dim]{comparison.signature}[/dim]")
    if comparison.articles:
        table = Table("article", "chrF++ A", "chrF++ B", "B - A",
                      title="Articles that differ most")
        for article_id, score_a, score_b, diff in comparison.articles:
            table.add_row(article_id, f"{score_a:.2f}", f"{score_b:.2f}", f"{diff:+.2f}")
        console.print(table)
