"""IBKR's what-if on the local IB Gateway: a plan's orders previewed (margin, commission, warnings), none placed."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from tests.integration.ibkr.gateway_kit import HandClock, desk, running
from tests.integration.ibkr.test_ibkr_adapter import account, factory
from trimtab.application.brokers import BrokerChoice
from trimtab.application.order_preview import OrderPreviewer, preview_plan, previews_document
from trimtab.domain.orders import OrderIntent, OrderType, Side


def intent(symbol: str, side: Side, quantity: str, limit: str | None) -> OrderIntent:
    price = Decimal(limit) if limit is not None else Decimal(100)
    return OrderIntent(symbol, symbol, side, Decimal(quantity), OrderType.LIMIT if limit else OrderType.MARKET,
                       None if limit is None else Decimal(limit), "current", price, price, Decimal(1), "test")


def test_what_if_previews_margin_and_commission_as_decimals_and_places_nothing() -> None:
    async def scenario() -> None:
        async with running(desk(HandClock())) as gateway:
            choice = BrokerChoice("ibkr", base_url=str(gateway.port))
            async with factory(None).connect(account("DU111"), choice, None) as connected:
                broker = connected.broker
                assert isinstance(broker, OrderPreviewer)
                await broker.get_snapshot("DU111", ["SMH"])  # the account values: the margin currency
                orders = [intent("SMH", Side.BUY, "40", "251.00"), intent("SPMO", Side.SELL, "10", None),
                          intent("SMH", Side.BUY, "1000", "251.00"), intent("NOPE", Side.BUY, "1", "10.00"),
                          intent("IAU", Side.BUY, "1.5", "61.45")]
                buy, sell, large, unknown, fractional = await broker.preview_orders("DU111", orders)
            assert gateway.engine.orders == []  # a what-if places nothing
        # 40 SMH at 251.00 USD = 10,040 USD = 13,386.67 SGD (1 SGD = 0.75 USD): a cash account's whole value
        assert buy.ok
        assert buy.margin_currency == "SGD"
        assert buy.initial_margin_change == Decimal("13386.67")
        assert buy.maintenance_margin_change == Decimal("13386.67")
        assert buy.equity_with_loan_change == Decimal("-1.33")  # the 1 USD commission in SGD
        assert (buy.commission, buy.min_commission, buy.max_commission) == (Decimal(1), Decimal(1), Decimal(1))
        assert buy.commission_currency == "USD"
        assert isinstance(buy.initial_margin_change, Decimal)
        assert buy.warning == ""
        assert sell.initial_margin_change == Decimal("-1349.73")  # 10 SPMO at 101.23 USD, less margin
        assert sell.initial_margin_after == Decimal(0)
        assert "EXCEED YOUR AVAILABLE FUNDS" in large.warning  # 251,000 USD: more than the account has
        assert large.commission == Decimal(5)  # 1,000 shares x 0.005
        assert not unknown.ok
        assert "[200]" in unknown.error
        assert not fractional.ok
        assert fractional.error.startswith("[10243]")
        document = previews_document([buy])
        assert document is not None
        assert document[0]["initial_margin_change"] == "13386.67"
        assert document[0]["action"] == "BUY"

    asyncio.run(scenario())


def test_a_broker_without_previews_gives_none() -> None:
    class NoPreviews:
        pass

    assert asyncio.run(preview_plan(NoPreviews(), object())) is None  # type: ignore[arg-type]
    assert previews_document(None) is None
