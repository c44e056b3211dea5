"""The order lifecycle table: cancels are requests until confirmed, late fills after a cancel or the close count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from trimtab.domain.errors import DomainError
from trimtab.domain.execution import (
    TRANSITIONS,
    Fill,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    TrackedOrder,
    transition,
)
from trimtab.domain.orders import OrderType, Side

S, E = OrderStatus, OrderEvent
AT = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


def _order(quantity: int = 10) -> TrackedOrder:
    request = OrderRequest("r-S-AAA-0", "ACC", "AAA", Side.SELL, Decimal(quantity), OrderType.LIMIT, Decimal(100))
    return TrackedOrder(request)


def _fill(fill_id: str, quantity: int) -> Fill:
    return Fill(fill_id, "r-S-AAA-0", "AAA", Side.SELL, Decimal(quantity), Decimal(100), Decimal(0), Decimal(0), AT)


@pytest.mark.parametrize(("status", "event", "after"), [
    (S.ACCEPTED, E.CANCEL_REQUEST, S.PENDING_CANCEL),
    (S.PARTIALLY_FILLED, E.CANCEL_REQUEST, S.PENDING_CANCEL),
    (S.PENDING_CANCEL, E.FILL, S.PENDING_CANCEL),
    (S.PENDING_CANCEL, E.CANCEL, S.CANCELLED),
    (S.PENDING_CANCEL, E.EXPIRE, S.EXPIRED),
    (S.PENDING_CANCEL, E.CANCEL_REJECT, S.ACCEPTED),
    (S.CANCELLED, E.FILL, S.CANCELLED),
    (S.EXPIRED, E.FILL, S.EXPIRED),
    (S.FILLED, E.CANCEL_REJECT, S.FILLED),
    (S.ACCEPTED, E.EXPIRE, S.EXPIRED),
    (S.PARTIALLY_FILLED, E.EXPIRE, S.EXPIRED),
])
def test_transition_table_holds_the_real_world_cases(status: OrderStatus, event: OrderEvent,
                                                     after: OrderStatus) -> None:
    assert transition(status, event) is after


@pytest.mark.parametrize(("status", "event"), [
    (S.REJECTED, E.FILL), (S.FILLED, E.CANCEL), (S.CANCELLED, E.ACCEPT), (S.EXPIRED, E.CANCEL),
    (S.INTENDED, E.CANCEL_REQUEST), (S.REJECTED, E.CANCEL_REQUEST), (S.FILLED, E.EXPIRE),
])
def test_transition_illegal_events_raise(status: OrderStatus, event: OrderEvent) -> None:
    with pytest.raises(DomainError, match="illegal order transition"):
        transition(status, event)


def test_transition_table_every_open_state_can_be_cancelled_confirmed() -> None:
    for status in S:
        if status.is_open:
            assert TRANSITIONS[(status, E.CANCEL)] is S.CANCELLED


def test_pending_cancel_is_open_and_closed_states_are_not() -> None:
    assert S.PENDING_CANCEL.is_open
    assert not S.EXPIRED.is_open
    assert S.EXPIRED.is_closed_unfilled
    assert S.CANCELLED.is_closed_unfilled
    assert not S.FILLED.is_closed_unfilled


def test_fill_during_pending_cancel_is_applied_and_a_complete_fill_makes_it_filled() -> None:
    order = _order().apply(E.ACCEPT).apply(E.CANCEL_REQUEST)
    partly = order.apply_fill(_fill("F1", 4))
    assert partly.status is S.PENDING_CANCEL
    assert partly.filled_quantity == 4
    done = partly.apply_fill(_fill("F2", 6))
    assert done.status is S.FILLED
    assert done.unfilled == 0


def test_late_fill_after_confirmed_cancel_counts_once() -> None:
    cancelled = _order().apply(E.ACCEPT).apply(E.CANCEL_REQUEST).apply(E.CANCEL)
    late = cancelled.apply_fill(_fill("F1", 3))
    assert late.status is S.CANCELLED
    assert late.unfilled == 7
    assert late.apply_fill(_fill("F1", 3)) == late  # the same fill again changes nothing


def test_late_fill_completing_a_cancelled_order_makes_it_filled() -> None:
    cancelled = _order().apply(E.ACCEPT).apply_fill(_fill("F1", 4)).apply(E.CANCEL)
    assert cancelled.apply_fill(_fill("F2", 6)).status is S.FILLED


def test_refused_cancel_returns_the_order_to_where_it_was() -> None:
    untouched = _order().apply(E.ACCEPT).apply(E.CANCEL_REQUEST).apply(E.CANCEL_REJECT)
    assert untouched.status is S.ACCEPTED
    partly = _order().apply(E.ACCEPT).apply_fill(_fill("F1", 4)).apply(E.CANCEL_REQUEST).apply(E.CANCEL_REJECT)
    assert partly.status is S.PARTIALLY_FILLED


def test_expired_day_order_keeps_its_fills_and_late_ones() -> None:
    expired = _order().apply(E.ACCEPT).apply_fill(_fill("F1", 2)).apply(E.EXPIRE)
    assert expired.status is S.EXPIRED
    assert expired.remaining == 0
    assert expired.unfilled == 8
    assert expired.apply_fill(_fill("F2", 1)).filled_quantity == 3


def test_overfill_is_refused_even_after_a_cancel() -> None:
    cancelled = _order(5).apply(E.ACCEPT).apply(E.CANCEL)
    with pytest.raises(DomainError, match="overfills"):
        cancelled.apply_fill(_fill("F1", 6))
