"""Foreign exchange: rates with their source and time, and the one exact rule that converts an amount.

A rate ``USD/SGD 1.3452`` says one US dollar is 1.3452 Singapore dollars (the first currency is the one
bought, as dealers quote it). Converting multiplies by the rate, or divides by it when only the inverse pair
is known; the product or quotient is computed exactly (34 significant digits for a division) and then rounded
**once**, half-even, to the minor unit of the target currency (cents for SGD, whole won for KRW). Nothing is
ever converted through a third currency: a pair that is missing is an error naming it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal

from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import minor_unit

_DIVISION = Context(prec=34)
_WIDE = Context(prec=200)


@dataclass(frozen=True, slots=True)
class FxRate:
    """One unit of `base` is `rate` units of `quote`, as `source` gave it at `as_of` (time-zone aware)."""

    base: str
    quote: str
    rate: Decimal
    source: str
    as_of: dt.datetime

    @property
    def pair(self) -> str:
        return f"{self.base}/{self.quote}"

    def age(self, now: dt.datetime) -> dt.timedelta:
        """How old the rate is at `now` (never negative)."""
        return max(now - self.as_of, dt.timedelta(0))


@dataclass(frozen=True, slots=True)
class Conversion:
    """How one currency becomes another: by the rate `used` (None for the same currency), inverted or not."""

    source: str
    target: str
    used: FxRate | None
    inverted: bool = False

    def apply(self, amount: Decimal) -> Decimal:
        """The amount in the target currency, rounded half-even to its minor unit (once)."""
        if self.used is None:
            exact = amount
        elif self.inverted:
            exact = _DIVISION.divide(amount, self.used.rate)
        else:
            exact = _WIDE.multiply(amount, self.used.rate)
        rounded = exact.quantize(minor_unit(self.target), rounding=ROUND_HALF_EVEN, context=_WIDE)
        return abs(rounded) if rounded.is_zero() else rounded

    @property
    def factor(self) -> Decimal:
        """Units of the target currency per unit of the source (shown to people; `apply` is the exact rule)."""
        if self.used is None:
            return Decimal(1)
        return _DIVISION.divide(Decimal(1), self.used.rate) if self.inverted else self.used.rate


class FxRates:
    """The rates a report may use; at most one per pair (a pair and its inverse may not disagree)."""

    def __init__(self, rates: Iterable[FxRate], *, where: str = "FX rates") -> None:
        self.where = where
        self._by_pair: dict[tuple[str, str], FxRate] = {}
        for rate in rates:
            if not rate.rate.is_finite() or rate.rate <= 0:
                raise InvalidInput("an FX rate must be a positive number", where=where, field=rate.pair,
                                   value=str(rate.rate))
            if rate.base == rate.quote:
                raise InvalidInput("a currency pair needs two different currencies", where=where,
                                   field="pair", value=rate.pair)
            key = (rate.base, rate.quote)
            if key in self._by_pair or (rate.quote, rate.base) in self._by_pair:
                raise InvalidInput("the pair is given twice (or with its inverse); keep one rate per pair",
                                   where=where, field="pair", value=rate.pair)
            self._by_pair[key] = rate

    def all(self) -> tuple[FxRate, ...]:
        return tuple(self._by_pair.values())

    def conversion(self, source: str, target: str) -> Conversion:
        """How to convert `source` into `target`; a missing pair is InvalidInput naming it."""
        if source == target:
            return Conversion(source, target, None)
        direct = self._by_pair.get((source, target))
        if direct is not None:
            return Conversion(source, target, direct)
        inverse = self._by_pair.get((target, source))
        if inverse is not None:
            return Conversion(source, target, inverse, inverted=True)
        raise InvalidInput(f"no FX rate for {source}/{target} (give it, or {target}/{source}, in the rates file "
                           "with --rates FILE)", where=self.where, field="rate", value=f"{source}/{target}")

    def merged(self, others: Iterable[FxRate]) -> FxRates:
        """These rates plus those of `others` for pairs not yet known (the first source wins)."""
        extra = [rate for rate in others
                 if (rate.base, rate.quote) not in self._by_pair and (rate.quote, rate.base) not in self._by_pair]
        return FxRates([*self._by_pair.values(), *extra], where=self.where)


def format_age(age: dt.timedelta) -> str:
    """An age for people: ``45 min``, ``3 h 20 min``, ``2 d 4 h``."""
    minutes = int(age.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"
