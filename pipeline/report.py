"""What the terminal shows at the end of a run: each brief's title and summary, and the files."""

from __future__ import annotations

from typing import Any

from .evaluate import Comparison
from .records import Score
from .runner import RunOutcome


def print_outcome(console: Any, outcome: RunOutcome) -> None:
    """Print the briefs' English titles and summaries, failures, corpus scores and file paths."""
    from rich.table import Table

    for result in outcome.results:
        if result.status == "ok":
            console.rule(f"[bold]{result.title or result.article_id}")
            console.print(result.summary or "[dim](no summary)[/dim]")
            flags = ", ".join(result.flags)
            console.print(f"[dim]{result.article_id}: {result.stats.get('segments', 0)} segments, "
                          f"{result.stats.get('splits', 0)} split"
                          f"{'; flags: ' + flags if flags else ''}[/dim]")
    failed = outcome.failed
    if failed:
        table = Table("article", "reason", title=f"{len(failed)} failed", title_style="bold red")
        for result in failed:
            table.add_row(result.source, result.error or "")
        console.print(table)
    print_corpus(console, outcome.corpus_scores)
    for note in outcome.notes:
        console.print(f"[yellow]{note}[/yellow]")
    done = len(outcome.results) - len(failed)
    times = ", ".join(f"{k} {v:.1f}s" for k, v in outcome.timings.items())
    console.print(f"{done} of {len(outcome.results)} articles done ({times}).")
    for kind, (hits, misses) in outcome.memory.items():
        console.print(f"Memory: {hits} of {hits + misses} {kind} inputs reused, "
                      f"{misses} computed.")
    for name in ("briefs/", "results.jsonl", "pipeline.sqlite", "config.resolved.yaml"):
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
