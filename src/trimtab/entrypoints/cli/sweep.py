"""Command: sweep (every account's drift from the database, in chunks; the breached ones planned with --plan)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from trimtab.entrypoints.cli.common import console, facade
from trimtab.entrypoints.cli.guard import guarded

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.application.sweep import SweepSummary


def sweep(
    models: Annotated[str | None, typer.Option("--models", metavar="M,N", help=(
        "Only the accounts following these models, comma-separated (default: every account with a model)."))] = None,
    plan: Annotated[bool, typer.Option("--plan", help=(
        "Plan the accounts outside their bands (the batch planner; nothing is sent)."))] = False,
    chunk: Annotated[int, typer.Option("--chunk", metavar="N", help=(
        "Accounts read, judged and written at a time: memory grows with it, not with the fleet."))] = 50_000,
    workers: Annotated[int, typer.Option("--workers", metavar="N", help=(
        "With --plan: processes planning at once (one per core; reading and writing stay in this one)."))] = 1,
    enqueue: Annotated[bool, typer.Option("--enqueue", help=(
        "Then put one dry run per account out of band (with --plan: planned and safe) on the task queue, for "
        "`trimtab worker`s (docs/scale.md)."))] = False,
    execute: Annotated[bool, typer.Option("--execute", help=(
        "Like --enqueue, and those runs send orders."))] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Sweep every account's drift from the database in chunks; with --plan, plan the breached ones."""

    def run() -> None:
        from trimtab.entrypoints.cli.progress import progress_line

        names = None if models is None else [part.strip() for part in models.split(",") if part.strip()]
        trimtab = facade()
        out = console()
        with progress_line(out, "sweeping the accounts") as progress:
            summary = trimtab.sweep(models=names, plan=plan, chunk=chunk, workers=workers, progress=progress,
                                    enqueue=enqueue, execute=execute)
        if json_output:
            import json

            typer.echo(json.dumps(summary.document(), indent=2))
        else:
            render(summary, out)

    guarded(run)


def render(summary: SweepSummary, out: Console) -> None:
    """The sweep's counts, skip reasons and time per stage."""
    counts = summary.counts
    out.print(f"sweep {summary.run_id}: {summary.read:,} accounts read in {summary.elapsed:.1f} s "
              f"({summary.accounts_per_second:,.0f} accounts/s)")
    out.print(f"  in band {counts['in_band']:,}, breached {summary.breached:,}"
              + (f" (planned {counts['planned']:,}, unsafe {counts['unsafe']:,}; {summary.orders:,} orders)"
                 if summary.plan else "")
              + f", skipped {counts['skipped']:,}")
    if summary.quotes_read is not None:
        oldest, newest = summary.quotes_read
        out.print(f"  prices: the last stored quote of {summary.quotes:,} symbols, read {oldest} to {newest}")
    for reason, count in sorted(summary.skipped.items()):
        out.print(f"  skipped, {reason}: {count:,}")
    total = sum(summary.seconds.values()) or 1.0
    out.print("  time: " + ", ".join(f"{stage} {seconds:.1f} s ({seconds / total:.0%})"
                                     for stage, seconds in summary.seconds.items()))
    out.print(f"  results: table sweep_results, run_id '{summary.run_id}'")
    if summary.enqueued is not None:
        out.print(f"  on the task queue: {summary.enqueued:,} {'executing' if summary.execute else 'dry'} runs")
