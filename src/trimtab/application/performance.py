"""Performance per strategy and per account: daily equity snapshots and their metrics (mixed into the facade).

A snapshot reads the broker once (live; when it does not answer, the account's last kept snapshot: `cached`),
values each strategy's ledger positions at those quotes and carries its cash by the ledger
(`domain.performance` says how), and stores one row per (account, strategy or account, market date): taking
it again the same day rewrites that day's rows. Metrics (ROI, max drawdown, annualised volatility, Sharpe) are
computed from the stored rows by the performance meter the composition root gives (empyrical-reloaded).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from trimtab.application.lookup import require_account
from trimtab.application.progress import Progress, no_progress
from trimtab.application.strategy_operations import LIVE_MARKET_TYPE, StrategyOperations
from trimtab.domain.errors import InvalidInput, NotFound, TrimtabError
from trimtab.domain.ledger import LedgerEntry, positions
from trimtab.domain.market_time import zone_for
from trimtab.domain.numbers import ZERO
from trimtab.domain.performance import (
    EquitySnapshot,
    PerformanceMetrics,
    SnapshotSource,
    last_prices,
    opening_cash,
    period_returns,
    spent_by,
    strategy_snapshot,
    value_positions,
)

if TYPE_CHECKING:
    import datetime as dt

    from trimtab.application.brokers import BrokerChoice
    from trimtab.application.records import Account
    from trimtab.domain.positions_report import AccountReading
    from trimtab.domain.snapshot import AccountSnapshot

logger = logging.getLogger(__name__)


class PerformanceRepository(Protocol):
    """Daily equity snapshots; one row per (account, strategy or account, market date)."""

    def save(self, snapshots: Sequence[EquitySnapshot]) -> None:
        """Store the snapshots in one transaction, replacing those of the same account, strategy and date."""
        ...

    def list(self, account_id: str) -> list[EquitySnapshot]:
        """An account's snapshots, the account's first, then by strategy id, each by market date."""
        ...


class PerformanceMeter(Protocol):
    def measure(self, returns: Sequence[Decimal]) -> PerformanceMetrics:
        """The metrics of a series of simple period returns."""
        ...


@dataclass(frozen=True, slots=True)
class ScopePerformance:
    """One strategy's (or the account's) snapshots and what they measure."""

    scope: str  # a strategy id, or "account"
    snapshots: tuple[EquitySnapshot, ...]
    metrics: PerformanceMetrics | None  # None when no meter is configured


@dataclass(frozen=True, slots=True)
class PerformanceReport:
    account_id: str
    scopes: tuple[ScopePerformance, ...]


@dataclass
class StrategyPerformance(StrategyOperations):
    """Strategies, capital and ledger (StrategyOperations), and their performance (mixed into the facade)."""

    open_performance_meter: Callable[[], PerformanceMeter] | None = field(default=None, kw_only=True)

    async def take_performance_snapshot(self, account_id: str, *, choice: BrokerChoice | None = None,
                                        progress: Progress = no_progress) -> list[EquitySnapshot]:
        """Snapshot the account's and each strategy's equity on today's market date (rewriting today's rows)."""
        account = require_account(self.storage, account_id)
        symbols = sorted({symbol for _, symbol in positions(self._strategy_entries(account_id))})
        reading, source = await self._performance_reading(account, symbols, choice, progress)
        return self.record_performance(account, reading.snapshot, source)

    def record_performance(self, account: Account, snapshot: AccountSnapshot,
                           source: SnapshotSource = SnapshotSource.LIVE) -> list[EquitySnapshot]:
        """Snapshot the equity from an account snapshot just read (a run's last reading, say); store the rows."""
        account_id, now = account.account_id, self.clock.now()
        entries = self._strategy_entries(account_id)
        held = positions(entries)
        market_date = now.astimezone(zone_for(currency=account.currency)).date()
        prices = {symbol: quote.price for symbol, quote in snapshot.quotes.items()}
        prices |= {holding.symbol: holding.quote.price for holding in snapshot.holdings}
        equity = snapshot.cash + sum((holding.value for holding in snapshot.holdings), ZERO)
        rows = [EquitySnapshot(account_id, None, market_date, equity, snapshot.cash, source, now)]
        fundings = self._carried_fundings(account_id, market_date)
        capitals: dict[str, Decimal | None] | None = None
        ledger_prices = last_prices(entries)
        for strategy in self.storage.strategies.list(account_id):
            sid = strategy.strategy_id
            valuation = value_positions([p for (owner, _), p in held.items() if owner == sid], prices, ledger_prices)
            spent = spent_by(entry for entry in entries if entry.strategy_id == sid)
            funding = fundings.get(sid)
            if funding is None:  # its first snapshot: its cash is what its capital leaves beside its holdings
                if capitals is None:  # from the equity just read (the kept snapshot's when the broker is down)
                    report = self.capital_from(account_id, {LIVE_MARKET_TYPE: equity})
                    capitals = {a.strategy.strategy_id: a.capital for a in report.allocations}
                funding = opening_cash(capitals.get(sid), valuation.value) + spent
            if valuation.unquoted:
                logger.warning("account %s strategy %s: no quote for %s, valued at the ledger's last price",
                               account_id, sid, ", ".join(valuation.unquoted))
            rows.append(strategy_snapshot(account_id, sid, market_date, holdings=valuation, spent=spent,
                                          funding=funding, source=source, taken_at=now))
        self.storage.performance.save(rows)
        logger.info("account %s: performance snapshot of %s (%s), %d rows", account_id, market_date, source.value,
                    len(rows))
        return rows

    def snapshot_after_run(self, account: Account, post: AccountSnapshot) -> None:
        """The day's performance snapshot from a run's last reading; a failure is logged, never the run's."""
        try:
            self.record_performance(account, post)
        except TrimtabError as error:
            logger.warning("account %s: no performance snapshot after the run: %s", account.account_id, error)

    def _strategy_entries(self, account_id: str) -> list[LedgerEntry]:
        """The ledger's entries and the runs' fills not booked yet, once each, in time order."""
        unique = {e.entry_id: e for e in [*self.storage.ledger.entries(account_id), *self._fill_entries(account_id)]}
        return sorted(unique.values(), key=lambda e: (e.occurred_at, e.entry_id))

    def performance(self, account_id: str, strategy: str | None = None) -> PerformanceReport:
        """The account's and each strategy's snapshots and metrics (with `strategy`, that strategy's only)."""
        require_account(self.storage, account_id)
        stored = self.storage.performance.list(account_id)
        if strategy is not None and all(s.strategy_id != strategy for s in self.storage.strategies.list(account_id)) \
                and all(row.strategy_id != strategy for row in stored):
            raise NotFound("strategy", strategy, of=f"account '{account_id}'",
                           hint="`trimtab strategies list ACCOUNT` shows them")
        scopes: dict[str, list[EquitySnapshot]] = {}
        for row in stored:
            if strategy is None or row.strategy_id == strategy:
                scopes.setdefault(row.scope, []).append(row)
        meter = None if self.open_performance_meter is None else self.open_performance_meter()
        return PerformanceReport(account_id, tuple(
            ScopePerformance(scope, tuple(rows), None if meter is None else meter.measure(period_returns(rows)))
            for scope, rows in scopes.items()))

    async def _performance_reading(self, account: Account, symbols: Sequence[str], choice: BrokerChoice | None,
                                   progress: Progress) -> tuple[AccountReading, SnapshotSource]:
        try:
            return (await self.read_account(account, symbols, choice=choice, progress=progress)), SnapshotSource.LIVE
        except InvalidInput:
            raise  # a wrong broker choice or setting is the user's to fix, not a reason to fall back
        except (TrimtabError, OSError) as error:
            logger.warning("account %s: broker unreadable (%s); the last kept snapshot stands in",
                           account.account_id, error)
        return (await self.read_account(account, symbols, cached=True)), SnapshotSource.CACHED

    def _carried_fundings(self, account_id: str, market_date: dt.date) -> dict[str, Decimal]:
        """Each strategy's funding from its first snapshot before `market_date` (today's rows are rewritten)."""
        result: dict[str, Decimal] = {}
        for row in sorted(self.storage.performance.list(account_id), key=lambda r: r.market_date, reverse=True):
            if row.strategy_id is not None and row.funding is not None and row.market_date < market_date:
                result[row.strategy_id] = row.funding  # the earliest date is seen last and stays
        return result
