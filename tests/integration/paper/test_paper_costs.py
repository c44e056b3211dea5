"""Paper money rules: exact commission and KRX sell tax, market orders, request checks, settlement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.contract.clocks import FixedClock
from tests.contract.harness import marketable_price, run
from tests.integration.paper.conftest import ACCOUNT, KRX_MORNING, make_broker, order
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.adapters.marketdata.calendars import SEOUL
from trimtab.domain.costs import commission, sell_tax
from trimtab.domain.errors import OrderRejected
from trimtab.domain.execution import OrderRequest, OrderStatus
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.snapshot import CostSettings

COSTS = CostSettings(commission_rate=Decimal("0.00015"), commission_minimum=Decimal(0))
CONFIG = PaperConfig(seed=6, partial_fill_fraction=Decimal("0.3"), default_costs=COSTS)


def test_stock_sell_in_chunks_pays_commission_and_2026_tax_on_the_order_total() -> None:
    broker, clock, _ = make_broker(CONFIG)
    quote = run(broker.get_snapshot(ACCOUNT, [])).quotes["005930"]
    price = marketable_price(quote, Side.SELL)

    run(broker.submit(order("sell", "005930", Side.SELL, 10, str(price))))
    clock.advance(60)
    fills = run(broker.get_fills(ACCOUNT, "sell"))
    snapshot = run(broker.get_snapshot(ACCOUNT, []))

    value = 10 * price
    assert [fill.quantity for fill in fills] == [Decimal(3), Decimal(3), Decimal(3), Decimal(1)]
    assert sum(fill.commission for fill in fills) == commission(value, COSTS, "KRW")
    assert sum(fill.tax for fill in fills) == sell_tax(value, Decimal("0.0020"), "KRW")
    assert snapshot.cash == Decimal(10_000_000) + value - commission(value, COSTS, "KRW") - sell_tax(
        value, Decimal("0.0020"), "KRW")


def test_market_buy_reserves_at_upper_limit_and_fills_at_path_price() -> None:
    broker, clock, _ = make_broker(CONFIG)

    accepted = run(broker.submit(order("market", "229200", Side.BUY, 4, None)))
    reserved = run(broker.get_snapshot(ACCOUNT, ["229200"]))
    upper = broker.exchange.prices.price_limits("229200", CONFIG.price_step(KRX_MORNING)).upper
    clock.advance(60)
    fills = run(broker.get_fills(ACCOUNT, "market"))
    done = run(broker.get_snapshot(ACCOUNT, []))

    assert accepted.status is OrderStatus.ACCEPTED
    assert reserved.cash == Decimal(10_000_000) - 4 * upper - commission(4 * upper, COSTS, "KRW")
    assert all(fill.price < upper for fill in fills)
    spent = sum((fill.quantity * fill.price + fill.commission for fill in fills), Decimal(0))
    assert sum(fill.quantity for fill in fills) == Decimal(4)
    assert done.cash == Decimal(10_000_000) - spent


def test_sale_proceeds_wait_for_settlement_when_configured() -> None:
    config = PaperConfig(seed=6, proceeds_available_immediately=False, default_costs=COSTS)
    clock = FixedClock(KRX_MORNING)
    broker, _, store = make_broker(config, clock=clock)

    run(broker.submit(order("settle", "069500", Side.SELL, 10, None)))
    clock.advance(60)
    friday = run(broker.get_snapshot(ACCOUNT, []))
    clock.set(dt.datetime(2026, 11, 23, 10, tzinfo=SEOUL))
    monday = run(broker.get_snapshot(ACCOUNT, []))
    clock.set(dt.datetime(2026, 11, 24, 8, tzinfo=SEOUL))
    tuesday = run(broker.get_snapshot(ACCOUNT, []))

    document = store.load(ACCOUNT)
    assert document is not None
    assert friday.cash == monday.cash == Decimal(10_000_000)
    assert tuesday.cash > Decimal(10_000_000)
    assert document["pending_cash"] == []


def _request(case: str) -> OrderRequest:
    cases = {
        "zero": order("bad", "005930", Side.BUY, 0, "98700"),
        "fraction": order("bad", "005930", Side.BUY, "1.5", None),
        "no_limit": OrderRequest("bad", ACCOUNT, "005930", Side.BUY, Decimal(1), OrderType.LIMIT, None),
        "limit_on_market": OrderRequest("bad", ACCOUNT, "005930", Side.BUY, Decimal(1), OrderType.MARKET,
                                        Decimal(98700)),
        "unknown": order("bad", "999999", Side.BUY, 1, None),
        "currency": order("bad", "SPMO", Side.BUY, 1, None),
    }
    return cases[case]


@pytest.mark.parametrize(
    ("case", "code"),
    [("zero", "INVALID_QUANTITY"), ("fraction", "INVALID_QUANTITY"), ("no_limit", "INVALID_PRICE"),
     ("limit_on_market", "INVALID_PRICE"), ("unknown", "UNKNOWN_SYMBOL"), ("currency", "CURRENCY_MISMATCH")],
)
def test_submit_malformed_order_is_rejected_with_its_code(case: str, code: str) -> None:
    broker, _, _ = make_broker(CONFIG)

    report = run(broker.submit(_request(case)))

    assert report.status is OrderStatus.REJECTED
    assert report.reject_code == code
    assert report.reject_message


def test_submit_other_order_under_used_id_is_rejected_and_records_nothing() -> None:
    broker, _, _ = make_broker(CONFIG)
    first = run(broker.submit(order("same-id", "005930", Side.SELL, 1, None)))

    other = run(broker.submit(order("same-id", "005930", Side.SELL, 2, None)))

    assert other.status is OrderStatus.REJECTED
    assert other.reject_code == "CLIENT_ORDER_ID_REUSED"
    assert run(broker.list_orders(ACCOUNT)) == [first]


def test_cancel_unknown_order_raises_order_rejected() -> None:
    broker, _, _ = make_broker(CONFIG)

    with pytest.raises(OrderRejected, match="UNKNOWN_ORDER"):
        run(broker.cancel(ACCOUNT, "never-sent"))
