"""Order intents: what a plan asks the broker to do, and why; and trades a plan chose not to make."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class SkipReason(StrEnum):
    """Why a symbol gets no order."""

    INSIDE_BAND = "inside band"
    BELOW_MINIMUM = "below minimum trade value"
    NO_CASH = "no cash"
    EXCLUDED = "excluded"
    NOT_ORDERABLE = "not orderable"
    AT_TARGET = "at target"
    CASH_FLOW = "cash flow"  # the wrong side for a deposit (buys only) or a withdrawal (sells only)
    NOT_NEEDED = "not needed"  # a withdrawal raises its amount without this sale


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """One order of a plan, sized in units of the instrument, with its price rule and reason."""

    symbol: str
    name: str
    side: Side
    quantity: Decimal
    order_type: OrderType
    limit_price: Decimal | None
    price_logic: str
    reference_price: Decimal
    sizing_price: Decimal  # the price the cash rule assumed (the limit, or current +/- ticks for market)
    estimated_costs: Decimal
    reason: str

    @property
    def estimated_value(self) -> Decimal:
        return self.quantity * self.sizing_price

    def to_seed_json(self) -> dict[str, object]:
        """Return the order in the seed design's JSON shape (ticker, name, action, ...)."""
        return {
            "ticker": self.symbol,
            "name": self.name,
            "action": self.side.value,
            "quantity": _plain(self.quantity),
            "limit_price": None if self.limit_price is None else _plain(self.limit_price),
            "price_logic": self.price_logic,
        }


@dataclass(frozen=True, slots=True)
class SkippedTrade:
    """A symbol that gets no order, the quantity it would have traded (signed) and why."""

    symbol: str
    reason: SkipReason
    detail: str
    quantity: Decimal


def _plain(value: Decimal) -> int | str:
    """Whole numbers as JSON integers, others as exact decimal text."""
    if value == value.to_integral_value():
        return int(value)
    return format(value, "f")
