"""Every durable write of a run in one place: stamped with the run's clock, fenced by the run's lease.

A run is driven by one process at a time. The driver holds the run's lease (owner, fencing token, expiry in
real time) and extends it with every write and, while it waits, every few seconds; a process that stalled past
its lease's expiry finds the token moved on at its next write and stops (LeaseLost) before anything else is
sent. A holder known to be gone (a killed process on this host) is replaced at once; any other holder keeps the
run until its lease lapses.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from trimtab.application.ports import Clock, Lease, RunLeaseHeld, RunRecord, RunRepository

if TYPE_CHECKING:
    from trimtab.domain.execution import Fill

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LeasePolicy:
    """This process as a lease owner, how long its lease lasts unrenewed, and how to tell a holder is gone."""

    owner: str
    wall: Clock  # real time: a lease outlives any simulated market clock
    seconds: float = 120.0
    holder_gone: Callable[[str], bool] = field(default=lambda _owner: False)

    def new_lease(self, token: int = 0) -> Lease:
        """A lease held by this process until `seconds` from now."""
        return Lease(self.owner, token, self.wall.now() + dt.timedelta(seconds=self.seconds))


class RunJournal:
    """Saves, fills and heartbeats of runs, each fenced by the run's lease."""

    def __init__(self, runs: RunRepository, clock: Clock, policy: LeasePolicy) -> None:
        self.runs = runs
        self.clock = clock
        self.policy = policy
        self._renewed: dict[str, dt.datetime] = {}

    def create(self, run: RunRecord) -> None:
        """Store a new run held by this process (token 1)."""
        run.lease = self.policy.new_lease(token=1)
        run.updated_at = self.clock.now()
        self.runs.create(run)
        self._renewed[run.run_id] = self.policy.wall.now()

    def acquire(self, run_id: str) -> RunRecord:
        """Take the run's lease; replace a holder known to be gone; raise RunLeaseHeld for a live one."""
        lease = self.policy.new_lease()
        try:
            run = self.runs.acquire(run_id, lease, self.policy.wall.now())
        except RunLeaseHeld as held:
            if not self.policy.holder_gone(held.owner):
                raise
            run = self.runs.acquire(run_id, lease, self.policy.wall.now(), replacing=held.owner)
            logger.warning("run %s: its lease holder %s was gone; this process took the run over", run_id,
                           held.owner)  # said once it is true: another process may have taken it first
        self._renewed[run_id] = self.policy.wall.now()
        return run

    def save(self, run: RunRecord) -> None:
        """Store the run, stamped with the run clock's instant, extending its lease."""
        run.updated_at = self.clock.now()
        self._extend(run)
        self.runs.save(run)

    def record_fills(self, run: RunRecord, fills: Sequence[Fill]) -> int:
        """Store fills not seen before (fenced)."""
        self._extend(run)
        return self.runs.record_fills(run, fills)

    def heartbeat(self, run: RunRecord) -> None:
        """Extend the lease when a quarter of it has passed since the last write (fenced)."""
        last = self._renewed.get(run.run_id)
        if last is None or (self.policy.wall.now() - last).total_seconds() >= self.policy.seconds / 4:
            self.confirm(run)

    def confirm(self, run: RunRecord) -> None:
        """Prove the lease is still this process's, and extend it (before anything is sent)."""
        self._extend(run)
        self.runs.renew(run)

    def release(self, run: RunRecord) -> None:
        """Give the lease up (when the process stops driving the run)."""
        self.runs.release_lease(run)
        self._renewed.pop(run.run_id, None)
        run.lease = None

    def _extend(self, run: RunRecord) -> None:
        if run.lease is not None:
            run.lease = replace(run.lease, expires_at=self.policy.wall.now() + dt.timedelta(
                seconds=self.policy.seconds))
            self._renewed[run.run_id] = self.policy.wall.now()
