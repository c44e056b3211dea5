"""The paper exchange refuses orders when the venue is closed (exchange_calendars plus overrides)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.contract.clocks import FixedClock
from tests.contract.harness import marketable_price, run
from tests.integration.paper.conftest import ACCOUNT, make_broker, order
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.adapters.marketdata.calendars import SEOUL, add_sessions, is_market_open, market_date, session_on
from trimtab.domain.execution import OrderStatus
from trimtab.domain.instruments import Market
from trimtab.domain.orders import Side


def _seoul(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SEOUL)


@pytest.mark.parametrize(
    ("at", "reason"),
    [
        (_seoul(2026, 11, 20, 16), "outside trading hours"),  # Friday after the close
        (_seoul(2026, 11, 20, 8, 59), "outside trading hours"),
        (_seoul(2026, 11, 21, 10), "not a trading day"),  # Saturday
        (_seoul(2026, 6, 3, 10), "not a trading day"),  # local election day, missing from exchange_calendars
    ],
)
def test_submit_when_krx_is_closed_is_rejected(at: dt.datetime, reason: str) -> None:
    broker, _, _ = make_broker(clock=FixedClock(at))

    report = run(broker.submit(order("closed", "005930", Side.SELL, 1, None)))

    assert report.status is OrderStatus.REJECTED
    assert report.reject_code == "MARKET_CLOSED"
    assert reason in report.reject_message


def test_submit_on_day_before_election_is_accepted() -> None:
    broker, _, _ = make_broker(clock=FixedClock(_seoul(2026, 6, 2, 10)))

    assert run(broker.submit(order("open", "005930", Side.SELL, 1, None))).status is OrderStatus.ACCEPTED


def test_calendar_check_off_accepts_orders_at_night() -> None:
    config = PaperConfig(seed=1, check_calendar=False)
    broker, _, _ = make_broker(config, clock=FixedClock(_seoul(2026, 11, 21, 23)))

    assert run(broker.submit(order("night", "005930", Side.SELL, 1, None))).status is OrderStatus.ACCEPTED


def test_us_listing_follows_new_york_hours() -> None:
    clock = FixedClock(_seoul(2026, 11, 20, 10))  # 20:00 in New York the evening before
    broker, _, _ = make_broker(clock=clock)
    broker.open_account("PAPER-US", "USD", Decimal(10_000), {"SPMO": Decimal(5)})

    closed = run(broker.submit(order("us-1", "SPMO", Side.SELL, 1, None, account_id="PAPER-US")))
    clock.set(dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC))  # 10:00 in New York
    accepted = run(broker.submit(order("us-2", "SPMO", Side.SELL, 1, None, account_id="PAPER-US")))
    snapshot = run(broker.get_snapshot("PAPER-US", []))

    assert closed.reject_code == "MARKET_CLOSED"
    assert accepted.status is OrderStatus.ACCEPTED
    assert snapshot.as_of == dt.date(2026, 11, 20)


def test_order_left_at_the_close_fills_from_the_next_session_open() -> None:
    clock = FixedClock(_seoul(2026, 11, 20, 15, 29, 50))  # ten seconds before the close, a Friday
    broker, _, _ = make_broker(PaperConfig(seed=4, partial_fill_fraction=Decimal("0.5")), clock=clock)

    async def scenario() -> None:
        snapshot = await broker.get_snapshot(ACCOUNT, ["360750"])
        price = marketable_price(snapshot.quotes["360750"], Side.BUY, ticks=400)
        assert (await broker.submit(order("late", "360750", Side.BUY, 2, str(price)))).status is OrderStatus.ACCEPTED
        clock.set(_seoul(2026, 11, 23, 8, 59))
        assert (await broker.get_fills(ACCOUNT, "late")) == []
        clock.set(_seoul(2026, 11, 23, 9, 0, 30))
        fills = await broker.get_fills(ACCOUNT, "late")
        assert [fill.filled_at for fill in fills] == [_seoul(2026, 11, 23, 9, 0), _seoul(2026, 11, 23, 9, 0, 10)]

    run(scenario())


def test_calendar_helpers_know_sessions_overrides_and_settlement_dates() -> None:
    assert session_on(Market.KOSPI, dt.date(2026, 6, 3)) is None
    assert session_on(Market.KOSPI, dt.date(2026, 6, 2)) is not None
    first_session = session_on(Market.KOSPI, dt.date(2026, 1, 2))
    assert first_session is not None
    assert first_session.opens_at.astimezone(SEOUL).hour == 10  # the year's first session opens late
    assert is_market_open(Market.CRYPTO, _seoul(2026, 11, 21, 3))
    assert market_date(Market.US, _seoul(2026, 11, 20, 10)) == dt.date(2026, 11, 19)
    assert add_sessions(Market.KOSPI, dt.date(2026, 11, 20), 2) == dt.date(2026, 11, 24)
    assert add_sessions(Market.KOSPI, dt.date(2026, 6, 2), 1) == dt.date(2026, 6, 4)


def test_exchange_calendars_for_schedules_know_their_holidays_and_degrade_to_weekdays_past_their_records() -> None:
    from trimtab.adapters.marketdata.calendars import is_session

    assert not is_session("XKRX", dt.date(2026, 6, 3))  # the local election: trimtab's override
    assert is_session("XKRX", dt.date(2026, 6, 4))
    assert not is_session("XNYS", dt.date(2026, 7, 3))  # Independence Day observed
    assert not is_session("XSES", dt.date(2026, 8, 10))  # Singapore's National Day observed
    assert is_session("XSES", dt.date(2026, 8, 11))
    # exchange_calendars records SGX holidays up to 2026 only: later weekdays count as sessions, weekends do not
    assert is_session("XSES", dt.date(2027, 1, 4))
    assert not is_session("XSES", dt.date(2027, 1, 9))
