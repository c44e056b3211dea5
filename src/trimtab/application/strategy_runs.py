"""Rebalancing strategies' slices in one durable run: each strategy plans on its own holdings and cash.

The run (run_rebalance.py) keeps its steps, lease and crash guarantees; this part decides what it trades:
- the ledger is brought up to date first (every run's fills booked), then each strategy's slice is its ledger
  positions and its cash reservation (domain/strategy_slices.py), its capital from the run's own live snapshot
  through `allocate_capital`; a strategy without capital (or only a stale one) does not trade, with the reason;
- each strategy plans on its slice with its own model; the orders are netted per symbol (transfers between
  strategies, one market order per symbol, domain/strategy_netting.py); only the net sells are sent first;
- after the sells the buys are planned again per strategy from the slices as they now are (transfers and sells
  booked), summed per symbol;
- when the run stops, the fills are split back by strategy and the ledger books the split.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from trimtab.application.market_balances import MarketBalance, balance_of
from trimtab.application.strategy_ledger import split_of
from trimtab.domain.errors import TrimtabError
from trimtab.domain.instruments import minor_unit
from trimtab.domain.ledger import LedgerEntry, positions
from trimtab.domain.money_format import format_quantity
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderIntent, Side
from trimtab.domain.planning import Plan, PlanSettings, plan_rebalance
from trimtab.domain.strategies import (
    MarketReading,
    MarketType,
    Strategy,
    StrategyCapital,
    StrategyId,
    allocate_capital,
)
from trimtab.domain.strategy_netting import Netting, SliceRecord, StrategyOrder, StrategyRun, net_orders
from trimtab.domain.strategy_slices import claim, holdings_value, oversold, reserve_cash, slice_snapshot

if TYPE_CHECKING:
    from trimtab.application.ports import RunRecord
    from trimtab.domain.execution import Fill
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.snapshot import AccountSnapshot

logger = logging.getLogger(__name__)

SELL_LEG = "S"
Balances = Mapping[MarketType, MarketBalance]  # per market type: live equity, free cash


@dataclass(frozen=True, slots=True)
class SlicedPlan:
    """What the strategies' plans come to: the run's plan, or why it is skipped or refused."""

    plan: Plan | None = None
    skip: str = ""
    refuse: str = ""


@dataclass(frozen=True, slots=True)
class SliceFigures:
    """The strategies' capital, holdings' value and cash reservation at one snapshot."""

    capitals: Mapping[StrategyId, StrategyCapital]
    values: Mapping[StrategyId, Decimal]
    reserved: Mapping[StrategyId, Decimal]

    def record(self, sid: StrategyId, model: ModelPortfolio) -> SliceRecord:
        """A strategy's slice as the run keeps it (with why it does not trade, if so)."""
        capital = self.capitals[sid]
        reason = _why_not(capital.capital, capital.can_trade, capital.is_stale, capital.reason)
        return SliceRecord(sid, model.name, model.version, capital.capital, self.values[sid],
                           None if reason else self.reserved[sid], reason)


@dataclass
class StrategySlicer:
    """Plans a run of some of an account's strategies on their slices (see the module)."""

    strategies: Sequence[Strategy]  # every strategy of the account: those outside the run still claim their cash
    chosen: tuple[StrategyId, ...]  # the run's strategies, in run order (by id)
    models: Mapping[StrategyId, ModelPortfolio]
    read_ledger: Callable[[], Sequence[LedgerEntry]]  # books every run's fills first, then reads the ledger

    def symbols(self) -> list[str]:
        """What the run's snapshot must quote: the models' targets and every symbol the ledger holds."""
        held = {symbol for (_, symbol), p in positions(self.read_ledger()).items() if p.quantity > ZERO}
        targets = {symbol for model in self.models.values() for symbol in model.target_weights()}
        return sorted(targets | held)

    def initial(self) -> StrategyRun:
        """The run's strategies and models before it plans (a run resumed from there keeps its slices)."""
        return StrategyRun(tuple(SliceRecord(sid, self.models[sid].name, self.models[sid].version, None, ZERO, None,
                                             "not planned yet") for sid in self.chosen))

    def plan(self, run: RunRecord, snapshot: AccountSnapshot, settings: PlanSettings,
             balances: Balances | None = None) -> SlicedPlan:
        """Plan every strategy on its slice and net the orders; the run keeps the slices and transfers.

        `balances`: the live equity and free cash of each market type, from a broker that reports them (a crypto
        account's spot and futures wallets); without them the snapshot is the `securities` balance."""
        held = strategy_quantities(self.read_ledger())
        refusal = oversold_reason(held, snapshot)
        if refusal:
            return SlicedPlan(refuse=refusal)
        slices, plans = self._plans(snapshot, held, settings, balances=balances)
        orders = [StrategyOrder(sid, o.symbol, o.side, o.quantity) for sid, plan in plans.items()
                  for o in plan.orders]
        prices = {symbol: _price(snapshot, symbol) for symbol in {o.symbol for o in orders}}
        netting = net_orders(orders, SELL_LEG, self.chosen, prices)
        sells = Netting(netting.transfers, tuple(s for s in netting.shares if s.side is Side.SELL))
        run.strategies = StrategyRun(slices, sells.transfers, sells.shares, orders=tuple(orders))
        if not plans:
            return SlicedPlan(skip="no strategy can trade: " + "; ".join(f"{s.strategy_id}: {s.reason}"
                                                                         for s in slices))
        return SlicedPlan(self._combined(plans, netting, SELL_LEG))  # the net buys shown; re-planned after sells

    def plan_buys(self, run: RunRecord, snapshot: AccountSnapshot, settings: PlanSettings, leg: str,
                  balances: Balances | None = None) -> Plan | None:
        """Plan each trading strategy's buys from its slice as it now is; sum them per symbol (leg `leg`)."""
        state = run.strategies
        if state is None:
            return None
        planned = {o.strategy_id for o in state.orders}  # a strategy inside its bands stays out of the buys
        trading = tuple(s.strategy_id for s in state.strategies if s.trades and s.strategy_id in planned)
        slices, plans = self._plans(snapshot, strategy_quantities(self.read_ledger()),
                                    replace(settings, force=True, allow_sells=False), only=trading,
                                    balances=balances)
        orders = [StrategyOrder(sid, o.symbol, o.side, o.quantity) for sid, plan in plans.items()
                  for o in plan.orders if o.side is Side.BUY]
        netting = net_orders(orders, leg, self.chosen, {})
        shares = tuple(s for s in state.shares if s.leg != leg) + netting.shares
        run.strategies = replace(state, shares=shares, buy_slices=slices)
        if not plans:
            return None
        return self._combined(plans, netting, leg)

    def settle(self, run: RunRecord, fills: Sequence[Fill]) -> None:
        """Split the run's fills by strategy into the run (its ledger lines); the caller saves, then books."""
        if run.strategies is not None:
            run.strategies = replace(run.strategies, split=split_of(run, fills))

    def book(self) -> None:
        """Book every run's fills (this one's split included) into the ledger; a failure is logged, not raised:
        the run is over, and the next strategy run or reconciliation books the same entries."""
        try:
            self.read_ledger()
        except (TrimtabError, OSError) as error:
            logger.warning("the ledger could not be booked after the run: %s", error)

    # -- helpers --------------------------------------------------------------------------------------------

    def _plans(self, snapshot: AccountSnapshot, held: Mapping[StrategyId, dict[str, Decimal]],
               settings: PlanSettings, only: Sequence[StrategyId] | None = None, balances: Balances | None = None,
               ) -> tuple[tuple[SliceRecord, ...], dict[StrategyId, Plan]]:
        figures = self._figures(snapshot, held, balances)
        records, plans = [], {}
        for sid in self.chosen if only is None else only:
            record = figures.record(sid, self.models[sid])
            records.append(record)
            if not record.trades:
                logger.info("strategy %s does not trade: %s", sid, record.reason)
                continue
            plans[sid] = plan_rebalance(self.models[sid], slice_snapshot(snapshot, held.get(sid, {}),
                                                                         figures.reserved[sid]), settings)
        return tuple(records), plans

    def _figures(self, snapshot: AccountSnapshot, held: Mapping[StrategyId, dict[str, Decimal]],
                 balances: Balances | None) -> SliceFigures:
        """Every strategy's capital (from its market type's live equity), holdings' value and cash reservation
        (cut to its market type's free cash: one wallet's cash never pays another market's orders)."""
        if not balances:
            balances = {MarketType.SECURITIES: balance_of(snapshot)}
        readings = {kind: MarketReading(snapshot.currency, live=balance.equity) for kind, balance in balances.items()}
        capitals = {c.strategy.strategy_id: c for c in allocate_capital(self.strategies, readings, snapshot.as_of)}
        values = {sid: holdings_value(held.get(sid, {}), snapshot) for sid in capitals}
        claims = {sid: claim(c.capital if c.can_trade and not c.is_stale else None, values[sid])
                  for sid, c in capitals.items()}
        reserved: dict[StrategyId, Decimal] = {}
        for kind, balance in balances.items():
            mine = {sid: amount for sid, amount in claims.items() if capitals[sid].strategy.market_type is kind}
            reserved |= reserve_cash(mine, balance.free_cash, minor_unit(snapshot.currency))
        return SliceFigures(capitals, values, reserved)

    def _combined(self, plans: Mapping[StrategyId, Plan], netting: Netting, leg: str) -> Plan:
        """One plan for the run: the net orders of the leg, every strategy's checks and skipped trades."""
        intents = {(sid, o.symbol, o.side): o for sid, plan in plans.items() for o in plan.orders}
        orders = []
        for symbol, (side, quantity) in netting.net(leg).items():
            shares = [s for s in netting.shares if s.leg == leg and s.symbol == symbol]
            lead = intents[(shares[0].strategy_id, symbol, side)]
            parts = ", ".join(f"{s.strategy_id} {format_quantity(s.quantity)}" for s in shares)
            crossed = [t for t in netting.transfers if t.symbol == symbol]
            if crossed:
                parts += "; crossed " + ", ".join(f"{t.seller}->{t.buyer} {format_quantity(t.quantity)}"
                                                  for t in crossed)
            orders.append(replace(lead, quantity=quantity, reason=f"{lead.reason} [{parts}]"))
        base = next(iter(plans.values()))
        return replace(base, model_name="+".join(plans), rows=(), orders=tuple(_ordered(orders)),
                       rebalance_needed=any(p.rebalance_needed for p in plans.values()),
                       checks=tuple(c for p in plans.values() if p.orders for c in p.checks),  # of who trades
                       skipped=tuple(s for p in plans.values() for s in p.skipped))


def oversold_reason(held: Mapping[StrategyId, Mapping[str, Decimal]], snapshot: AccountSnapshot) -> str:
    """Why a run may not trade when the strategies hold more of a symbol than the broker does (else empty)."""
    excess = oversold(totals_of(held), snapshot)
    if not excess:
        return ""
    detail = ", ".join(f"{s} {format_quantity(q)} > {format_quantity(b)}" for s, (q, b) in excess.items())
    return (f"the ledger gives strategies more than the broker holds ({detail}); run "
            "`trimtab ledger reconcile ACCOUNT` first")


def totals_of(held: Mapping[StrategyId, Mapping[str, Decimal]]) -> dict[str, Decimal]:
    """The strategies' total quantity of each symbol."""
    result: dict[str, Decimal] = {}
    for quantities in held.values():
        for symbol, quantity in quantities.items():
            result[symbol] = result.get(symbol, ZERO) + quantity
    return result


def strategy_quantities(entries: Sequence[LedgerEntry]) -> dict[StrategyId, dict[str, Decimal]]:
    """Each strategy's (not the buckets') positive ledger quantities."""
    from trimtab.domain.strategies import is_bucket

    result: dict[StrategyId, dict[str, Decimal]] = {}
    for (sid, symbol), position in positions(entries).items():
        if position.quantity > ZERO and not is_bucket(sid):
            result.setdefault(sid, {})[symbol] = position.quantity
    return result


def _why_not(capital: Decimal | None, can_trade: bool, stale: bool, reason: str) -> str:
    if capital is None or not can_trade:
        return f"no capital ({reason or 'it is 0'})"
    if stale:
        return f"its capital comes from a cached summary, not traded ({reason})"
    return ""


def _price(snapshot: AccountSnapshot, symbol: str) -> Decimal:
    holding = snapshot.holding(symbol)
    quote = holding.quote if holding is not None else snapshot.quotes[symbol]
    return quote.price


def _ordered(orders: list[OrderIntent]) -> list[OrderIntent]:
    """Sells first, then buys by decreasing value (as the planner orders them)."""
    return sorted(orders, key=lambda o: (o.side is Side.BUY, -o.estimated_value, o.symbol))

