"""Paper accounts live in the PaperStateStore: a new broker over the same store carries on."""

from __future__ import annotations

from decimal import Decimal

from tests.contract.harness import marketable_price, run
from tests.integration.paper.conftest import ACCOUNT, HOLDINGS, make_broker, order
from trimtab.adapters.brokers.paper.broker import PaperBroker
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.domain.execution import OrderStatus
from trimtab.domain.orders import Side

CONFIG = PaperConfig(seed=8, partial_fill_fraction=Decimal("0.25"))


def test_new_broker_over_same_store_continues_account_and_open_orders() -> None:
    first, clock, store = make_broker(CONFIG)

    async def before_restart() -> str:
        snapshot = await first.get_snapshot(ACCOUNT, ["360750"])
        price = marketable_price(snapshot.quotes["360750"], Side.BUY)
        await first.submit(order("restart-buy", "360750", Side.BUY, 8, str(price)))
        clock.advance(10)
        report = await first.get_order(ACCOUNT, "restart-buy")
        assert report is not None
        assert report.status is OrderStatus.PARTIALLY_FILLED
        return report.broker_order_id

    broker_order_id = run(before_restart())
    second = PaperBroker(store, clock, CONFIG)

    async def after_restart() -> None:
        report = await second.get_order(ACCOUNT, "restart-buy")
        assert report is not None
        assert report.broker_order_id == broker_order_id
        assert report.filled_quantity == Decimal(2)
        clock.advance(60)
        done = await second.get_order(ACCOUNT, "restart-buy")
        assert done is not None
        assert done.status is OrderStatus.FILLED
        assert len(await second.get_fills(ACCOUNT, "restart-buy")) == 4
        snapshot = await second.get_snapshot(ACCOUNT, [])
        assert snapshot.holding("360750") is not None

    run(after_restart())


def test_every_state_change_is_saved_before_the_call_returns() -> None:
    broker, _, store = make_broker(CONFIG)
    saves = store.saves

    report = run(broker.submit(order("saved", "005930", Side.SELL, 1, None)))

    assert store.saves == saves + 1
    document = store.load(ACCOUNT)
    assert document is not None
    assert [saved["client_order_id"] for saved in document["orders"]] == ["saved"]
    assert document["orders"][0]["broker_order_id"] == report.broker_order_id
    assert document["cash"] == "10000000"
    assert document["positions"] == {symbol: str(quantity) for symbol, quantity in HOLDINGS.items()}


def test_reads_without_news_do_not_write() -> None:
    broker, _, store = make_broker(CONFIG)
    saves = store.saves

    run(broker.get_snapshot(ACCOUNT, ["360750"]))
    run(broker.list_orders(ACCOUNT))

    assert store.saves == saves


def test_open_account_is_idempotent_unless_reset() -> None:
    broker, _, store = make_broker(CONFIG)
    run(broker.submit(order("kept", "005930", Side.SELL, 1, None)))

    assert broker.open_account(ACCOUNT, "KRW", Decimal(5), {}) is False
    assert len(run(broker.list_orders(ACCOUNT))) == 1
    assert broker.open_account(ACCOUNT, "KRW", Decimal(5), {"069500": Decimal(1)}, reset=True) is True
    snapshot = run(broker.get_snapshot(ACCOUNT, []))

    assert run(broker.list_orders(ACCOUNT)) == []
    assert snapshot.cash == Decimal(5)
    assert [(holding.symbol, holding.quantity) for holding in snapshot.holdings] == [("069500", Decimal(1))]
    assert store.account_ids() == [ACCOUNT]
