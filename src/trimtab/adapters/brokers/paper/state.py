"""The paper exchange's state per account, and its JSON form (Decimals and instants as strings).

One document per account: cash, positions, pending (unsettled) cash, commission settings, every order and
fill, a crypto account's futures wallet and positions' costs (when it has them), and an event counter that
grows by one with every recorded event (order accepted or rejected, fill, cancel). The document is what
PaperStateStore keeps; nothing else survives a restart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trimtab.domain.errors import InvalidInput
from trimtab.domain.execution import Fill, OrderStatus
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.snapshot import CostSettings

STATE_VERSION = 1


@dataclass(slots=True)
class OrderRecord:
    """One order as the paper exchange keeps it; `next_opportunity` is the next fill opportunity to evaluate."""

    client_order_id: str
    broker_order_id: str
    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType
    limit_price: Decimal | None
    status: OrderStatus
    submitted_at: dt.datetime
    reserve_price: Decimal = ZERO  # the price a buy reserves cash at: its limit, or the upper limit
    filled_quantity: Decimal = ZERO
    filled_value: Decimal = ZERO
    commission: Decimal = ZERO
    tax: Decimal = ZERO
    fill_count: int = 0
    next_opportunity: int = 1
    reject_code: str = ""
    reject_message: str = ""
    closed_at: dt.datetime | None = None

    @property
    def remaining(self) -> Decimal:
        """Return the quantity still to fill (zero once the order is closed)."""
        return self.quantity - self.filled_quantity if self.status.is_open else ZERO

    def to_json(self) -> dict[str, Any]:
        return {
            "client_order_id": self.client_order_id, "broker_order_id": self.broker_order_id,
            "symbol": self.symbol, "side": self.side.value, "quantity": str(self.quantity),
            "order_type": self.order_type.value, "limit_price": _text_or_none(self.limit_price),
            "status": self.status.value, "submitted_at": self.submitted_at.isoformat(),
            "reserve_price": str(self.reserve_price), "filled_quantity": str(self.filled_quantity),
            "filled_value": str(self.filled_value), "commission": str(self.commission), "tax": str(self.tax),
            "fill_count": self.fill_count, "next_opportunity": self.next_opportunity,
            "reject_code": self.reject_code, "reject_message": self.reject_message,
            "closed_at": None if self.closed_at is None else self.closed_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrderRecord:
        closed_at = data.get("closed_at")
        return cls(
            client_order_id=data["client_order_id"], broker_order_id=data["broker_order_id"],
            symbol=data["symbol"], side=Side(data["side"]), quantity=Decimal(data["quantity"]),
            order_type=OrderType(data["order_type"]), limit_price=_decimal_or_none(data.get("limit_price")),
            status=OrderStatus(data["status"]), submitted_at=dt.datetime.fromisoformat(data["submitted_at"]),
            reserve_price=Decimal(data["reserve_price"]), filled_quantity=Decimal(data["filled_quantity"]),
            filled_value=Decimal(data["filled_value"]), commission=Decimal(data["commission"]),
            tax=Decimal(data["tax"]), fill_count=int(data["fill_count"]),
            next_opportunity=int(data["next_opportunity"]), reject_code=data["reject_code"],
            reject_message=data["reject_message"],
            closed_at=None if closed_at is None else dt.datetime.fromisoformat(closed_at),
        )


@dataclass(frozen=True, slots=True)
class FillRecord:
    """One execution as every broker reports it, and `event`, the account's event number that recorded it."""

    fill: Fill
    event: int

    def to_json(self) -> dict[str, Any]:
        fill = self.fill
        return {
            "fill_id": fill.fill_id, "client_order_id": fill.client_order_id, "symbol": fill.symbol,
            "side": fill.side.value, "quantity": str(fill.quantity), "price": str(fill.price),
            "commission": str(fill.commission), "tax": str(fill.tax), "filled_at": fill.filled_at.isoformat(),
            "event": self.event,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FillRecord:
        return cls(Fill(
            fill_id=data["fill_id"], client_order_id=data["client_order_id"], symbol=data["symbol"],
            side=Side(data["side"]), quantity=Decimal(data["quantity"]), price=Decimal(data["price"]),
            commission=Decimal(data["commission"]), tax=Decimal(data["tax"]),
            filled_at=dt.datetime.fromisoformat(data["filled_at"]),
        ), event=int(data["event"]))


@dataclass(frozen=True, slots=True)
class PendingCash:
    """Sale proceeds that become orderable on a venue date (only when proceeds are not available at once)."""

    amount: Decimal
    available_on: dt.date

    def to_json(self) -> dict[str, Any]:
        return {"amount": str(self.amount), "available_on": self.available_on.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PendingCash:
        return cls(Decimal(data["amount"]), dt.date.fromisoformat(data["available_on"]))


@dataclass(slots=True)
class AccountState:
    """A paper account: `cash` is settled-or-usable cash before reservations; orders keep submission order."""

    account_id: str
    currency: str
    cash: Decimal
    costs: CostSettings
    positions: dict[str, Decimal] = field(default_factory=dict)
    pending_cash: list[PendingCash] = field(default_factory=list)
    orders: dict[str, OrderRecord] = field(default_factory=dict)
    fills: list[FillRecord] = field(default_factory=list)
    event_counter: int = 0
    repeated_submissions: list[str] = field(default_factory=list)  # client ids submitted again (audit)
    futures_wallet: Decimal = ZERO  # a crypto account's futures wallet (paper/futures.py), apart from `cash`
    futures_costs: dict[str, Decimal] = field(default_factory=dict)  # perpetual -> its position's cost

    def next_event(self) -> int:
        """Count one more event and return its number."""
        self.event_counter += 1
        return self.event_counter

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION, "account_id": self.account_id, "currency": self.currency,
            "cash": str(self.cash),
            "costs": {"commission_rate": str(self.costs.commission_rate),
                      "commission_minimum": str(self.costs.commission_minimum)},
            "positions": {symbol: str(quantity) for symbol, quantity in self.positions.items()},
            "pending_cash": [pending.to_json() for pending in self.pending_cash],
            "orders": [order.to_json() for order in self.orders.values()],
            "fills": [fill.to_json() for fill in self.fills],
            "event_counter": self.event_counter,
            "repeated_submissions": list(self.repeated_submissions),
        } | self._futures_json()

    def _futures_json(self) -> dict[str, Any]:
        """The futures wallet, only when there is one (documents of other accounts stay as they were)."""
        if not self.futures_wallet and not self.futures_costs:
            return {}
        return {"futures_wallet": str(self.futures_wallet),
                "futures_costs": {symbol: str(cost) for symbol, cost in self.futures_costs.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccountState:
        if data.get("version") != STATE_VERSION:
            raise InvalidInput(f"unsupported paper state version (expected {STATE_VERSION})",
                               where=f"paper account {data.get('account_id')}", field="version",
                               value=data.get("version"))
        costs = data["costs"]
        orders = [OrderRecord.from_json(order) for order in data["orders"]]
        return cls(
            account_id=data["account_id"], currency=data["currency"], cash=Decimal(data["cash"]),
            costs=CostSettings(Decimal(costs["commission_rate"]), Decimal(costs["commission_minimum"])),
            positions={symbol: Decimal(quantity) for symbol, quantity in data["positions"].items()},
            pending_cash=[PendingCash.from_json(pending) for pending in data["pending_cash"]],
            orders={order.client_order_id: order for order in orders},
            fills=[FillRecord.from_json(fill) for fill in data["fills"]],
            event_counter=int(data["event_counter"]),
            repeated_submissions=[str(item) for item in data.get("repeated_submissions", [])],
            futures_wallet=Decimal(data.get("futures_wallet", "0")),
            futures_costs={symbol: Decimal(cost) for symbol, cost in data.get("futures_costs", {}).items()},
        )


def _text_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal_or_none(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))
