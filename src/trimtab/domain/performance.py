"""Performance per strategy: daily equity snapshots attributed by the ledger, and the returns between them.

A strategy's equity = the market value of its ledger positions + its cash. Positions are the ledger's (fills,
imports, reconciliations), never a share of the account by capital ratio. Its cash is a cash account of its own:

    cash = funding - what its ledger entries spent (each entry a trade at its price: a buy of q at p spends
           q x p + fees, a sell receives q x p - fees)

`funding` is fixed at the strategy's first snapshot: its cash then was its capital (the allocation rule)
less the market value of its holdings, never below 0 (`opening_cash`), and the funding is that cash plus what
its entries had spent by then. It is carried to every later snapshot, so a strategy's equity moves only by its
own positions' prices, its own trades' prices and its own fees: another strategy's gain or trade never shows
in it, and a strategy that holds nothing has equity = its cash. Entries booked late (a run's fills booked at
reconciliation) are counted on the next snapshot, whatever their date.

Returns are simple returns from one snapshot to the next (E_t / E_t-1 - 1), a period per snapshot; a period
whose starting equity is not above 0 has no return and is left out.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.ledger import LedgerEntry, StrategyPosition
from trimtab.domain.numbers import ONE, ZERO

ACCOUNT_SCOPE = None  # the strategy id of an account-level snapshot


class SnapshotSource(StrEnum):
    LIVE = "live"  # the broker was read for it
    CACHED = "cached"  # the broker did not answer: the account's last kept snapshot (its cash and quotes)


@dataclass(frozen=True, slots=True)
class EquitySnapshot:
    """The equity and cash of one strategy (or of the whole account) at one market date."""

    account_id: str
    strategy_id: str | None  # None: the account as a whole
    market_date: dt.date
    equity: Decimal
    cash: Decimal
    source: SnapshotSource
    taken_at: dt.datetime
    funding: Decimal | None = None  # a strategy's carried funding (see the module); None for the account

    @property
    def scope(self) -> str:
        """The strategy id, or "account"."""
        return "account" if self.strategy_id is None else self.strategy_id


@dataclass(frozen=True, slots=True)
class Valuation:
    """A strategy's holdings at market: their value, and the symbols valued without a quote (at a ledger price)."""

    value: Decimal
    unquoted: tuple[str, ...]


def value_positions(held: Iterable[StrategyPosition], prices: Mapping[str, Decimal],
                    last_prices: Mapping[str, Decimal]) -> Valuation:
    """Value positions at their quotes; a symbol without a quote at its latest ledger price."""
    value, unquoted = ZERO, []
    for position in held:
        price = prices.get(position.symbol)
        if price is None:
            price = last_prices.get(position.symbol, ZERO)
            unquoted.append(position.symbol)
        value += position.quantity * price
    return Valuation(value, tuple(sorted(unquoted)))


def spent_by(entries: Iterable[LedgerEntry]) -> Decimal:
    """What entries spent, net: buys' quantity x price + fees, less sells' quantity x price - fees."""
    return sum((entry.quantity * entry.price + entry.fees for entry in entries), ZERO)


def last_prices(entries: Iterable[LedgerEntry]) -> dict[str, Decimal]:
    """Each symbol's price in its latest entry (entries in time order)."""
    return {entry.symbol: entry.price for entry in entries if entry.price > ZERO}


def opening_cash(capital: Decimal | None, holdings_value: Decimal) -> Decimal:
    """A strategy's cash at its first snapshot: its capital less its holdings at market, never below 0 (no
    capital: 0)."""
    if capital is None:
        return ZERO
    return max(capital - holdings_value, ZERO)


def strategy_snapshot(account_id: str, strategy_id: str, market_date: dt.date, *, holdings: Valuation,
                      spent: Decimal, funding: Decimal, source: SnapshotSource,
                      taken_at: dt.datetime) -> EquitySnapshot:
    """A strategy's snapshot: cash = funding - spent, equity = holdings at market + cash."""
    cash = funding - spent
    return EquitySnapshot(account_id, strategy_id, market_date, holdings.value + cash, cash, source, taken_at,
                          funding)


def period_returns(snapshots: Sequence[EquitySnapshot]) -> list[Decimal]:
    """Simple returns from each snapshot to the next, by market date (a start not above 0 has none)."""
    ordered = sorted(snapshots, key=lambda s: s.market_date)
    return [after.equity / before.equity - ONE for before, after in itertools.pairwise(ordered)
            if before.equity > ZERO]


@dataclass(frozen=True, slots=True)
class PerformanceMetrics:
    """What a series of snapshots measures; None where it cannot be measured (too few periods)."""

    periods: int  # returns measured
    roi: Decimal | None  # cumulative return over the periods
    max_drawdown: Decimal | None  # the worst fall from a peak, as a fraction (<= 0)
    volatility: Decimal | None  # annualised standard deviation of the returns (sample, 252 periods a year)
    sharpe: Decimal | None  # annualised mean / standard deviation, risk-free rate 0
