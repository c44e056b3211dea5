"""What people read: every view prints money, quantities and times through the one formatter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rich.console import Console

from tests.fakes.builders import account, flat, krx, us
from trimtab.application.ports import Lease, LegPhase, LegProgress, RunRecord, RunStatus, RunStep
from trimtab.domain.execution import Fill, OrderEvent, OrderRequest, TrackedOrder
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.planning import PlanSettings, plan_rebalance
from trimtab.domain.snapshot import AccountSnapshot
from trimtab.entrypoints.cli.holdings_view import render_holdings
from trimtab.entrypoints.cli.plan_view import render_plan
from trimtab.entrypoints.cli.run_view import render_run, render_runs

SAVED = dt.datetime(2026, 12, 1, 5, 33, 1, tzinfo=dt.UTC)  # 14:33:01 in Seoul, 00:33:01 in New York


def _printed(render: object, *args: object, **keywords: object) -> str:
    console = Console(record=True, width=250, highlight=False)
    render(*args, console, **keywords)  # type: ignore[operator]
    return console.export_text()


def _kr() -> AccountSnapshot:
    return account("1842000", {"069500": (krx("069500"), "100", "48960")}, {"005930": (krx("005930"), "98600")})


def _us() -> AccountSnapshot:
    return account("31850.7", {"SPMO": (us("SPMO"), "10", "112.3456")}, {"IAU": (us("IAU"), "86.9")},
                   currency="USD")


def _run(snapshot: AccountSnapshot, broker: str, orders: list[TrackedOrder]) -> RunRecord:
    return RunRecord(run_id="r1", account_id=snapshot.account_id, model_name="M", model_version="1", broker=broker,
                     status=RunStatus.NEEDS_ATTENTION, step=RunStep.BUYING, execute=True, force=False,
                     created_at=SAVED - dt.timedelta(minutes=2), updated_at=SAVED, snapshot=snapshot,
                     reason="sold but could not buy everything", orders=orders)


def _order(symbol: str, side: Side, quantity: str, limit: str, fills: tuple[tuple[str, str], ...]) -> TrackedOrder:
    order = TrackedOrder(OrderRequest(f"r1-S-{symbol}-0", "TEST-1", symbol, side, Decimal(quantity), OrderType.LIMIT,
                                      Decimal(limit))).apply(OrderEvent.ACCEPT, broker_order_id="b1")
    for number, (filled, price) in enumerate(fills):
        order = order.apply_fill(Fill(f"f{number}", order.request.client_order_id, symbol, side, Decimal(filled),
                                      Decimal(price), Decimal("7"), Decimal("0"), SAVED))
    return order


def test_plan_view_prints_won_without_decimals_and_dollars_with_two() -> None:
    korean = plan_rebalance(flat("M", {"069500": "50", "005930": "50"}), _kr(), PlanSettings())
    text = _printed(render_plan, korean)
    assert "equity 6,738,000 KRW" in text
    assert "98,700" in text  # a buy one tick above 98,600
    assert "cash 1,842,000 + sells " in text  # the cash rule's notice too
    american = plan_rebalance(flat("M", {"SPMO": "50", "IAU": "50"}), _us(), PlanSettings())
    text = _printed(render_plan, american)
    assert "equity 32,974.156 USD" in text  # 31,850.70 + 10 x 112.3456: sub-cent digits kept
    assert "31850.7" not in text


def test_run_view_prints_limits_averages_and_costs_in_the_accounts_currency() -> None:
    sold = _order("069500", Side.SELL, "72", "48955.00", (("70", "48955"), ("2", "48960")))
    text = _printed(render_run, _run(_kr(), "paper", [sold]), [])
    assert "48955.00" not in text  # the limit printed with cents before
    assert "48,955" in text
    assert "48,955.1389" in text  # (70 x 48,955 + 2 x 48,960) / 72, four digits past the won at most
    assert "costs paid 0 KRW" in text
    bought = _order("SPMO", Side.BUY, "5", "112.3456", (("5", "112.3456"),))
    text = _printed(render_run, _run(_us(), "paper", [bought]), [])
    assert "112.3456" in text  # a sub-penny limit is not rounded to the cent
    assert "7.00" in text  # costs: a commission of 7 dollars


def test_run_times_are_in_the_markets_zone_and_paper_ones_are_simulated() -> None:
    korean = _run(_kr(), "paper", [])
    korean.legs = {"B1": LegProgress(LegPhase.WAITING, SAVED + dt.timedelta(seconds=60))}
    korean.lease = Lease("host:1", 3, SAVED + dt.timedelta(minutes=2))
    listed = _printed(render_runs, [korean, _run(_us(), "kis", [])])
    assert "2026-12-01 14:33:01 KST (simulated)" in listed
    assert "2026-12-01 00:33:01 EST" in listed
    assert "00:33:01 EST (simulated)" not in listed  # a real broker's time is real
    shown = _printed(render_run, korean, [])
    assert "started 2026-12-01 14:31:01 KST (simulated), last saved 2026-12-01 14:33:01 KST (simulated)" in shown
    assert "leg B1: waiting until 2026-12-01 14:34:01 KST (simulated)" in shown
    assert "lease until 2026-12-01 14:35:01 KST)" in shown  # a lease is on real time
    assert "resume it with: trimtab runs resume r1" in shown


def test_holdings_print_money_and_quantities_and_a_simulated_date() -> None:
    text = _printed(render_holdings, _kr(), simulated=True)
    assert "TEST-1 on 2026-11-20 (simulated) (KRW)" in text
    assert "4,896,000" in text  # 100 x 48,960
    assert "equity 6,738,000 KRW" in text
    text = _printed(render_holdings, _us())
    assert "TEST-1 on 2026-11-20 (USD)" in text
    assert "31,850.70" in text
    assert "1,123.456" in text  # 10 x 112.3456: the value keeps its sub-cent digits
    assert "equity 32,974.156 USD" in text
