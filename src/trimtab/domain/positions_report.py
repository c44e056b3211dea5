"""The positions report: every account's holdings and cash, in its own currency and in one base currency.

Rounding, so that every figure of the report adds up to the minor unit: each position's value (quantity x
price, exact in the account's currency) is converted and rounded on its own (`trimtab.domain.fx`); an
account's *invested* figure is the sum of those rounded values, its *cash* the converted cash, its *total*
invested + cash. The totals row sums the accounts' rounded figures. Percentages are exact fractions of the
account's total (0 when the total is 0) and only rounded when shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from trimtab.domain.fx import Conversion, FxRate, FxRates, format_age
from trimtab.domain.instruments import Instrument
from trimtab.domain.numbers import ZERO
from trimtab.domain.snapshot import AccountSnapshot


@dataclass(frozen=True, slots=True)
class AccountReading:
    """An account's snapshot as its broker gave it, when it was read, and whether from the cache (not live)."""

    snapshot: AccountSnapshot
    read_at: dt.datetime
    other_cash: Mapping[str, Decimal] = field(default_factory=dict)  # cash in other currencies than the snapshot's
    cached: bool = False


@dataclass(frozen=True, slots=True)
class CashLine:
    """Cash an account holds in another currency than its own (IBKR: a CashBalance per currency)."""

    currency: str
    amount: Decimal
    base_value: Decimal  # converted and rounded to the base currency's minor unit
    conversion: Conversion


@dataclass(frozen=True, slots=True)
class PositionLine:
    """One holding: quantity and price in the account's currency, value there and in the base currency."""

    instrument: Instrument
    quantity: Decimal
    price: Decimal
    value: Decimal  # quantity x price, exact, in the account's currency
    base_value: Decimal  # converted and rounded to the base currency's minor unit

    @property
    def symbol(self) -> str:
        return self.instrument.symbol


class _Fractions:
    """Invested and cash as exact fractions of the total (0 when the total is 0)."""

    __slots__ = ()
    if TYPE_CHECKING:
        @property
        def invested(self) -> Decimal: ...
        @property
        def cash(self) -> Decimal: ...
        @property
        def total(self) -> Decimal: ...

    @property
    def invested_fraction(self) -> Decimal:
        return self.invested / self.total if self.total else ZERO

    @property
    def cash_fraction(self) -> Decimal:
        return self.cash / self.total if self.total else ZERO


@dataclass(frozen=True, slots=True)
class AccountLine(_Fractions):
    """One account of the report; money in the base currency unless named `local`."""

    account_id: str
    currency: str
    positions: tuple[PositionLine, ...]
    cash_local: Decimal
    cash: Decimal
    invested: Decimal
    conversion: Conversion
    prices_as_of: dt.date
    read_at: dt.datetime
    other_cash: tuple[CashLine, ...] = ()  # counted in `cash` (the base currency), not in `cash_local`
    cached: bool = False

    @property
    def own_cash(self) -> Decimal:
        """The cash in the account's own currency, in the base currency."""
        return self.cash - sum((line.base_value for line in self.other_cash), ZERO)

    @property
    def total(self) -> Decimal:
        return self.invested + self.cash

    @property
    def total_local(self) -> Decimal:
        return self.cash_local + sum((line.value for line in self.positions), ZERO)


    def position(self, symbol: str) -> PositionLine | None:
        return next((line for line in self.positions if line.symbol == symbol), None)


@dataclass(frozen=True, slots=True)
class PositionsReport(_Fractions):
    """Every account's line, the symbols held (largest total value first) and the rates used."""

    base_currency: str
    generated_at: dt.datetime
    accounts: tuple[AccountLine, ...]
    symbols: tuple[str, ...]
    rates: tuple[FxRate, ...]

    @property
    def total(self) -> Decimal:
        return sum((account.total for account in self.accounts), ZERO)

    @property
    def invested(self) -> Decimal:
        return sum((account.invested for account in self.accounts), ZERO)

    @property
    def cash(self) -> Decimal:
        return sum((account.cash for account in self.accounts), ZERO)


    def shares(self, symbol: str) -> Decimal:
        """Units of a symbol held across the accounts."""
        return sum((line.quantity for account in self.accounts if (line := account.position(symbol))), ZERO)

    def base_value(self, symbol: str) -> Decimal:
        """A symbol's value across the accounts, in the base currency (sum of the rounded figures)."""
        return sum((line.base_value for account in self.accounts if (line := account.position(symbol))), ZERO)

    def oldest_prices(self) -> dt.date | None:
        return min((account.prices_as_of for account in self.accounts), default=None)

    def oldest_rate(self) -> FxRate | None:
        return min(self.rates, key=lambda rate: rate.as_of, default=None)


def build_positions_report(readings: Sequence[AccountReading], base_currency: str, rates: FxRates,
                           generated_at: dt.datetime) -> PositionsReport:
    """The report over accounts' readings in `base_currency`; a missing rate is InvalidInput naming the pair."""
    accounts = tuple(_account_line(reading, base_currency, rates) for reading in readings)
    totals: dict[str, Decimal] = {}
    for account in accounts:
        for line in account.positions:
            totals[line.symbol] = totals.get(line.symbol, ZERO) + line.base_value
    symbols = tuple(sorted(totals, key=lambda symbol: (-totals[symbol], symbol)))
    used: dict[str, FxRate] = {}
    for account in accounts:
        for conversion in (account.conversion, *(line.conversion for line in account.other_cash)):
            if conversion.used is not None:
                used[conversion.used.pair] = conversion.used
    return PositionsReport(base_currency, generated_at, accounts, symbols, tuple(used[pair] for pair in sorted(used)))


def _account_line(reading: AccountReading, base_currency: str, rates: FxRates) -> AccountLine:
    snapshot = reading.snapshot
    conversion = rates.conversion(snapshot.currency, base_currency)
    positions = tuple(
        PositionLine(holding.quote.instrument, holding.quantity, holding.quote.price, holding.value,
                     conversion.apply(holding.value))
        for holding in sorted(snapshot.holdings, key=lambda holding: holding.symbol) if holding.quantity)
    invested = sum((line.base_value for line in positions), ZERO)
    others = tuple(CashLine(currency, amount, (other := rates.conversion(currency, base_currency)).apply(amount),
                            other)
                   for currency, amount in sorted(reading.other_cash.items())
                   if currency != snapshot.currency and amount)
    cash = conversion.apply(snapshot.cash) + sum((line.base_value for line in others), ZERO)
    return AccountLine(snapshot.account_id, snapshot.currency, positions, snapshot.cash, cash, invested, conversion,
                       snapshot.as_of, reading.read_at, others, reading.cached)


def format_instant(moment: dt.datetime) -> str:
    """An instant for people, to the minute with its offset: ``2026-11-30 17:00+08:00``."""
    return moment.isoformat(sep=" ", timespec="minutes")


def freshness_lines(report: PositionsReport) -> list[str]:
    """What the figures rest on, for people: base currency, rounding, how old the prices and rates are."""
    now = report.generated_at
    base = report.base_currency
    lines = [f"Base currency {base}; report made {format_instant(now)}. Each position is converted and rounded "
             f"half-even to the {base} minor unit; totals add the rounded figures."]
    oldest = report.oldest_prices()
    if oldest is not None:
        read = min(account.read_at for account in report.accounts)
        source = ("the market-data cache, kept from the brokers' last reads" if any(
            account.cached for account in report.accounts) else "the brokers")
        lines.append(f"Prices: as of {oldest.isoformat()} (the oldest account's market date; read from {source} "
                     f"at {format_instant(read)}, {format_age(max(now - read, dt.timedelta(0)))} before "
                     "the report).")
    for rate in report.rates:
        lines.append(f"FX {rate.pair} {rate.rate} from {rate.source}, as of {format_instant(rate.as_of)} "
                     f"({format_age(rate.age(now))} old).")
    if not report.rates:
        lines.append("FX: none needed (every account is in the base currency).")
    return lines


def price_age_lines(report: PositionsReport, zone: dt.tzinfo) -> list[str]:
    """Each account's prices: market date, when they were read (in `zone`), how old, cached or live."""
    from trimtab.domain.price_age import describe_age

    return [f"{account.account_id}: {describe_age(account.read_at, report.generated_at, zone, cached=account.cached)}"
            f", market date {account.prices_as_of.isoformat()}" for account in report.accounts]
