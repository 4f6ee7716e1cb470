"""What the terminal shows at the end of a run: each brief's title and summary, and the files."""

from __future__ import annotations

from typing import Any

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
    if outcome.corpus_scores:
        table = Table("metric", "corpus score", "signature", title="Scores against references")
        for score in outcome.corpus_scores:
            table.add_row(score.metric, f"{score.value:.2f}", score.signature)
        console.print(table)
    done = len(outcome.results) - len(failed)
    times = ", ".join(f"{k} {v:.1f}s" for k, v in outcome.timings.items())
    console.print(f"{done} of {len(outcome.results)} articles done ({times}).")
    for kind, (hits, misses) in outcome.memory.items():
        console.print(f"Memory: {hits} of {hits + misses} {kind} inputs reused, "
                      f"{misses} computed.")
    for name in ("briefs/", "results.jsonl", "pipeline.sqlite", "config.resolved.yaml"):
        console.print(f"  {outcome.out_dir / name}")
