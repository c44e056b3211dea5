"""A strategy's signal as a durable run (issue 13 item 5): sized from its slice, refused with the field at fault,
resumed without buying twice, booked to the strategy's ledger."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from tests.unit.test_strategy_runs import _broker, _two_sleeves
from trimtab.application.facade import Trimtab
from trimtab.application.ports import RunStatus
from trimtab.domain.ledger import totals
from trimtab.domain.orders import Side
from trimtab.domain.signal_sizing import SignalQuantity
from trimtab.domain.strategies import StrategyId

CORE = StrategyId("core")


def _positions(trimtab: Trimtab, strategy: str) -> dict[str, Decimal]:
    held = trimtab.ledger_positions("ACC")
    return {symbol: p.quantity for (sid, symbol), p in held.items() if sid == strategy}


def test_qty_per_opens_from_the_strategy_capital_and_a_negative_qty_per_closes_part_of_its_position() -> None:
    broker = _broker(1000000, {})
    trimtab = _two_sleeves(broker)
    run = asyncio.run(trimtab.trade_signal("ACC", "core", "A", SignalQuantity(percent=Decimal(10)), execute=True,
                                           signal_id="tv-1"))
    assert run.status is RunStatus.COMPLETED, run.reason
    (order,) = run.orders
    assert order.request.client_order_id == f"{run.run_id}.core-B1-A-0"
    # 10 % of core's 600,000 at the buy limit (10,000 + 1 tick of 5) = 5.99..., down to 5 shares
    assert (order.request.side, order.request.quantity, order.request.limit_price) == (Side.BUY, Decimal(5),
                                                                                      Decimal(10005))
    assert _positions(trimtab, "core") == {"A": Decimal(5)}
    closed = asyncio.run(trimtab.trade_signal("ACC", "core", "A", SignalQuantity(percent=Decimal(-50)),
                                              execute=True))
    assert closed.status is RunStatus.COMPLETED, closed.reason
    (sell,) = closed.orders
    assert (sell.request.client_order_id, sell.request.quantity) == (f"{closed.run_id}.core-S-A-0", Decimal(2))
    assert _positions(trimtab, "core") == {"A": Decimal(3)}
    assert totals(trimtab.ledger_positions("ACC")) == {"A": broker.positions["A"]}


def test_a_signal_beyond_the_cash_reservation_is_refused_before_any_order() -> None:
    broker = _broker(1000000, {})
    trimtab = _two_sleeves(broker)
    run = asyncio.run(trimtab.trade_signal("ACC", "alpha", "A", SignalQuantity(quantity=Decimal(41)), execute=True))
    assert run.status is RunStatus.FAILED
    assert "signal refused: A: cash_reservation = 400000" in run.reason  # 41 x 10,005 is more than alpha's 40 %
    assert broker.submitted == []
    assert trimtab.storage.runs.active_run("ACC") is None
    sell = asyncio.run(trimtab.trade_signal("ACC", "alpha", "A", SignalQuantity(quantity=Decimal(-1)), execute=True))
    assert "qty" in sell.reason  # alpha holds nothing to sell
    assert sell.status is RunStatus.FAILED


def test_a_signal_run_part_bought_resumes_and_buys_only_the_rest() -> None:
    broker = _broker(1000000, {}, behaviour={"A": "half"})
    trimtab = _two_sleeves(broker)
    run = asyncio.run(trimtab.trade_signal("ACC", "core", "A", SignalQuantity(quantity=Decimal(40)), execute=True))
    assert run.status is RunStatus.NEEDS_ATTENTION
    bought = broker.positions["A"]
    assert 0 < bought < 40
    broker.behaviour = {}
    resumed = asyncio.run(trimtab.resume(run.run_id, progress=lambda _text: None))
    assert resumed.status is RunStatus.COMPLETED, resumed.reason
    (again,) = [o for o in resumed.orders if "-B2-" in o.request.client_order_id]
    assert again.request.quantity == 40 - bought
    assert broker.positions["A"] == 40
    assert _positions(trimtab, "core") == {"A": Decimal(40)}
