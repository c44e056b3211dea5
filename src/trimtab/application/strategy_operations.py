"""Strategies sharing an account, their capital, and the per-strategy ledger (mixed into the facade).

Capital goes through one rule (`domain.strategies.allocate_capital`); the ledger through `domain.ledger` and
`domain.reconciliation`. Here the inputs are gathered: the live balance of each market type (`market_balances`:
per market type from brokers that report it, else the snapshot as `securities`), the latest daily summary of each
market type,
the runs' fills (the trade log), the targets of the day, and the broker's holdings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from trimtab.application.brokers import BrokerChoice
from trimtab.application.lookup import require_account, require_model
from trimtab.application.market_balances import MarketBalance, read_market_balances
from trimtab.application.policies import Weekdays
from trimtab.application.progress import Progress, no_progress
from trimtab.application.records import DailySummary
from trimtab.application.state_import import ImportedState, import_state
from trimtab.domain.errors import Busy, InvalidInput, NotFound, TrimtabError
from trimtab.domain.instruments import DEFAULT_MARKET_BY_CURRENCY
from trimtab.domain.ledger import EntryKind, LedgerEntry, StrategyPosition, positions
from trimtab.domain.market_time import zone_for
from trimtab.domain.numbers import ONE, ZERO
from trimtab.domain.orders import Side
from trimtab.domain.reconciliation import BrokerHolding, ReconciliationReport, TradeLogFill, reconcile
from trimtab.domain.strategies import (
    CachedBalance,
    MarketReading,
    MarketType,
    Strategy,
    StrategyCapital,
    StrategyId,
    allocate_capital,
    parse_strategy_id,
)

if TYPE_CHECKING:
    from trimtab.application.brokers import BrokerFactory
    from trimtab.application.market_data import PricePolicy
    from trimtab.application.ports import Clock
    from trimtab.application.records import Account
    from trimtab.application.repositories import Storage
    from trimtab.application.schedules import ScheduleRules
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.positions_report import AccountReading
    from trimtab.domain.snapshot import AccountSnapshot

logger = logging.getLogger(__name__)

LIVE_MARKET_TYPE = MarketType.SECURITIES  # the default market type: what a one-balance broker's snapshot measures
TRADE_LOG_RUNS = 10_000  # the runs whose fills make the trade log (newest first)


@dataclass(frozen=True, slots=True)
class NewStrategy:
    """A strategy to add, as people give it."""

    strategy_id: str
    weight: Decimal
    market_type: str = LIVE_MARKET_TYPE.value
    leverage: Decimal = ONE
    target: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class CapitalReport:
    """Each strategy's capital on a market date, and the oldest daily summary that could stand in."""

    account_id: str
    market_date: dt.date
    oldest_usable: dt.date
    allocations: tuple[StrategyCapital, ...]


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """A reconciliation: the fills newly booked, the report, and whether its adjustments were booked."""

    fills_booked: int
    report: ReconciliationReport
    applied: bool


class StrategyOperations:
    """Strategies, capital and ledger (mixed into the facade)."""

    if TYPE_CHECKING:
        clock: Clock
        open_schedule_rules: Callable[[], ScheduleRules] | None
        open_price_policy: Callable[[], PricePolicy]

        @property
        def storage(self) -> Storage: ...

        def resolve_model(self, model: ModelPortfolio) -> ModelPortfolio: ...

        async def read_account(self, account: Account, symbols: Sequence[str] = (), *, cached: bool = False,
                               choice: BrokerChoice | None = None,
                               progress: Progress = no_progress) -> AccountReading: ...

        def _factory_for(self, account: Account, choice: BrokerChoice) -> BrokerFactory: ...

        def remember(self, account: Account, snapshot: AccountSnapshot) -> dt.datetime: ...

    # -- strategies ---------------------------------------------------------------------------------------------

    def add_strategy(self, account_id: str, new: NewStrategy) -> Strategy:
        """Add a strategy to an account (its target model must exist)."""
        require_account(self.storage, account_id)
        where = f"strategy of account '{account_id}'"
        try:
            market_type = MarketType(new.market_type.strip().lower())
        except ValueError:
            known = ", ".join(m.value for m in MarketType)
            raise InvalidInput(f"unknown market type (known: {known})", where=where, field="market_type",
                               value=new.market_type) from None
        if new.target is not None:
            require_model(self.storage, new.target, None)
        strategy = Strategy(account_id, parse_strategy_id(new.strategy_id, where=where), new.weight, market_type,
                            new.leverage, new.active, new.target)
        self.storage.strategies.add(strategy)
        logger.info("strategy %s added to account %s", strategy.strategy_id, account_id)
        return strategy

    def strategies(self, account_id: str) -> list[Strategy]:
        """An account's strategies."""
        require_account(self.storage, account_id)
        return self.storage.strategies.list(account_id)

    def remove_strategy(self, account_id: str, strategy_id: str) -> None:
        """Forget a strategy; refused while the ledger gives it positions."""
        require_account(self.storage, account_id)
        held = [p for (sid, _), p in self.ledger_positions(account_id).items() if sid == strategy_id]
        if held:
            raise InvalidInput(f"holds {len(held)} position(s) in the ledger; they must go first",
                               where=f"account '{account_id}'", field="strategy", value=strategy_id)
        if not self.storage.strategies.remove(account_id, strategy_id):
            raise NotFound("strategy", strategy_id, of=f"account '{account_id}'",
                           hint="`trimtab strategies list ACCOUNT` shows them")

    # -- capital ------------------------------------------------------------------------------------------------

    async def capital(self, account_id: str, *, max_age_days: int | None = None,
                      choice: BrokerChoice | None = None, progress: Progress = no_progress) -> CapitalReport:
        """Each strategy's capital from the live balance of its market type, else that market type's recent cached
        summary (marked stale); a summary may be `max_age_days` trading days old (default: the setting
        TRIMTAB_CACHED_SUMMARY_MAX_AGE_DAYS). The live balances read are kept as the day's summaries."""
        max_age_days = self._summary_max_age(max_age_days)
        account = require_account(self.storage, account_id)
        balances: dict[MarketType, MarketBalance] = {}
        error = ""
        if self.storage.strategies.list(account_id):
            balances, error = await self._live_balances(account, choice, progress)
        market_date = self.clock.now().astimezone(zone_for(currency=account.currency)).date()
        for market_type, balance in balances.items():  # today's figures: the fallback when the broker is down
            self.storage.summaries.upsert(DailySummary(account_id, market_date, market_type.value,
                                                       balance.free_cash, balance.equity))
        return self.capital_from(account_id, {m: b.equity for m, b in balances.items()}, error,
                                 max_age_days=max_age_days)

    def capital_from(self, account_id: str, live: Mapping[MarketType, Decimal], error: str = "", *,
                     max_age_days: int | None = None) -> CapitalReport:
        """Each strategy's capital from live equities already read, by market type (`error`: why none could be
        read); a market type without one falls back to its cached summary."""
        max_age_days = self._summary_max_age(max_age_days)
        account = require_account(self.storage, account_id)
        strategies = self.storage.strategies.list(account_id)
        market_date = self.clock.now().astimezone(zone_for(currency=account.currency)).date()
        oldest = market_date
        days = Weekdays() if self.open_schedule_rules is None else self.open_schedule_rules().days
        for _ in range(max_age_days):
            oldest = days.previous_session(DEFAULT_MARKET_BY_CURRENCY.get(account.currency), oldest)
        readings = {}
        for market_type in {s.market_type for s in strategies}:
            summary = self.storage.summaries.latest(account_id, market_type.value)
            cached = None if summary is None else CachedBalance(summary.trade_date, summary.equity)
            readings[market_type] = MarketReading(account.currency, live.get(market_type),
                                                  error or "no live balance for this market type", cached)
        allocations = allocate_capital(strategies, readings, oldest)
        return CapitalReport(account_id, market_date, oldest, tuple(allocations))

    def _summary_max_age(self, max_age_days: int | None) -> int:
        if max_age_days is None:
            max_age_days = self.open_price_policy().summary_max_age_days
        if max_age_days < 0:
            raise InvalidInput("must not be negative", where="capital", field="max_age_days", value=max_age_days)
        return max_age_days

    async def _live_balances(self, account: Account, choice: BrokerChoice | None,
                             progress: Progress) -> tuple[dict[MarketType, MarketBalance], str]:
        """Each market type's live balance the broker reports (a broker with one balance: `securities`), or
        none and why."""
        choice = choice or BrokerChoice()
        try:
            async with self._factory_for(account, choice).connect(account, choice, None, progress) as connection:
                balances, snapshot = await read_market_balances(connection.broker, account.account_id)
        except InvalidInput:
            raise  # a wrong broker choice or setting is the user's to fix, not a reason to fall back
        except (TrimtabError, OSError) as error:
            logger.warning("account %s: live balance unreadable: %s", account.account_id, error)
            return {}, f"live balance unreadable: {error}"
        if snapshot is not None:
            self.remember(account, snapshot)
        return balances, ""

    # -- ledger -------------------------------------------------------------------------------------------------

    def ledger_entries(self, account_id: str) -> list[LedgerEntry]:
        """An account's ledger entries in time order."""
        require_account(self.storage, account_id)
        return self.storage.ledger.entries(account_id)

    def ledger_positions(self, account_id: str) -> dict[tuple[StrategyId, str], StrategyPosition]:
        """Each strategy's positions and cost basis, from the ledger."""
        return positions(self.ledger_entries(account_id))

    def import_state(self, account_id: str, text: str, source: str) -> tuple[ImportedState, int]:
        """Book a rolling-K state.json's positions into an account's ledger; return it and the entries added."""
        require_account(self.storage, account_id)
        imported = import_state(text, account_id, source)
        added = self.storage.ledger.record(imported.entries)
        logger.info("account %s: %d of %d imported entries booked from %s", account_id, added,
                    len(imported.entries), source)
        return imported, added

    async def reconcile_ledger(self, account_id: str, *, apply: bool = True, choice: BrokerChoice | None = None,
                               progress: Progress = no_progress) -> Reconciliation:
        """Book the runs' fills, compare the ledger with the broker's holdings, and (with `apply`) book the
        differences as the report explains them."""
        account = require_account(self.storage, account_id)
        active = self.storage.runs.active_run(account_id)
        if apply and active is not None:  # its fills still arriving would be booked twice (as differences too)
            raise Busy(f"account {account_id} has an active run {active}; reconcile when it has ended "
                       "(or with --dry-run)")
        fills = self._fill_entries(account_id)
        booked = self.storage.ledger.record(fills) if apply else 0
        snapshot = (await self.read_account(account, (), choice=choice, progress=progress)).snapshot
        broker = {h.symbol: BrokerHolding(h.quantity, h.quote.price) for h in snapshot.holdings}
        entries = self.storage.ledger.entries(account_id)
        held = positions([*entries, *fills])
        trade_log = [TradeLogFill(e.symbol, _side(e), e.strategy_id, e.note, e.price, e.occurred_at)
                     for e in [*entries, *fills] if e.kind is EntryKind.FILL]
        market_date = snapshot.as_of  # the broker's market date of the holdings read (paper: its simulated day)
        report = reconcile(account_id, held, broker, trade_log, self._targets(account_id), market_date)
        if apply:  # ids from the ledger's state: two reconciliations of the same state book their lines once
            state = hashlib.sha256("\n".join(sorted(e.entry_id for e in entries)).encode()).hexdigest()[:16]
            self.storage.ledger.record(report.entries(self.clock.now(), state))
        return Reconciliation(booked, report, apply)

    def _fill_entries(self, account_id: str) -> list[LedgerEntry]:
        """Every fill of the account's runs as ledger entries: of the strategy its client order id names, or by a
        strategy run's split (strategy_ledger.py)."""
        from trimtab.application.strategy_ledger import run_entries

        entries = []
        for run in self.storage.runs.list(account_id, TRADE_LOG_RUNS):
            entries.extend(run_entries(run, self.storage.runs.list_fills(run.run_id)))
        return entries

    def _targets(self, account_id: str) -> frozenset[str]:
        """The day's targets: the symbols of the account's model and of its active strategies' models."""
        names = [s.target for s in self.storage.strategies.list(account_id) if s.active and s.target]
        assignment = self.storage.accounts.assignment(account_id)
        if assignment is not None:
            names.append(assignment.model_name)
        symbols: set[str] = set()
        for name in names:
            symbols |= set(self.resolve_model(self.storage.models.get(name)).target_weights())
        return frozenset(symbols)


def _side(entry: LedgerEntry) -> Side:
    return Side.BUY if entry.quantity > ZERO else Side.SELL


