"""Turn one account and its model into the integer allocation problem, and lots back into quantities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache

from trimtab.domain.allocation_account import AccountProblem, Lots
from trimtab.domain.costs import TaxRule, sell_tax_rate
from trimtab.domain.errors import DomainError, InvalidInput
from trimtab.domain.instruments import Instrument, minor_unit
from trimtab.domain.numbers import ZERO
from trimtab.domain.snapshot import AccountSnapshot, CostSettings, Quote
from trimtab.domain.targets import invested_fraction
from trimtab.domain.ticks import PriceLimits, daily_limits, limit_price

# Lots per symbol the kernels count in int64 and rank in float64: below 2^53, a lot count stays exact.
MAX_LOTS = 10**15


@dataclass(frozen=True, slots=True)
class Line:
    """One symbol the plan may trade, with its prices and what may be sold."""

    instrument: Instrument
    price: Decimal
    quantity: Decimal
    orderable: Decimal
    target_weight: Decimal
    buy_price: Decimal
    sell_price: Decimal
    limits: PriceLimits | None
    tax_rate: Decimal

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def sellable_lots(self) -> int:
        return int((self.orderable / self.instrument.lot_size).to_integral_value(rounding=ROUND_FLOOR))


def build_lines(
    snapshot: AccountSnapshot, targets: dict[str, Decimal], ticks: int, tax_rules: tuple[TaxRule, ...]
) -> list[Line]:
    """Describe every symbol of the model and every managed holding, model symbols first."""
    symbols = list(targets) + sorted(
        h.symbol for h in snapshot.holdings if h.symbol not in targets and h.symbol not in snapshot.excluded
    )
    lines = []
    for symbol in symbols:
        quote = snapshot.quote(symbol)
        if quote is None:
            raise InvalidInput("no price for a model symbol the account does not hold; add it under 'prices'",
                               where=f"snapshot '{snapshot.account_id}'", field="prices", value=symbol)
        holding = snapshot.holding(symbol)
        try:
            lines.append(_line(quote, holding.quantity if holding else ZERO,
                               holding.orderable_quantity if holding else ZERO,
                               targets.get(symbol, ZERO), ticks, snapshot.as_of, tax_rules))
        except DomainError as error:  # no limit price N ticks away: the snapshot's price decides it
            raise InvalidInput(f"{error} (fewer --ticks, or check the price and tick_size)",
                               where=f"snapshot '{snapshot.account_id}'", field="price",
                               value=str(quote.price)) from None
    return lines


def _line(quote: Quote, quantity: Decimal, orderable: Decimal, target: Decimal, ticks: int, on: dt.date,
          tax_rules: tuple[TaxRule, ...]) -> Line:
    instrument = quote.instrument
    # keyed on the prices' text too: equal Decimals of other exponents ("5.0", "5") may shift to other texts
    limits, buy, sell, tax = _prices(instrument, quote.price, str(quote.price), quote.base_price,
                                     str(quote.base_price), ticks, on, tax_rules)
    return Line(instrument=instrument, price=quote.price, quantity=quantity, orderable=orderable, target_weight=target,
                buy_price=buy, sell_price=sell, limits=limits, tax_rate=tax)


@lru_cache(maxsize=4096)
def _prices(instrument: Instrument, price: Decimal, _price_text: str, base_price: Decimal | None, _base_text: str,
            ticks: int, on: dt.date, tax_rules: tuple[TaxRule, ...],
            ) -> tuple[PriceLimits | None, Decimal, Decimal, Decimal]:
    """A quote's daily limits, buy and sell limit prices and sell tax (many accounts share a quote: cached)."""
    limits = daily_limits(instrument, base_price) if base_price is not None else None
    return (limits, limit_price(instrument, price, ticks, limits), limit_price(instrument, price, -ticks, limits),
            sell_tax_rate(instrument, on, tax_rules))


@dataclass(frozen=True, slots=True)
class Scale:
    """Money x units = integer; rates x denominator = integer."""

    units: int
    rate_denominator: int

    def to_units(self, amount: Decimal) -> int:
        scaled = amount * self.units
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{amount} is not whole in units of 1/{self.units}")
        return int(scaled)

    def rate(self, rate: Decimal) -> int:
        return int(rate * self.rate_denominator)


@lru_cache(maxsize=65536)  # equal Decimals have one normal form: a cached answer holds for all of them
def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def choose_scale(lines: list[Line], snapshot: AccountSnapshot) -> Scale:
    """Pick the smallest powers of ten that make every amount and rate an integer."""
    amounts = [snapshot.cash, minor_unit(snapshot.currency), snapshot.costs.commission_minimum]
    for line in lines:
        lot = line.instrument.lot_size
        amounts += [line.price * lot, line.buy_price * lot, line.sell_price * lot, line.price * line.quantity]
    rates = [snapshot.costs.commission_rate] + [line.tax_rate for line in lines]
    return Scale(units=10 ** max(map(_decimals, amounts)), rate_denominator=10 ** max(map(_decimals, rates)))


def investable_fraction(lines: list[Line], cash_buffer: Decimal) -> Decimal:
    """Scale of the targets: the buffer comes out of the model's own cash first.

    A model holding 5 % cash with a 1 % buffer invests 95 % of equity, not 95 % x 99 %; the rule is
    :func:`trimtab.domain.targets.invested_fraction`, the one drift measures against.
    """
    return invested_fraction(sum((line.target_weight for line in lines), ZERO), cash_buffer)


def build_problem(
    lines: list[Line], snapshot: AccountSnapshot, equity: Decimal, cash_buffer: Decimal, frozen: set[str],
    *, allow_sells: bool = True, allow_buys: bool = True,
) -> tuple[AccountProblem, Scale]:
    """The one-account allocation problem; `frozen` symbols may not trade, with allow_sells (allow_buys) off
    none sells (buys)."""
    scale = choose_scale(lines, snapshot)
    costs: CostSettings = snapshot.costs
    investable = equity * investable_fraction(lines, cash_buffer)
    reserve = (equity * cash_buffer * scale.units).to_integral_value(rounding=ROUND_CEILING)
    lot_value = tuple(scale.to_units(line.price * line.instrument.lot_size) for line in lines)
    budget = scale.to_units(snapshot.cash) + sum(scale.to_units(line.price * line.quantity) for line in lines)
    _check_lot_counts(lines, lot_value, budget, snapshot.account_id)
    problem = AccountProblem(
        lot_value=lot_value,
        buy_price=tuple(scale.to_units(line.buy_price * line.instrument.lot_size) for line in lines),
        sell_price=tuple(scale.to_units(line.sell_price * line.instrument.lot_size) for line in lines),
        held_value=tuple(scale.to_units(line.price * line.quantity) for line in lines),
        target_value=tuple(int((line.target_weight * investable * scale.units).to_integral_value(
            rounding=ROUND_FLOOR)) for line in lines),
        lower=tuple(0 if line.symbol in frozen or not allow_sells else -line.sellable_lots for line in lines),
        upper=tuple(0 if line.symbol in frozen or not allow_buys else max(0, 2 * budget // value + 1)
                    for line, value in zip(lines, lot_value, strict=True)),
        sell_tax_rate=tuple(scale.rate(line.tax_rate) for line in lines),
        cash=scale.to_units(snapshot.cash), reserve=int(reserve),
        commission_rate=scale.rate(costs.commission_rate),
        commission_minimum=scale.to_units(costs.commission_minimum),
        cost_quantum=scale.to_units(minor_unit(snapshot.currency)),
        rate_denominator=scale.rate_denominator,
    )
    return problem, scale


def _check_lot_counts(lines: list[Line], lot_value: tuple[int, ...], budget: int, account_id: str) -> None:
    """Refuse accounts whose money or holdings count more lots of a symbol than the kernels can."""
    for line, value in zip(lines, lot_value, strict=True):
        if budget // value > MAX_LOTS or line.sellable_lots > MAX_LOTS:
            raise InvalidInput(f"{line.symbol}: more than {MAX_LOTS:,} lots to plan; the lot size is too small "
                               "for the amounts of this account", where=f"snapshot '{account_id}'",
                               field="lot_size", value=str(line.instrument.lot_size))


def lots_to_quantities(lines: list[Line], lots: Lots) -> dict[str, Decimal]:
    """Signed trade quantity of each symbol (negative sells)."""
    return {line.symbol: Decimal(int(lots[k])) * line.instrument.lot_size for k, line in enumerate(lines)}


def quantities_to_lots(lines: list[Line], trades: dict[str, Decimal]) -> Lots:
    """Signed trade quantities back to lots (every quantity is whole lots)."""
    return [int(trades[line.symbol] / line.instrument.lot_size) for line in lines]
