"""What an account holds at one moment: cash, holdings, prices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import Instrument
from trimtab.domain.numbers import ZERO


@dataclass(frozen=True, slots=True)
class Quote:
    """A price for an instrument, with the base price (previous close) when known."""

    instrument: Instrument
    price: Decimal
    base_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Holding:
    """A position: how many units are held and how many may be sold now."""

    quote: Quote
    quantity: Decimal
    orderable_quantity: Decimal

    @property
    def symbol(self) -> str:
        return self.quote.instrument.symbol

    @property
    def value(self) -> Decimal:
        return self.quantity * self.quote.price


@dataclass(frozen=True, slots=True)
class CostSettings:
    """Per-account commission: a rate (fraction of value) and a minimum per order."""

    commission_rate: Decimal = Decimal("0.00015")
    commission_minimum: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """An account at one moment. Cash is what may be spent now (settlement-aware)."""

    account_id: str
    currency: str
    cash: Decimal
    holdings: tuple[Holding, ...]
    quotes: dict[str, Quote]
    as_of: dt.date
    excluded: frozenset[str] = frozenset()
    costs: CostSettings = field(default_factory=CostSettings)

    def __post_init__(self) -> None:
        where = f"snapshot '{self.account_id}'"
        seen: set[str] = set()
        for holding in self.holdings:
            symbol = holding.symbol
            if symbol in seen:
                raise InvalidInput("duplicate holding", where=where, field="holdings.symbol", value=symbol)
            seen.add(symbol)
            if holding.quantity < ZERO:
                raise InvalidInput(f"negative quantity for {symbol}", where=where, field="quantity",
                                   value=str(holding.quantity))
            if not ZERO <= holding.orderable_quantity <= holding.quantity:
                raise InvalidInput(f"orderable quantity of {symbol} must be between 0 and the quantity "
                                   f"{holding.quantity}", where=where, field="orderable_quantity",
                                   value=str(holding.orderable_quantity))
        for symbol, quote in self.quotes.items():
            if quote.price <= ZERO:
                raise InvalidInput(f"price of {symbol} must be positive", where=where, field="price",
                                   value=str(quote.price))
            if quote.instrument.currency != self.currency:
                raise InvalidInput(f"{symbol} trades in {quote.instrument.currency}, the account in "
                                   f"{self.currency}; convert first", where=where, field="currency",
                                   value=quote.instrument.currency)

    def holding(self, symbol: str) -> Holding | None:
        for holding in self.holdings:
            if holding.symbol == symbol:
                return holding
        return None

    def quote(self, symbol: str) -> Quote | None:
        return self.quotes.get(symbol)
