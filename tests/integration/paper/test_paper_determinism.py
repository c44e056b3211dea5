"""The paper exchange is a function of its seed, the calls and their instants: polling changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.contract.clocks import SteppingClock
from tests.contract.harness import marketable_price, passive_price, run
from tests.integration.paper.conftest import ACCOUNT, KRX_MORNING, make_broker, order
from trimtab.adapters.brokers.paper.broker import PaperBroker
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.domain.execution import Fill, OrderStatus
from trimtab.domain.orders import Side
from trimtab_testkit.memory import InMemoryPaperStateStore

CONFIG = PaperConfig(seed=21, fill_probability=Decimal("0.6"), partial_fill_fraction=Decimal("0.3"))
ORDER_IDS = ("buy-etf", "sell-stock", "market-buy", "resting-buy")


async def _submit_script(broker: PaperBroker) -> None:
    snapshot = await broker.get_snapshot(ACCOUNT, ["360750", "229200"])
    etf, stock = snapshot.quotes["360750"], snapshot.quotes["005930"]
    await broker.submit(order("buy-etf", "360750", Side.BUY, 10, str(marketable_price(etf, Side.BUY))))
    await broker.submit(order("sell-stock", "005930", Side.SELL, 7, str(marketable_price(stock, Side.SELL))))
    await broker.submit(order("market-buy", "229200", Side.BUY, 9, None))
    await broker.submit(order("resting-buy", "360750", Side.BUY, 4, str(passive_price(etf, Side.BUY))))


def _play(poll_every: int, config: PaperConfig = CONFIG) -> tuple[dict[str, list[Fill]], dict[str, Any]]:
    """Submit, let 300 s pass polling every `poll_every` seconds, cancel at 120 s; return fills and state."""
    broker, clock, store = make_broker(config)

    async def scenario() -> dict[str, list[Fill]]:
        await _submit_script(broker)
        for elapsed in range(poll_every, 301, poll_every):
            clock.set(KRX_MORNING + dt.timedelta(seconds=elapsed))
            if elapsed == 120:
                await broker.cancel(ACCOUNT, "market-buy")
            else:
                await broker.get_order(ACCOUNT, "buy-etf")
        clock.set(KRX_MORNING + dt.timedelta(seconds=300))
        await broker.list_orders(ACCOUNT)
        return {client_order_id: await broker.get_fills(ACCOUNT, client_order_id) for client_order_id in ORDER_IDS}

    fills = run(scenario())
    state = store.load(ACCOUNT)
    assert state is not None
    return fills, state


def test_same_seed_same_calls_give_identical_fills_and_state() -> None:
    first_fills, first_state = _play(poll_every=60)
    second_fills, second_state = _play(poll_every=60)

    assert first_fills == second_fills
    assert first_state == second_state
    assert any(first_fills.values())


def test_polling_more_often_changes_nothing() -> None:
    rare_fills, rare_state = _play(poll_every=120)
    frequent_fills, frequent_state = _play(poll_every=1)

    assert frequent_fills == rare_fills
    assert frequent_state == rare_state


def test_another_seed_gives_other_fills() -> None:
    fills, _ = _play(poll_every=60)
    other_fills, _ = _play(poll_every=60, config=PaperConfig(seed=22, fill_probability=Decimal("0.6"),
                                                             partial_fill_fraction=Decimal("0.3")))

    assert fills != other_fills


def test_fills_follow_the_interval_and_use_deterministic_ids() -> None:
    fills, state = _play(poll_every=60)

    buys = fills["buy-etf"]
    assert [fill.fill_id for fill in buys] == [f"buy-etf-{number}" for number in range(1, len(buys) + 1)]
    assert all((fill.filled_at - KRX_MORNING) % dt.timedelta(seconds=10) == dt.timedelta(0) for fill in buys)
    assert {fill.quantity for fill in buys} <= {Decimal(3), Decimal(1)}  # 30 % of 10, the last one what is left
    events = [fill["event"] for fill in state["fills"]]
    assert events == sorted(events)
    assert state["event_counter"] >= len(events) + len(ORDER_IDS)


def test_stepping_clock_lets_orders_fill_as_time_passes() -> None:
    clock = SteppingClock(KRX_MORNING, dt.timedelta(seconds=5))
    broker = PaperBroker(InMemoryPaperStateStore(), clock, PaperConfig(seed=3))
    broker.open_account(ACCOUNT, "KRW", Decimal(1_000_000))

    async def scenario() -> list[OrderStatus]:
        snapshot = await broker.get_snapshot(ACCOUNT, ["360750"])
        price = marketable_price(snapshot.quotes["360750"], Side.BUY)
        await broker.submit(order("stepping", "360750", Side.BUY, 4, str(price)))
        statuses = []
        for _ in range(20):
            report = await broker.get_order(ACCOUNT, "stepping")
            assert report is not None
            statuses.append(report.status)
        return statuses

    statuses = run(scenario())

    assert statuses[0] is OrderStatus.ACCEPTED
    assert statuses[-1] is OrderStatus.FILLED
