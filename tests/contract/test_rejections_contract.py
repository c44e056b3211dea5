"""Contract: orders a broker must refuse come back REJECTED with a code and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tests.contract.harness import BrokerHarness, limit_request, marketable_price, passive_price, quote_of, run
from trimtab.domain.execution import OrderRequest, OrderStatus
from trimtab.domain.orders import Side
from trimtab.domain.snapshot import Quote
from trimtab.domain.ticks import daily_limits, shift_ticks, tick_size


def _oversell(harness: BrokerHarness, quote: Quote) -> OrderRequest:
    quantity = harness.holdings[harness.stock] + quote.instrument.lot_size
    return limit_request(harness, "oversell", harness.stock, Side.SELL, quantity, passive_price(quote, Side.SELL))


def _too_expensive(harness: BrokerHarness, quote: Quote) -> OrderRequest:
    price = marketable_price(quote, Side.BUY)
    quantity = (harness.cash // price + 1) * quote.instrument.lot_size
    return limit_request(harness, "no-cash", harness.stock, Side.BUY, quantity, price)


def _off_tick(harness: BrokerHarness, quote: Quote) -> OrderRequest:
    price = passive_price(quote, Side.BUY) + tick_size(quote.instrument, quote.price) / 2
    return limit_request(harness, "off-tick", harness.stock, Side.BUY, quote.instrument.lot_size, price)


def _above_limit(harness: BrokerHarness, quote: Quote) -> OrderRequest:
    assert quote.base_price is not None
    limits = daily_limits(quote.instrument, quote.base_price)
    assert limits is not None
    price = shift_ticks(quote.instrument, limits.upper, 1)
    return limit_request(harness, "above-limit", harness.stock, Side.BUY, quote.instrument.lot_size, price)


CASES: dict[str, Callable[[BrokerHarness, Quote], OrderRequest]] = {
    "oversell": _oversell, "insufficient_cash": _too_expensive, "off_tick": _off_tick, "above_limit": _above_limit,
}
CORRECTED = frozenset({"off_tick", "above_limit"})


@pytest.mark.parametrize("case", sorted(CASES))
def test_submit_invalid_order_is_rejected_with_code_and_changes_nothing(
    broker_harness: BrokerHarness, case: str,
) -> None:
    harness = broker_harness
    if case == "above_limit" and not harness.capabilities.price_limits:
        pytest.skip(f"{harness.name} has no daily price limits")
    if case in CORRECTED and harness.capabilities.corrects_prices:
        pytest.skip(f"{harness.name} corrects such prices (see the correction case)")

    async def scenario() -> None:
        quote = await quote_of(harness, harness.stock)
        before = await harness.broker.get_snapshot(harness.account_id, [])
        request = CASES[case](harness, quote)
        report = await harness.broker.submit(request)
        after = await harness.broker.get_snapshot(harness.account_id, [])
        again = await harness.broker.get_order(harness.account_id, request.client_order_id)

        assert report.status is OrderStatus.REJECTED
        assert report.reject_code
        assert report.filled_quantity == Decimal(0)
        assert after.cash == before.cash
        assert after.holdings == before.holdings
        assert again is None or again.status is OrderStatus.REJECTED

    run(scenario())


@pytest.mark.parametrize("case", sorted(CORRECTED))
def test_submit_off_grid_or_above_limit_is_corrected_never_more_aggressive(
    broker_harness: BrokerHarness, case: str,
) -> None:
    harness = broker_harness
    if not harness.capabilities.corrects_prices:
        pytest.skip(f"{harness.name} refuses such prices (see the rejection case)")

    async def scenario() -> None:
        quote = await quote_of(harness, harness.stock)
        request = CASES[case](harness, quote)
        report = await harness.broker.submit(request)
        orders = await harness.broker.list_orders(harness.account_id)
        await harness.broker.cancel(harness.account_id, request.client_order_id)

        assert request.limit_price is not None
        assert report.limit_price is not None
        assert report.status.is_open
        assert report.limit_price < request.limit_price  # a buy is corrected downwards only
        assert report.limit_price % tick_size(quote.instrument, report.limit_price) == 0
        assert quote.base_price is not None
        limits = daily_limits(quote.instrument, quote.base_price)
        assert limits is not None
        assert limits.contains(report.limit_price)
        assert [order.client_order_id for order in orders].count(request.client_order_id) == 1

    run(scenario())
