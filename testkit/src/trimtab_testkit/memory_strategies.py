"""In-memory doubles of the strategies and ledger repositories, as the SQL ones behave."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from trimtab.domain.errors import InvalidInput
from trimtab.domain.ledger import LedgerEntry
from trimtab.domain.strategies import Strategy


@dataclass
class MemoryStrategies:
    strategies: dict[tuple[str, str], Strategy] = field(default_factory=dict)

    def add(self, strategy: Strategy) -> None:
        key = (strategy.account_id, strategy.strategy_id)
        if key in self.strategies:
            raise InvalidInput("exists already", where=f"account '{strategy.account_id}'", field="strategy",
                               value=strategy.strategy_id)
        self.strategies[key] = strategy

    def list(self, account_id: str) -> list[Strategy]:
        return [s for (account, _), s in sorted(self.strategies.items()) if account == account_id]

    def remove(self, account_id: str, strategy_id: str) -> bool:
        return self.strategies.pop((account_id, strategy_id), None) is not None


@dataclass
class MemoryLedger:
    stored: dict[tuple[str, str], LedgerEntry] = field(default_factory=dict)

    def record(self, entries: Sequence[LedgerEntry]) -> int:
        added = 0
        for entry in entries:
            key = (entry.account_id, entry.entry_id)
            if key not in self.stored:
                self.stored[key] = entry
                added += 1
        return added

    def entries(self, account_id: str) -> list[LedgerEntry]:
        found = [e for (account, _), e in self.stored.items() if account == account_id]
        return sorted(found, key=lambda e: (e.occurred_at, e.entry_id))
