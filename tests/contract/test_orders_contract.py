"""Contract: orders fill, resubmits are idempotent, cancels release reservations, sells pay the right costs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.contract.harness import BrokerHarness, limit_request, marketable_price, quote_of, run, wait_for
from trimtab.domain.execution import Fill, OrderReport, OrderStatus
from trimtab.domain.orders import Side


def _value(fills: list[Fill]) -> Decimal:
    return sum((fill.quantity * fill.price for fill in fills), Decimal(0))


def _costs(fills: list[Fill]) -> Decimal:
    return sum((fill.commission + fill.tax for fill in fills), Decimal(0))


def _is_closed(report: OrderReport) -> bool:
    return not report.status.is_open


def test_submit_marketable_buy_fills_and_spends_value_plus_costs(broker_harness: BrokerHarness) -> None:
    harness = broker_harness

    async def scenario() -> None:
        quote = await quote_of(harness, harness.unheld)
        request = limit_request(harness, "buy", harness.unheld, Side.BUY, Decimal(10),
                                marketable_price(quote, Side.BUY))
        await harness.broker.submit(request)
        report = await wait_for(harness, request.client_order_id, _is_closed)
        fills = await harness.broker.get_fills(harness.account_id, request.client_order_id)
        snapshot = await harness.broker.get_snapshot(harness.account_id, [])

        assert report.status is OrderStatus.FILLED
        assert report.filled_quantity == Decimal(10)
        assert sum(fill.quantity for fill in fills) == Decimal(10)
        assert len({fill.fill_id for fill in fills}) == len(fills)
        assert all(fill.price <= request.limit_price for fill in fills if request.limit_price is not None)
        assert _costs(fills) > 0
        assert snapshot.cash == harness.cash - _value(fills) - _costs(fills)
        holding = snapshot.holding(harness.unheld)
        assert holding is not None
        assert holding.quantity == Decimal(10)

    run(scenario())


def test_submit_same_client_order_id_twice_returns_the_same_order(broker_harness: BrokerHarness) -> None:
    harness = broker_harness

    async def scenario() -> None:
        quote = await quote_of(harness, harness.unheld)
        request = limit_request(harness, "twice", harness.unheld, Side.BUY, Decimal(2),
                                marketable_price(quote, Side.BUY))
        before = len(await harness.broker.list_orders(harness.account_id))
        first = await harness.broker.submit(request)
        second = await harness.broker.submit(request)
        after = await harness.broker.list_orders(harness.account_id)

        assert first.broker_order_id
        assert second.broker_order_id == first.broker_order_id
        assert len(after) == before + 1
        assert [order.client_order_id for order in after].count(request.client_order_id) == 1

    run(scenario())


def test_cancel_partly_filled_order_keeps_fills_and_releases_reservation(broker_harness: BrokerHarness) -> None:
    harness = broker_harness
    if not harness.capabilities.partial_fills:
        pytest.skip(f"{harness.name} cannot show partial fills")

    async def scenario() -> None:
        quote = await quote_of(harness, harness.unheld)
        request = limit_request(harness, "partial", harness.unheld, Side.BUY, Decimal(10),
                                marketable_price(quote, Side.BUY))
        await harness.broker.submit(request)
        partial = await wait_for(harness, request.client_order_id, lambda report: report.filled_quantity > 0)
        assert partial.status is OrderStatus.PARTIALLY_FILLED

        cancelled = await harness.broker.cancel(harness.account_id, request.client_order_id)
        harness.advance(harness.poll_seconds * 5)
        later = await harness.broker.get_order(harness.account_id, request.client_order_id)
        fills = await harness.broker.get_fills(harness.account_id, request.client_order_id)
        snapshot = await harness.broker.get_snapshot(harness.account_id, [])

        assert cancelled.status is OrderStatus.CANCELLED
        assert 0 < cancelled.filled_quantity < request.quantity
        assert cancelled.remaining == 0
        assert later == cancelled
        assert sum(fill.quantity for fill in fills) == cancelled.filled_quantity
        assert snapshot.cash == harness.cash - _value(fills) - _costs(fills)
        again = await harness.broker.cancel(harness.account_id, request.client_order_id)
        assert again == cancelled

    run(scenario())


def test_get_order_unknown_id_returns_none(broker_harness: BrokerHarness) -> None:
    harness = broker_harness
    assert run(harness.broker.get_order(harness.account_id, "never-sent")) is None


@pytest.mark.parametrize("kind", ["stock", "etf"])
def test_sell_reduces_holding_and_adds_proceeds_less_costs(broker_harness: BrokerHarness, kind: str) -> None:
    harness = broker_harness
    symbol = harness.stock if kind == "stock" else harness.etf

    async def scenario() -> None:
        quote = await quote_of(harness, symbol)
        request = limit_request(harness, f"sell-{kind}", symbol, Side.SELL, Decimal(5),
                                marketable_price(quote, Side.SELL))
        await harness.broker.submit(request)
        report = await wait_for(harness, request.client_order_id, _is_closed)
        fills = await harness.broker.get_fills(harness.account_id, request.client_order_id)
        snapshot = await harness.broker.get_snapshot(harness.account_id, [])

        assert report.status is OrderStatus.FILLED
        holding = snapshot.holding(symbol)
        assert holding is not None
        assert holding.quantity == harness.holdings[symbol] - 5
        assert snapshot.cash == harness.cash + _value(fills) - _costs(fills)
        assert sum(fill.commission for fill in fills) > 0
        tax = sum((fill.tax for fill in fills), Decimal(0))
        if harness.capabilities.krx_sell_tax:
            assert (tax > 0) if kind == "stock" else (tax == 0)

    run(scenario())
