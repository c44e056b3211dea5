"""Orders on their way through a broker: requests, normalised reports, and the order lifecycle table.

The lifecycle is a transition table (state, event) -> state, after NautilusTrader's order state table:
an illegal transition raises, and applying the same fill twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.errors import DomainError
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderType, Side


class OrderStatus(StrEnum):
    INTENDED = "intended"  # recorded before sending; the broker may or may not have it
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    PENDING_CANCEL = "pending_cancel"  # a cancel was requested; the broker has not confirmed it, fills may come
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # a day order whose open quantity lapsed at the close
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        """The order may still fill: the broker may have it and has not closed it."""
        return self in _OPEN

    @property
    def is_closed_unfilled(self) -> bool:
        """Closed by the broker with quantity possibly left unfilled (a re-price may chase it)."""
        return self in (OrderStatus.CANCELLED, OrderStatus.EXPIRED)


_OPEN = frozenset({OrderStatus.INTENDED, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED,
                   OrderStatus.PENDING_CANCEL})


class OrderEvent(StrEnum):
    ACCEPT = "accept"
    FILL = "fill"
    CANCEL_REQUEST = "cancel_request"  # trimtab asked the broker to cancel
    CANCEL = "cancel"  # the broker confirmed the cancel
    CANCEL_REJECT = "cancel_reject"  # the broker refused the cancel and still shows the order open
    EXPIRE = "expire"  # the broker closed the order at the end of its day
    REJECT = "reject"


_S, _E = OrderStatus, OrderEvent
TRANSITIONS: dict[tuple[OrderStatus, OrderEvent], OrderStatus] = {
    (_S.INTENDED, _E.ACCEPT): _S.ACCEPTED,
    (_S.INTENDED, _E.REJECT): _S.REJECTED,
    (_S.INTENDED, _E.FILL): _S.PARTIALLY_FILLED,  # a fill seen before the acknowledgement
    (_S.INTENDED, _E.CANCEL): _S.CANCELLED,
    (_S.INTENDED, _E.EXPIRE): _S.EXPIRED,
    (_S.ACCEPTED, _E.ACCEPT): _S.ACCEPTED,
    (_S.ACCEPTED, _E.FILL): _S.PARTIALLY_FILLED,
    (_S.ACCEPTED, _E.CANCEL_REQUEST): _S.PENDING_CANCEL,
    (_S.ACCEPTED, _E.CANCEL): _S.CANCELLED,
    (_S.ACCEPTED, _E.EXPIRE): _S.EXPIRED,
    (_S.ACCEPTED, _E.REJECT): _S.REJECTED,
    (_S.PARTIALLY_FILLED, _E.ACCEPT): _S.PARTIALLY_FILLED,
    (_S.PARTIALLY_FILLED, _E.FILL): _S.PARTIALLY_FILLED,
    (_S.PARTIALLY_FILLED, _E.CANCEL_REQUEST): _S.PENDING_CANCEL,
    (_S.PARTIALLY_FILLED, _E.CANCEL): _S.CANCELLED,
    (_S.PARTIALLY_FILLED, _E.EXPIRE): _S.EXPIRED,
    # A cancel in flight: fills still arrive until the broker confirms it (or refuses it).
    (_S.PENDING_CANCEL, _E.ACCEPT): _S.PENDING_CANCEL,
    (_S.PENDING_CANCEL, _E.FILL): _S.PENDING_CANCEL,
    (_S.PENDING_CANCEL, _E.CANCEL_REQUEST): _S.PENDING_CANCEL,
    (_S.PENDING_CANCEL, _E.CANCEL): _S.CANCELLED,
    (_S.PENDING_CANCEL, _E.CANCEL_REJECT): _S.ACCEPTED,  # TrackedOrder.apply restores PARTIALLY_FILLED if filled
    (_S.PENDING_CANCEL, _E.EXPIRE): _S.EXPIRED,
    # Late news about closed orders, real-world possibilities (NautilusTrader keeps CANCELED + FILLED):
    # a fill that happened before the cancel or the close took effect, reported after it.
    (_S.FILLED, _E.ACCEPT): _S.FILLED,
    (_S.FILLED, _E.CANCEL_REJECT): _S.FILLED,  # the cancel arrived after the last fill
    (_S.CANCELLED, _E.FILL): _S.CANCELLED,  # TrackedOrder.apply_fill makes it FILLED when nothing is left
    (_S.CANCELLED, _E.CANCEL): _S.CANCELLED,
    (_S.CANCELLED, _E.CANCEL_REJECT): _S.CANCELLED,
    (_S.EXPIRED, _E.FILL): _S.EXPIRED,
    (_S.EXPIRED, _E.EXPIRE): _S.EXPIRED,
    (_S.EXPIRED, _E.CANCEL_REJECT): _S.EXPIRED,
}


def transition(status: OrderStatus, event: OrderEvent) -> OrderStatus:
    """Return the status after an event, or raise on an illegal transition."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise DomainError(f"illegal order transition: {event.value} in state {status.value}") from None


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What is sent to a broker. The client order id makes a retry or a resume idempotent."""

    client_order_id: str
    account_id: str
    symbol: str
    side: Side
    quantity: Decimal
    order_type: OrderType
    limit_price: Decimal | None


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution, as every broker reports it after translation."""

    fill_id: str
    client_order_id: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    commission: Decimal
    tax: Decimal
    filled_at: dt.datetime


@dataclass(frozen=True, slots=True)
class OrderReport:
    """A broker's normalised view of one order."""

    client_order_id: str
    broker_order_id: str
    symbol: str
    side: Side
    quantity: Decimal
    limit_price: Decimal | None
    status: OrderStatus
    filled_quantity: Decimal = ZERO
    average_price: Decimal | None = None
    reject_code: str = ""
    reject_message: str = ""

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled_quantity if self.status.is_open else ZERO


@dataclass(frozen=True, slots=True)
class TrackedOrder:
    """An order as a run tracks it: its request, status and the fills applied so far."""

    request: OrderRequest
    status: OrderStatus = OrderStatus.INTENDED
    broker_order_id: str = ""
    fill_ids: frozenset[str] = field(default_factory=frozenset)
    filled_quantity: Decimal = ZERO
    filled_value: Decimal = ZERO
    costs: Decimal = ZERO
    reject_reason: str = ""

    def apply(self, event: OrderEvent, *, broker_order_id: str = "", reason: str = "") -> TrackedOrder:
        """Apply an acknowledgement, a cancel request, confirmation or refusal, an expiry or a rejection."""
        status = transition(self.status, event)
        if status is OrderStatus.ACCEPTED and self.filled_quantity > ZERO:
            status = OrderStatus.PARTIALLY_FILLED  # a refused cancel returns the order to where it was
        return replace(self, status=status, broker_order_id=broker_order_id or self.broker_order_id,
                       reject_reason=reason or self.reject_reason)

    def apply_fill(self, fill: Fill) -> TrackedOrder:
        """Apply a fill once: a fill already applied is a no-op."""
        if fill.fill_id in self.fill_ids:
            return self
        filled = self.filled_quantity + fill.quantity
        if filled > self.request.quantity:
            raise DomainError(f"fill {fill.fill_id} overfills {self.request.client_order_id}")
        status = transition(self.status, OrderEvent.FILL)
        if filled == self.request.quantity:
            status = OrderStatus.FILLED  # whatever was in flight: nothing is left to cancel or to expire
        return replace(self, status=status, fill_ids=self.fill_ids | {fill.fill_id}, filled_quantity=filled,
                       filled_value=self.filled_value + fill.quantity * fill.price,
                       costs=self.costs + fill.commission + fill.tax)

    @property
    def remaining(self) -> Decimal:
        return self.request.quantity - self.filled_quantity if self.status.is_open else ZERO

    @property
    def unfilled(self) -> Decimal:
        """Quantity never filled, whatever the status (what a re-priced order would chase)."""
        return self.request.quantity - self.filled_quantity
