"""The local KIS's matching over time: continuous fill steps, the two single-price auctions, day-order expiry.

KRX's day (BROKERS.md §1.8.8, §2.2): orders are taken from 08:30; the opening auction fills what is marketable
at 09:00 at one price; continuous trading runs 09:00-15:20 (fill steps every fill_interval_seconds, each
max(1, ceil(quantity × fill_fraction)) units at the price of that instant); the closing auction takes orders
from 15:20 and fills what is marketable at 15:30 at one price; then what is left of a day order expires. Nothing
fills on a later day. Each switch (FakeKisConfig.auctions, day_orders_expire, enforce_hours) turns its part off:
without auctions the continuous session is 09:00-15:30; without expiry an order keeps filling on later sessions.

Events are played lazily and in time order whenever the fake is asked anything (`FakeKisState.catch_up`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from trimtab_testkit.kis.market import (
    CLOSING_AUCTION,
    SESSION_CLOSE,
    SESSION_OPEN,
    at_kst,
    next_session_open,
)

if TYPE_CHECKING:
    from trimtab_testkit.kis.account import FakeKisState, FakeOrder

Kind = Literal["auction", "step", "expire"]
Event = tuple[float, Kind]
RANK: dict[Kind, int] = {"auction": 0, "step": 1, "expire": 2}  # at one instant: auction, then expiry last


def catch_up(state: FakeKisState) -> None:
    """Play every event due up to config.clock(), in time order (ties: auction, step, expiry; then ODNO)."""
    now = state.config.clock()
    while True:
        due = []
        for order in state.orders:
            event = next_event(state, order, now)
            if event is not None:
                due.append((event[0], RANK[event[1]], order.odno, order, event[1]))
        if not due:
            return
        at, _, _, order, kind = min(due, key=lambda item: item[:3])
        apply_event(state, order, kind, at)


def next_event(state: FakeKisState, order: FakeOrder, now: float) -> Event | None:
    """The order's earliest due event, if any."""
    if order.remaining <= 0:
        return None
    events = [event for event in (auction_event(state, order, now), step_event(state, order, now),
                                  expiry_event(state, order, now)) if event is not None]
    return min(events, key=lambda event: (event[0], RANK[event[1]])) if events else None


def apply_event(state: FakeKisState, order: FakeOrder, kind: Kind, at: float) -> None:
    """Fill a step, fill an auction at its one price, or expire the open quantity."""
    if kind == "expire":
        order.expired += order.remaining
        return
    if kind == "auction":
        order.last_auction_at = at
        if state.marketable(order):
            state.fill(order, order.remaining, at)
        return
    step = max(1, math.ceil(order.quantity * state.config.fill_fraction))
    if state.config.fill_interval_seconds <= 0:
        step = order.remaining
    state.fill(order, min(step, order.remaining), at)
    order.next_step += 1


def expiry_at(state: FakeKisState, order: FakeOrder) -> float | None:
    """The close of the order's own day, when day orders expire."""
    config = state.config
    if not (config.day_orders_expire and config.enforce_hours):
        return None
    return at_kst(order.accepted_at, SESSION_CLOSE)


def expiry_event(state: FakeKisState, order: FakeOrder, now: float) -> Event | None:
    at = expiry_at(state, order)
    return (at, "expire") if at is not None and at <= now else None


def auction_event(state: FakeKisState, order: FakeOrder, now: float) -> Event | None:
    """The next single-price auction of the order's own day it has not met yet, when due."""
    config = state.config
    if not (config.auctions and config.enforce_hours):
        return None
    opening, closing = at_kst(order.accepted_at, SESSION_OPEN), at_kst(order.accepted_at, SESSION_CLOSE)
    candidates = [at for at in (opening, closing) if order.accepted_at < at and at > order.last_auction_at]
    if not candidates or candidates[0] > now:
        return None
    return candidates[0], "auction"


def continuous_end(state: FakeKisState, order: FakeOrder) -> float | None:
    """When continuous fills of a day order stop (15:20 with auctions, else 15:30); None if it never expires."""
    if expiry_at(state, order) is None:
        return None
    return at_kst(order.accepted_at, CLOSING_AUCTION if state.config.auctions else SESSION_CLOSE)


def step_event(state: FakeKisState, order: FakeOrder, now: float) -> Event | None:
    """The order's next continuous fill step due by `now`, skipping steps that cannot fill."""
    interval = state.config.fill_interval_seconds
    end = continuous_end(state, order)
    if interval <= 0:
        return immediate_step(state, order, now, end)
    while True:
        at = order.accepted_at + order.next_step * interval
        if at > now or (end is not None and at >= end):
            return None
        if not state.marketable(order):  # the price holds until now: no step up to now can fill
            order.next_step = math.floor((now - order.accepted_at) / interval) + 1
            return None
        if state.config.continuous(at):
            return at, "step"
        opening = next_session_open(at, state.config.holidays)
        if opening is None:
            order.next_step = math.floor((now - order.accepted_at) / interval) + 1
            return None
        order.next_step = max(order.next_step + 1, math.ceil((opening - order.accepted_at) / interval))


def immediate_step(state: FakeKisState, order: FakeOrder, now: float, end: float | None) -> Event | None:
    """fill_interval_seconds 0: a marketable order fills in full as soon as it is seen in continuous trading."""
    if state.config.continuous(now) and (end is None or now < end) and state.marketable(order):
        return now, "step"
    return None
