"""An in-memory run repository with the same lock semantics as the SQL one."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from trimtab.application.ports import RunInProgress, RunRecord
from trimtab.domain.execution import Fill


class InMemoryRunRepository:
    """Keeps deep copies, so a caller's later mutation never leaks in without a save."""

    def __init__(self) -> None:
        self.runs: dict[str, RunRecord] = {}
        self.active: dict[str, str] = {}
        self.saves = 0
        self.fills: dict[str, dict[str, Fill]] = {}

    def create(self, run: RunRecord) -> None:
        holder = self.active.get(run.account_id)
        if holder is not None:
            raise RunInProgress(run.account_id, holder)
        self.active[run.account_id] = run.run_id
        self.runs[run.run_id] = copy.deepcopy(run)

    def save(self, run: RunRecord) -> None:
        self.saves += 1
        self.runs[run.run_id] = copy.deepcopy(run)

    def record_fills(self, run_id: str, fills: Sequence[Fill]) -> int:
        known = self.fills.setdefault(run_id, {})
        new = [f for f in fills if f.fill_id not in known]
        known.update({f.fill_id: f for f in new})
        return len(new)

    def list_fills(self, run_id: str) -> list[Fill]:
        return list(self.fills.get(run_id, {}).values())

    def get(self, run_id: str) -> RunRecord:
        return copy.deepcopy(self.runs[run_id])

    def list(self, account_id: str | None = None, limit: int = 50) -> list[RunRecord]:
        rows = [r for r in self.runs.values() if account_id is None or r.account_id == account_id]
        return [copy.deepcopy(r) for r in sorted(rows, key=lambda r: r.created_at, reverse=True)[:limit]]

    def release(self, run: RunRecord) -> None:
        if self.active.get(run.account_id) == run.run_id:
            del self.active[run.account_id]
