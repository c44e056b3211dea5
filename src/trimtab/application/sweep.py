"""The sweep: every account of the database screened for drift in chunks, the breached ones planned, in bulk.

`sweep` streams the accounts that follow a model (all, or those of `models`) from the fleet store a chunk
at a time, judges each chunk (`sweep_judge.judge_chunk`: a vectorised screen, an exact look at the
candidates, with `plan` one batch plan for the breached) and writes the chunk's results in one bulk write
before reading the next, so memory stays that of one chunk. Prices are the last stored quote of each symbol
(`last_quotes`), positions each account's last stored cash and holdings. Mixed into the facade.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from trimtab.application.progress import Progress, no_progress
from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    from trimtab.application.ports import Clock
    from trimtab.application.repositories import Storage
    from trimtab.application.sweep_ports import FleetStore, SweepResult, SweepRunRecord
    from trimtab.domain.models import ModelPortfolio

logger = logging.getLogger(__name__)

DEFAULT_CHUNK = 50_000
MAX_CHUNK = 1_000_000
MAX_WORKERS = 64
STATUSES = ("in_band", "breached", "planned", "unsafe", "skipped")


@dataclass(slots=True)
class SweepSummary:
    """What a sweep read and found: counts by status, skip reasons, orders, time per stage."""

    run_id: str
    plan: bool
    read: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # by reason
    orders: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    elapsed: float = 0.0
    quotes: int = 0  # symbols with a stored last quote
    quotes_read: tuple[str, str] | None = None  # when the oldest and the newest of them were read (ISO)
    enqueued: int | None = None  # runs put on the task queue after the sweep (None: not asked)
    execute: bool = False  # whether those runs send orders

    @property
    def breached(self) -> int:
        """Accounts outside a band (planned or not)."""
        return self.counts["breached"] + self.counts["planned"] + self.counts["unsafe"]

    @property
    def accounts_per_second(self) -> float:
        return self.read / self.elapsed if self.elapsed > 0 else 0.0

    def add(self, results: Sequence[SweepResult]) -> None:
        """Count a chunk's results."""
        self.read += len(results)
        for result in results:
            self.counts[result.status] += 1
            self.orders += result.orders
            if result.status == "skipped":
                self.skipped[result.reason.split(":", 1)[0]] += 1

    def document(self) -> dict[str, object]:
        """The summary as a JSON-ready document (seconds as decimal text)."""
        return {"run_id": self.run_id, "plan": self.plan, "read": self.read, "breached": self.breached,
                "counts": {status: self.counts[status] for status in STATUSES}, "orders": self.orders,
                "skipped": dict(sorted(self.skipped.items())),
                "seconds": {stage: f"{value:.3f}" for stage, value in self.seconds.items()},
                "elapsed": f"{self.elapsed:.3f}", "accounts_per_second": f"{self.accounts_per_second:.0f}",
                "quotes": self.quotes, "quotes_read": list(self.quotes_read) if self.quotes_read else None,
                "enqueued": self.enqueued, "execute": self.execute}


class SweepOperations:
    """sweep (mixed into the facade)."""

    if TYPE_CHECKING:
        clock: Clock

        @property
        def storage(self) -> Storage: ...

        def resolve_model(self, model: ModelPortfolio) -> ModelPortfolio: ...

        open_run_queue: Callable[[], Any] | None

        def enqueue_runs(self, account_ids: Sequence[str], execute: bool) -> Sequence[object]: ...

    def sweep(self, *, models: Sequence[str] | None = None, plan: bool = False, chunk: int = DEFAULT_CHUNK,
              workers: int = 1, progress: Progress = no_progress, enqueue: bool = False,
              execute: bool = False) -> SweepSummary:
        """Screen every account following a model (or `models`) for drift; with `plan`, plan the breached
        (in `workers` processes at once). With `enqueue` (or `execute`), put one run per account found out of
        band (with `plan`: planned and safe) on the task queue, dry unless `execute`."""
        from trimtab.application.sweep_ports import SweepRunRecord

        if enqueue or execute:  # the queue is checked before a million accounts are read
            if self.open_run_queue is None:
                raise InvalidInput("this installation has no task queue", where="settings", field="queue_url")
            self.open_run_queue()

        if not 1 <= chunk <= MAX_CHUNK:
            raise InvalidInput(f"a chunk is 1 to {MAX_CHUNK:,} accounts", where="command line", field="chunk",
                               value=chunk)
        if not 1 <= workers <= MAX_WORKERS:
            raise InvalidInput(f"choose 1 to {MAX_WORKERS} worker processes", where="command line",
                               field="workers", value=workers)
        wanted = self._sweep_models(models)
        store = self._fleet_store()
        total = store.count(wanted)
        run = SweepRunRecord(f"sweep-{uuid.uuid4().hex[:12]}", self.clock.now(), tuple(wanted or ()), plan)
        store.start(run)
        summary = SweepSummary(run.run_id, plan)
        try:
            with _planners(workers if plan else 1) as planners:
                self._sweep_chunks(store, run, summary, (wanted, chunk, total), planners, progress)
        except BaseException:
            store.finish(replace(run, status="failed", finished_at=self.clock.now(), summary=summary.document()))
            raise
        if enqueue or execute:
            from trimtab.application.run_queue import MAX_ACCOUNTS

            status = "planned" if plan else "breached"  # an unsafe plan would be refused by its run: left out
            accounts = [result.account_id for result in store.results(run.run_id, status)]
            for start in range(0, len(accounts), MAX_ACCOUNTS):
                self.enqueue_runs(accounts[start:start + MAX_ACCOUNTS], execute)
            summary.enqueued, summary.execute = len(accounts), execute
        store.finish(replace(run, status="done", finished_at=self.clock.now(), summary=summary.document()))
        logger.info("sweep %s: %d accounts read, %d breached", run.run_id, summary.read, summary.breached)
        return summary

    def sweep_results(self, run_id: str, status: str | None = None, limit: int | None = None) -> list[SweepResult]:
        """A sweep's stored results (of one status, at most `limit`), in account order."""
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"choose one of {', '.join(STATUSES)}", where="command line", field="status",
                               value=status)
        return self._fleet_store().results(run_id, status, limit)

    def _sweep_chunks(self, store: FleetStore, run: SweepRunRecord, summary: SweepSummary,
                      scope: tuple[list[str] | None, int, int], planners: tuple[int, Callable[..., Any]],
                      progress: Progress) -> None:
        from trimtab.application.sweep_judge import JudgedChunk, SweepContext, judge_chunk

        wanted, size, total = scope
        began = time.perf_counter()
        quotes = store.last_quotes()
        context = SweepContext(self._load_model, {symbol: quote for symbol, (quote, _) in quotes.items()}, run.plan)
        instants = sorted(read_at for _, read_at in quotes.values())
        summary.quotes = len(quotes)
        summary.quotes_read = (instants[0].isoformat(), instants[-1].isoformat()) if instants else None
        context.workers, context.submit = planners
        summary.seconds = context.seconds
        reader = store.chunks(wanted, size)
        progress(_bar(0, total, summary))
        previous: JudgedChunk | None = None
        while True:  # chunk n is read and judged while the planners plan chunk n - 1
            started = time.perf_counter()
            chunk = next(reader, None)
            context.seconds["read"] += time.perf_counter() - started
            judged = None if chunk is None else judge_chunk(chunk, context, store)
            if previous is not None:
                collected = previous.collect(context)
                self._sweep_write(store, run.run_id, collected, context.seconds)
                summary.add(collected)
                progress(_bar(summary.read, total, summary))
            if judged is None:
                break
            previous = judged
        summary.elapsed = time.perf_counter() - began

    @staticmethod
    def _sweep_write(store: FleetStore, run_id: str, results: list[SweepResult], seconds: dict[str, float]) -> None:
        started = time.perf_counter()
        store.write(run_id, results)
        seconds["write"] += time.perf_counter() - started

    def _load_model(self, key: tuple[str, str | None]) -> ModelPortfolio:
        return self.resolve_model(self.storage.models.get(*key))

    def _sweep_models(self, models: Sequence[str] | None) -> list[str] | None:
        """The models named, each checked against the stored ones (None: every model)."""
        if models is None:
            return None
        names = [name.strip() for name in models]
        known = sorted({info.name for info in self.storage.models.list()})
        for name in names:
            if name not in known:
                listed = ", ".join(known) if known else "none stored; import one with `trimtab models import FILE`"
                raise InvalidInput(f"no such model (known: {listed})", where="command line", field="models",
                                   value=name)
        if not names:
            raise InvalidInput("name at least one model", where="command line", field="models", value="")
        return list(dict.fromkeys(names))

    def _fleet_store(self) -> FleetStore:
        fleet = self.storage.fleet
        if fleet is None:
            raise InvalidInput("this storage keeps no positions to sweep", where="database", field="fleet")
        return fleet


@contextlib.contextmanager
def _planners(workers: int) -> Iterator[tuple[int, Callable[..., Any]]]:
    """How many processes plan, and how a batch is handed to them (one process: planned at once, here)."""
    if workers == 1:
        from trimtab.application.sweep_judge import plan_here

        yield 1, plan_here
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawned, not forked: a fork would copy the database connections and any thread's locks
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield workers, pool.submit


def _bar(done: int, total: int, summary: SweepSummary, width: int = 24) -> str:
    """``sweeping [#########---------------] 37% 370,000/1,000,000 accounts, 12,345 breached``."""
    share = done / total if total else 1.0
    filled = round(share * width)
    return (f"sweeping [{'#' * filled}{'-' * (width - filled)}] {share:4.0%} {done:,}/{total:,} accounts, "
            f"{summary.breached:,} breached")
