"""Runs of strategies' slices through the facade, on in-memory storage and a scripted broker: reservations capped
by the cash, a ledger that claims more than the broker holds refused, a partial fill split in strategy order."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from tests.fakes.broker import ScriptedBroker
from tests.fakes.builders import krx
from tests.unit.test_facade import _facade, _with_account
from trimtab.application.facade import Trimtab
from trimtab.application.market_balances import MarketBalance
from trimtab.application.ports import RunStatus
from trimtab.application.strategy_operations import NewStrategy
from trimtab.domain.errors import InvalidInput, NotFound
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.ledger import EntryKind, LedgerEntry, totals
from trimtab.domain.strategies import MarketType, StrategyId

AT = dt.datetime(2026, 11, 19, 1, 0, tzinfo=dt.UTC)


def _broker(cash: int, positions: dict[str, int], **kwargs: object) -> ScriptedBroker:
    instruments = {s: krx(s, InstrumentType.ETF) for s in ("A", "B", "Z")}
    return ScriptedBroker(cash=Decimal(cash), positions={s: Decimal(q) for s, q in positions.items()},
                          instruments=instruments, prices={"A": Decimal(10000), "B": Decimal(10000),
                                                           "Z": Decimal(5000)}, **kwargs)  # type: ignore[arg-type]


def _two_sleeves(broker: ScriptedBroker) -> Trimtab:
    trimtab, _ = _facade(broker=broker)
    _with_account(trimtab)
    trimtab.add_strategy("ACC", NewStrategy("core", Decimal(60), target="M"))
    trimtab.add_strategy("ACC", NewStrategy("alpha", Decimal(40), target="M"))
    return trimtab


def test_reservations_are_cut_to_the_cash_when_ownerless_shares_hold_the_equity() -> None:
    trimtab = _two_sleeves(_broker(100000, {"A": 80, "Z": 20}))  # equity 1,000,000, cash 100,000, no owner
    run = asyncio.run(trimtab.rebalance_strategies("ACC", ["all"], execute=False))
    assert run.status is RunStatus.DRY_RUN
    assert run.strategies is not None
    slices = {str(s.strategy_id): (str(s.capital), str(s.holdings_value), str(s.reservation))
              for s in run.strategies.strategies}
    assert slices == {"alpha": ("400000", "0", "40000"), "core": ("600000", "0", "60000")}
    assert run.plan is not None
    assert all(order.side.value == "BUY" for order in run.plan.orders)  # nobody owns A or Z: nothing to sell


def test_a_ledger_claiming_more_than_the_broker_holds_is_refused_before_any_order() -> None:
    broker = _broker(100000, {"A": 80})
    trimtab = _two_sleeves(broker)
    trimtab.storage.ledger.record([LedgerEntry("x", "ACC", StrategyId("core"), "A", Decimal(90), Decimal(1),
                                               EntryKind.IMPORT, AT)])
    run = asyncio.run(trimtab.rebalance_strategies("ACC", ["core"], execute=True))
    assert run.status is RunStatus.FAILED
    assert "A 90 > 80" in run.reason
    assert "ledger reconcile" in run.reason
    assert broker.submitted == []
    assert trimtab.storage.runs.active_run("ACC") is None


def test_a_netted_buy_part_filled_goes_to_the_strategies_in_order_and_the_ledger_sums_to_the_broker() -> None:
    broker = _broker(1000000, {}, behaviour={"B": "half"})
    trimtab = _two_sleeves(broker)
    run = asyncio.run(trimtab.rebalance_strategies("ACC", ["core", "alpha"], execute=True))
    assert run.status is RunStatus.NEEDS_ATTENTION  # B never filled in full
    assert run.strategies is not None
    shares = {s.strategy_id: s.quantity for s in run.strategies.shares if s.symbol == "B"}
    assert set(shares) == {"alpha", "core"}
    assert len({o.request.client_order_id for o in run.orders}) == len(run.orders)
    assert {o.request.client_order_id.split("-")[0] for o in run.orders if o.request.symbol == "B"} == {
        f"{run.run_id}.alpha"}  # one order for both: it names the first strategy of its shares
    got = {sid: sum((line.quantity for line in run.strategies.split if (line.strategy_id, line.symbol) == (sid, "B")),
                    Decimal(0)) for sid in ("alpha", "core")}
    assert got["alpha"] == shares[StrategyId("alpha")]  # alpha (first by id) is served in full first
    assert 0 <= got["core"] < shares[StrategyId("core")]  # core is the one left short
    assert got["alpha"] + got["core"] == broker.positions["B"]
    ledger = totals(trimtab.ledger_positions("ACC"))
    assert ledger == {s: q for s, q in broker.positions.items() if q}


def test_strategy_names_are_checked() -> None:
    trimtab = _two_sleeves(_broker(100000, {}))
    trimtab.add_strategy("ACC", NewStrategy("idle", Decimal(1), target="M", active=False))
    trimtab.add_strategy("ACC", NewStrategy("bare", Decimal(1)))
    with pytest.raises(NotFound, match="nope"):
        asyncio.run(trimtab.rebalance_strategies("ACC", ["nope"], execute=False))
    with pytest.raises(InvalidInput, match="inactive"):
        asyncio.run(trimtab.rebalance_strategies("ACC", ["idle"], execute=False))
    with pytest.raises(InvalidInput, match="no target model"):
        asyncio.run(trimtab.rebalance_strategies("ACC", ["bare"], execute=False))
    with pytest.raises(InvalidInput, match="at least one"):
        asyncio.run(trimtab.rebalance_strategies("ACC", [" , "], execute=False))


def test_a_strategy_run_that_needs_attention_resumes_with_its_slices_and_buys_the_rest() -> None:
    broker = _broker(1000000, {}, behaviour={"B": "half"})
    trimtab = _two_sleeves(broker)
    run = asyncio.run(trimtab.rebalance_strategies("ACC", ["all"], execute=True))
    assert run.status is RunStatus.NEEDS_ATTENTION
    broker.behaviour = {}
    resumed = asyncio.run(trimtab.resume(run.run_id, progress=lambda _text: None))
    assert resumed.status is RunStatus.COMPLETED, resumed.reason
    assert resumed.strategies is not None
    assert {s.leg for s in resumed.strategies.shares} == {"B1", "B2"}
    b2 = [o.request.client_order_id for o in resumed.orders if "-B2-" in o.request.client_order_id]
    assert b2 == [f"{run.run_id}.core-B2-B-0"]  # only core was left short
    assert totals(trimtab.ledger_positions("ACC")) == {s: q for s, q in broker.positions.items() if q}


def test_a_strategy_inside_its_bands_is_left_out_of_the_buys_planned_after_the_sells() -> None:
    # alpha owns A 50, B 47 and 30,000 of cash: inside its bands (class -2 pp, B -2.5 pp), though a forced plan
    # would buy one more B; core owns nothing and rebalances. Equity 2,000,000, 50/50.
    broker = _broker(1030000, {"A": 50, "B": 47})
    trimtab, _ = _facade(broker=broker)
    _with_account(trimtab)
    for sid in ("core", "alpha"):
        trimtab.add_strategy("ACC", NewStrategy(sid, Decimal(50), target="M"))
    trimtab.storage.ledger.record([
        LedgerEntry(f"i{symbol}", "ACC", StrategyId("alpha"), symbol, Decimal(quantity), Decimal(10000),
                    EntryKind.IMPORT, AT) for symbol, quantity in (("A", 50), ("B", 47))])
    run = asyncio.run(trimtab.rebalance_strategies("ACC", ["all"], execute=True))
    assert run.status is RunStatus.COMPLETED, run.reason
    assert run.strategies is not None
    assert {s.strategy_id for s in run.strategies.shares} == {"core"}
    assert {line.strategy_id for line in run.strategies.split} == {"core"}


def test_a_strategy_over_its_capital_without_orders_does_not_block_the_others() -> None:
    broker = _broker(1030000, {"A": 50, "B": 47})
    trimtab = _two_sleeves(broker)  # alpha's 40 % is 800,000: it holds 970,000, so it has no cash (claim 0)
    trimtab.storage.ledger.record([
        LedgerEntry(f"i{symbol}", "ACC", StrategyId("alpha"), symbol, Decimal(quantity), Decimal(10000),
                    EntryKind.IMPORT, AT) for symbol, quantity in (("A", 50), ("B", 47))])
    run = asyncio.run(trimtab.rebalance_strategies("ACC", ["all"], execute=True))
    assert run.status is RunStatus.COMPLETED, run.reason  # alpha's failed cash-buffer check is not core's
    assert run.strategies is not None
    assert {s.strategy_id: s.reservation for s in run.strategies.strategies}[StrategyId("alpha")] == 0
    assert {line.strategy_id for line in run.strategies.split} == {"core"}


class _TwoWallets(ScriptedBroker):
    """A broker reporting a spot and a futures balance (like a crypto account on both markets)."""

    async def equity_by_market_type(self, account_id: str) -> dict[MarketType, MarketBalance]:
        return {MarketType.SPOT: MarketBalance(Decimal(1_000_000), Decimal(100_000)),
                MarketType.FUTURES: MarketBalance(Decimal(500_000), Decimal(500_000))}


def test_each_market_types_strategies_share_its_own_equity_and_free_cash() -> None:
    instruments = {s: krx(s, InstrumentType.ETF) for s in ("A", "B", "Z")}
    broker = _TwoWallets(cash=Decimal(600_000), positions={"A": Decimal(90)}, instruments=instruments,
                         prices={"A": Decimal(10000), "B": Decimal(10000), "Z": Decimal(5000)})
    trimtab, _ = _facade(broker=broker)
    _with_account(trimtab)
    trimtab.add_strategy("ACC", NewStrategy("spot", Decimal(1), market_type=MarketType.SPOT, target="M"))
    trimtab.add_strategy("ACC", NewStrategy("perp", Decimal(1), market_type=MarketType.FUTURES, target="M"))
    run = asyncio.run(trimtab.rebalance_strategies("ACC", ["all"], execute=False))
    assert run.strategies is not None
    slices = {str(s.strategy_id): (str(s.capital), str(s.reservation)) for s in run.strategies.strategies}
    # capital from each market's equity; the spot claim (1,000,000) cut to the spot wallet's free cash: the
    # futures wallet's cash never pays a spot order, though the account's one cash figure (600,000) would allow it
    assert slices == {"perp": ("500000", "500000"), "spot": ("1000000", "100000")}
