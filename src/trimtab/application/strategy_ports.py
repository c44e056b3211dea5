"""Ports for an account's strategies and its per-strategy ledger (SQL repositories; in-memory ones in tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from trimtab.domain.ledger import LedgerEntry
from trimtab.domain.strategies import Strategy


class StrategyRepository(Protocol):
    """The strategies (sleeves) of each account."""

    def add(self, strategy: Strategy) -> None:
        """Store a new strategy; InvalidInput when the account already has one with that id."""
        ...

    def list(self, account_id: str) -> list[Strategy]:
        """An account's strategies, by id."""
        ...

    def remove(self, account_id: str, strategy_id: str) -> bool:
        """Forget a strategy; False when there was none."""
        ...


class LedgerRepository(Protocol):
    """Each account's ledger entries; an entry id is stored once."""

    def record(self, entries: Sequence[LedgerEntry]) -> int:
        """Store the entries not stored yet (by account and entry id), in one transaction; return how many."""
        ...

    def entries(self, account_id: str) -> list[LedgerEntry]:
        """An account's entries in time order."""
        ...
