"""Command: worker (drives the runs put on the task queue; docs/scale.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from trimtab.entrypoints.cli.guard import guarded


def worker(
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", metavar="N", min=1, max=256, help=(
        "Runs driven at once, each in its own process."))] = 1,
) -> None:
    """Start a worker: drive the runs put on the task queue (TRIMTAB_QUEUE_URL) until stopped.

    Each run is driven in its own process under the run's lease; a worker killed mid-run has its run
    delivered again and resumed by another worker. Stop it with Ctrl-C or SIGTERM: it finishes the runs it
    is driving first. Needs the queue extra (pip install 'trimtab[queue]').
    """

    def run() -> int:
        from trimtab import bootstrap, bootstrap_queue

        return bootstrap_queue.run_worker(bootstrap.build, concurrency)

    code = guarded(run)
    if code:
        raise typer.Exit(code)
