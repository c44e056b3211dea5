"""Contract: every broker's snapshot shows holdings, orderable cash and quantities, and quotes."""

from __future__ import annotations

from decimal import Decimal

from tests.contract.harness import BrokerHarness, limit_request, passive_price, quote_of, run
from trimtab.domain.execution import OrderStatus
from trimtab.domain.orders import Side


def test_snapshot_fresh_account_shows_known_holdings_cash_and_quotes(broker_harness: BrokerHarness) -> None:
    harness = broker_harness
    snapshot = run(harness.broker.get_snapshot(harness.account_id, [harness.unheld]))

    assert snapshot.account_id == harness.account_id
    assert snapshot.currency == harness.currency
    assert snapshot.cash == harness.cash
    assert {holding.symbol: holding.quantity for holding in snapshot.holdings} == dict(harness.holdings)
    assert all(holding.orderable_quantity == holding.quantity for holding in snapshot.holdings)
    assert set(snapshot.quotes) == {*harness.holdings, harness.unheld}
    for symbol, quote in snapshot.quotes.items():
        assert quote.instrument.symbol == symbol
        assert quote.instrument.currency == harness.currency
        assert quote.price > 0
        if harness.capabilities.price_limits:
            assert quote.base_price is not None


def test_snapshot_open_orders_reserve_cash_and_quantity(broker_harness: BrokerHarness) -> None:
    harness = broker_harness

    async def scenario() -> None:
        broker = harness.broker
        buy_quote = await quote_of(harness, harness.unheld)
        sell_quote = await quote_of(harness, harness.stock)
        buy_price = passive_price(buy_quote, Side.BUY)
        buy = limit_request(harness, "rest-buy", harness.unheld, Side.BUY, Decimal(3), buy_price)
        sell = limit_request(harness, "rest-sell", harness.stock, Side.SELL, Decimal(4),
                             passive_price(sell_quote, Side.SELL))
        assert (await broker.submit(buy)).status is OrderStatus.ACCEPTED
        assert (await broker.submit(sell)).status is OrderStatus.ACCEPTED

        reserved = await broker.get_snapshot(harness.account_id, [])
        assert reserved.cash <= harness.cash - 3 * buy_price
        stock = reserved.holding(harness.stock)
        assert stock is not None
        assert stock.quantity == harness.holdings[harness.stock]
        assert stock.orderable_quantity == harness.holdings[harness.stock] - 4

        await broker.cancel(harness.account_id, buy.client_order_id)
        await broker.cancel(harness.account_id, sell.client_order_id)
        released = await broker.get_snapshot(harness.account_id, [])
        assert released.cash == harness.cash
        assert all(holding.orderable_quantity == holding.quantity for holding in released.holdings)

    run(scenario())
