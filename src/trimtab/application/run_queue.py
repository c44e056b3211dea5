"""Runs on a task queue (mixed into the facade): one task per account, idempotent by run id.

`enqueue_runs` names each run before anything is sent: its id is stored with the account and whether it
executes, then one task carrying only that id goes on the queue. Delivery is at least once (a worker killed
mid-run has its task delivered again), so `drive_queued_run` is idempotent: the first delivery starts the run
under that id, a later one resumes it while it is still running (a run that ended, or stopped needing
attention, is left as it is: resuming that is for people to decide). The run's lease makes the effect
exactly once: a delivery that finds the run driven by a live process is told to come back later. What the
queue and the limits are: docs/scale.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from trimtab.application.progress import Progress, no_progress
from trimtab.domain.errors import Busy, DomainError, InvalidInput, NotFound

if TYPE_CHECKING:
    from collections.abc import Callable

    from trimtab.application.brokers import BrokerChoice
    from trimtab.application.ports import Clock, RunRecord
    from trimtab.application.repositories import Storage

logger = logging.getLogger(__name__)
MAX_ACCOUNTS = 100_000  # one call; a sweep enqueues in chunks
FEW_ACCOUNTS = 20  # more than this are checked against one listing of the accounts, not one query each


@dataclass(frozen=True, slots=True)
class QueuedRun:
    """A run named at enqueue time: its id, the account, whether it sends orders, when it was enqueued."""

    run_id: str
    account_id: str
    execute: bool
    enqueued_at: dt.datetime


class QueuedRunRepository(Protocol):
    """The runs put on the queue (stored before their tasks are sent)."""

    def add_many(self, runs: Sequence[QueuedRun]) -> None: ...

    def get(self, run_id: str) -> QueuedRun | None: ...

    def set_outcome(self, run_id: str, outcome: str) -> None:
        """Remember why a queued run never started (an account busy with another run, an account removed)."""
        ...


class RunQueue(Protocol):
    """Where tasks go: one per queued run, carrying its id only."""

    def submit(self, run_ids: Sequence[str]) -> None: ...


class Delivery(StrEnum):
    """What a delivery of a queued run came to."""

    DRIVEN = "driven"  # started or resumed, and driven as far as it goes
    FINISHED = "finished"  # already ended, or stopped needing attention: nothing done
    HELD = "held"  # another live process drives it: deliver again later
    REFUSED = "refused"  # it cannot go on (its account is busy or gone, the kill switch): dropped, reason kept


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """A delivery's outcome, with the run when there is one."""

    delivery: Delivery
    run_id: str
    record: RunRecord | None = None
    reason: str = ""


class QueueOperations:
    """`enqueue_runs` and `drive_queued_run` (mixed into the facade)."""

    if TYPE_CHECKING:

        @property
        def storage(self) -> Storage: ...

        clock: Clock
        open_run_queue: Callable[[], RunQueue] | None

        async def rebalance(self, account_id: str, *, execute: bool, force: bool, progress: Progress,
                            choice: BrokerChoice | None = None, run_id: str | None = None) -> RunRecord: ...

        async def resume(self, run_id: str, *, progress: Progress, choice: BrokerChoice | None = None,
                         ) -> RunRecord: ...

    def enqueue_runs(self, account_ids: Sequence[str], execute: bool) -> list[QueuedRun]:
        """Name one run per account (stored first), then put one task per run on the queue."""
        from trimtab.application.lookup import require_account
        from trimtab.application.run_rebalance import new_run_id

        if self.open_run_queue is None:
            raise InvalidInput("no task queue is configured; set TRIMTAB_QUEUE_URL (docs/scale.md)",
                               where="settings", field="queue_url")
        if not 0 < len(account_ids) <= MAX_ACCOUNTS:
            raise InvalidInput(f"name 1 to {MAX_ACCOUNTS:,} accounts", where="command line", field="accounts",
                               value=len(account_ids))
        queue = self.open_run_queue()  # refused (no extra, bad URL) before anything is stored
        storage = self.storage
        wanted = list(dict.fromkeys(account_ids))
        known = {account.account_id for account in storage.accounts.list()} if len(wanted) > FEW_ACCOUNTS else set()
        for account_id in wanted:
            if account_id not in known:
                require_account(storage, account_id)  # unknown: NotFound with the close matches
        now = self.clock.now()
        runs = [QueuedRun(new_run_id(), account_id, execute, now) for account_id in wanted]
        storage.queued_runs.add_many(runs)
        queue.submit([run.run_id for run in runs])
        logger.info("enqueued %d runs (execute=%s)", len(runs), execute)
        return runs

    async def drive_queued_run(self, run_id: str, progress: Progress = no_progress) -> DeliveryOutcome:
        """Start a queued run under its id, or resume it when a delivery before this one started it."""
        from trimtab.application.lookup import find_run
        from trimtab.application.ports import RunInProgress, RunStatus

        storage = self.storage
        queued = storage.queued_runs.get(run_id)
        if queued is None:
            raise NotFound("queued run", run_id, hint="its task names no run enqueued in this database")
        existing = find_run(storage, run_id)
        if existing is not None and existing.status is not RunStatus.RUNNING:  # ended, or stopped for people:
            return DeliveryOutcome(Delivery.FINISHED, run_id, existing)  # `runs resume` is theirs to say
        try:
            if existing is None:
                record = await self.rebalance(queued.account_id, execute=queued.execute, force=False,
                                              progress=progress, run_id=run_id)
            else:
                record = await self.resume(run_id, progress=progress)
        except RunInProgress as busy:
            if busy.run_id != run_id:
                return self._refuse(run_id, str(busy))
            return DeliveryOutcome(Delivery.HELD, run_id, reason=str(busy))  # another delivery created it
        except Busy as busy:  # its lease is held, or was taken over, by another live process
            return DeliveryOutcome(Delivery.HELD, run_id, reason=str(busy))
        except DomainError as error:
            if existing is None and find_run(storage, run_id) is not None:  # created by another delivery
                return DeliveryOutcome(Delivery.HELD, run_id, reason=str(error))
            return self._refuse(run_id, str(error))  # the kill switch, say: `runs resume` it once cleared
        except InvalidInput as error:  # the account, or its model, is gone
            return self._refuse(run_id, str(error))
        return DeliveryOutcome(Delivery.DRIVEN, run_id, record)

    def _refuse(self, run_id: str, reason: str) -> DeliveryOutcome:
        logger.warning("queued run %s cannot start: %s", run_id, reason)
        self.storage.queued_runs.set_outcome(run_id, reason)
        return DeliveryOutcome(Delivery.REFUSED, run_id, reason=reason)

