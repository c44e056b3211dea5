"""What each number of a snapshot, a model or a command line may be: sane bounds, checked where read.

Values outside them are typos or attacks, and some would break the exact arithmetic (a tick of 1e-30
cannot divide a price within Decimal's 28 digits; a lot of 1e-17 needs integer units beyond 10^40):

=========================  ==================  ==================  ===============
field                      smallest            largest             decimal places
=========================  ==================  ==================  ===============
price, base_price          > 0                 1,000,000,000       8
quantity, orderable        0                   1,000,000,000,000   8
lot_size                   0.00000001          1,000,000           8
tick_size                  0.00000001          1,000,000           8
cash                       0                   10^15               8
commission_rate            0 %                 below 10 %          6 (percent)
commission_minimum         0                   1,000,000           8
weight (percent)           -1,000 %            1,000 %             8 (percent)
min-trade (command line)   0                   10^15               8
=========================  ==================  ==================  ===============

Amounts are in the account's currency. The model rules (:mod:`trimtab.domain.models`) then refuse
negative weights and weights whose sum is not 100 % within 0.01 pp; these bounds only keep each number
sane on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import HUNDRED, ONE, ZERO, decimal_places


@dataclass(frozen=True, slots=True)
class Bound:
    """An interval and a precision; ``above_minimum`` makes the smallest value itself refused."""

    minimum: Decimal
    maximum: Decimal
    places: int
    above_minimum: bool = False
    below_maximum: bool = False
    percent: bool = False  # a fraction written in percent: described in percent

    def describe(self) -> str:
        scale, unit, places = (HUNDRED, " %", self.places - 2) if self.percent else (ONE, "", self.places)
        low = f"{(self.minimum * scale).normalize():,f}{unit}"
        high = f"{(self.maximum * scale).normalize():,f}{unit}"
        low = f"above {low}" if self.above_minimum else f"at least {low}"
        high = f"below {high}" if self.below_maximum else f"at most {high}"
        return f"{low} and {high}, with at most {places} decimal places"

    def contains(self, number: Decimal) -> bool:
        low_ok = number > self.minimum if self.above_minimum else number >= self.minimum
        high_ok = number < self.maximum if self.below_maximum else number <= self.maximum
        return low_ok and high_ok and decimal_places(number) <= self.places


PRICE = Bound(ZERO, Decimal(10) ** 9, 8, above_minimum=True)
QUANTITY = Bound(ZERO, Decimal(10) ** 12, 8)
LOT_SIZE = Bound(Decimal("0.00000001"), Decimal(10) ** 6, 8)
TICK_SIZE = Bound(Decimal("0.00000001"), Decimal(10) ** 6, 8)
CASH = Bound(ZERO, Decimal(10) ** 15, 8)
COMMISSION_RATE = Bound(ZERO, Decimal("0.1"), 8, below_maximum=True, percent=True)  # below 10 %
COMMISSION_MINIMUM = Bound(ZERO, Decimal(10) ** 6, 8)
# Weights only need to be sane numbers here: the model rules refuse negatives and sums away from 100 %.
WEIGHT = Bound(-10 * ONE, 10 * ONE, 10, percent=True)
MINIMUM_TRADE = Bound(ZERO, Decimal(10) ** 15, 8)


def check_bound(number: Decimal, bound: Bound, *, where: str, field: str, value: object) -> Decimal:
    """Return ``number`` when ``bound`` contains it; else InvalidInput naming the field and the value."""
    if not bound.contains(number):
        raise InvalidInput(f"out of range: must be {bound.describe()}", where=where, field=field, value=value)
    return number
