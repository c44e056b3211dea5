"""An in-memory double of the performance snapshots repository, as the SQL one behaves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from trimtab.domain.performance import EquitySnapshot


@dataclass
class MemoryPerformance:
    rows: dict[tuple[str, str, object], EquitySnapshot] = field(default_factory=dict)

    def save(self, snapshots: Sequence[EquitySnapshot]) -> None:
        for snapshot in snapshots:
            self.rows[(snapshot.account_id, snapshot.strategy_id or "", snapshot.market_date)] = snapshot

    def list(self, account_id: str) -> list[EquitySnapshot]:
        ordered = sorted(self.rows.items(), key=lambda item: (item[0][1], str(item[0][2])))
        return [row for (account, _, _), row in ordered if account == account_id]
