"""A strategy's signal as a durable run: sized from the strategy's slice, sent like every other order.

The run is a strategy run of one strategy (strategy_runs.py: same ledger, capital, cash reservation, lock,
lease, crash and resume, split and booking); only its planning differs. When the run plans, the signal is
sized by `domain.signal_sizing.size_signal` from the strategy's capital (the run's live allocation), leverage,
ledger position in the symbol and cash reservation, at the price the order may pay (the quote moved by the
account's limit ticks); a refusal ends the run before any order, with the refusal as its reason. A sell goes out
in the sells leg; a buy in the first round of buys (sized once, when the run planned: a later round after a
resume buys only what is left of it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from trimtab.application.strategy_runs import (
    SELL_LEG,
    Balances,
    SlicedPlan,
    SliceFigures,
    StrategySlicer,
    oversold_reason,
    strategy_quantities,
)
from trimtab.domain.costs import commission
from trimtab.domain.models import ModelHolding, ModelPortfolio, flat_model
from trimtab.domain.numbers import ONE, ZERO
from trimtab.domain.orders import OrderIntent, OrderType, Side
from trimtab.domain.planning import Plan, PlanSettings, plan_rebalance
from trimtab.domain.signal_sizing import InstrumentFilters, SizedOrder, SizingRefusal, StrategySlice, size_signal
from trimtab.domain.strategies import MarketType
from trimtab.domain.strategy_netting import Share, SignalRequest, StrategyOrder, StrategyRun
from trimtab.domain.strategy_slices import slice_snapshot
from trimtab.domain.ticks import limit_price

if TYPE_CHECKING:
    from trimtab.application.ports import RunRecord
    from trimtab.domain.snapshot import AccountSnapshot

SIGNAL_MODEL = "SIGNAL"  # the stand-in model of a signal's run (its one symbol); never stored


def signal_model(symbol: str) -> ModelPortfolio:
    """The stand-in model a signal's run names: its symbol at 100 %."""
    return flat_model(SIGNAL_MODEL, (ModelHolding(symbol, ONE),), description="a strategy's signal")


@dataclass
class SignalSlicer(StrategySlicer):
    """Plans a signal's run: one strategy, one symbol, one sized order."""

    signal: SignalRequest | None = None

    def initial(self) -> StrategyRun:
        return replace(super().initial(), signal=self.signal)

    def plan(self, run: RunRecord, snapshot: AccountSnapshot, settings: PlanSettings,
             balances: Balances | None = None) -> SlicedPlan:
        """Size the signal from the strategy's slice: one order, or the refusal naming its field."""
        signal = self.signal
        if signal is None:
            return super().plan(run, snapshot, settings, balances)
        sid = signal.strategy_id
        held = strategy_quantities(self.read_ledger())
        figures = self._figures(snapshot, held, balances)
        record = replace(figures.record(sid, self.models[sid]), reservation=figures.reserved[sid])
        run.strategies = StrategyRun((record,), signal=signal)
        refusal = oversold_reason(held, snapshot)
        if refusal:
            return SlicedPlan(refuse=refusal)
        intent = self._intent(signal, figures, held.get(sid, {}), snapshot, settings)
        if isinstance(intent, SizingRefusal):
            return SlicedPlan(refuse=f"signal refused: {intent}")
        shares = (Share(SELL_LEG, intent.symbol, sid, Side.SELL, intent.quantity),) if intent.side is Side.SELL else ()
        run.strategies = StrategyRun((record,), shares=shares, signal=signal,
                                     orders=(StrategyOrder(sid, intent.symbol, intent.side, intent.quantity),))
        base = plan_rebalance(self.models[sid], slice_snapshot(snapshot, held.get(sid, {}), figures.reserved[sid]),
                              settings)
        return SlicedPlan(replace(base, model_name=f"signal {signal.signal_id}".strip(), rows=(), orders=(intent,),
                                  rebalance_needed=True, checks=(), skipped=()))

    def plan_buys(self, run: RunRecord, snapshot: AccountSnapshot, settings: PlanSettings, leg: str,
                  balances: Balances | None = None) -> Plan | None:
        """The signal's buy, less what earlier rounds bought of it (nothing for a sell)."""
        if self.signal is None:
            return super().plan_buys(run, snapshot, settings, leg, balances)
        state, plan = run.strategies, run.plan
        buys = [] if plan is None else [o for o in plan.orders if o.side is Side.BUY]
        if state is None or plan is None or not buys:
            return None
        intent = buys[0]
        bought = sum((o.filled_quantity for o in run.orders
                      if o.request.side is Side.BUY and o.request.symbol == intent.symbol), ZERO)
        left = intent.quantity - bought
        shares = tuple(s for s in state.shares if s.leg != leg)
        if left > ZERO:
            shares += (Share(leg, intent.symbol, self.signal.strategy_id, Side.BUY, left),)
        run.strategies = replace(state, shares=shares)
        return replace(plan, orders=(replace(intent, quantity=left),)) if left > ZERO else None

    def _intent(self, signal: SignalRequest, figures: SliceFigures, held: dict[str, Decimal],
                snapshot: AccountSnapshot, settings: PlanSettings) -> OrderIntent | SizingRefusal:
        holding = snapshot.holding(signal.symbol)
        quote = holding.quote if holding is not None else snapshot.quote(signal.symbol)
        if quote is None:
            return SizingRefusal(signal.symbol, "symbol", signal.symbol, "the broker has no quote for it")
        strategy = next(s for s in self.strategies if s.strategy_id == signal.strategy_id)
        capital = figures.capitals[signal.strategy_id]
        mine = StrategySlice(signal.strategy_id, capital.capital if capital.can_trade and not capital.is_stale
                             else None, strategy.leverage, held.get(signal.symbol, ZERO),
                             figures.reserved[signal.strategy_id], strategy.market_type is MarketType.FUTURES)
        filters = InstrumentFilters(lot_size=quote.instrument.lot_size, fee_rate=snapshot.costs.commission_rate)
        first = size_signal(signal.symbol, signal.wanted, quote.price, mine, filters)
        if isinstance(first, SizingRefusal):
            return first
        ticks = settings.price_ticks if first.side is Side.BUY else -settings.price_ticks
        limit = None if settings.order_type is OrderType.MARKET else limit_price(quote.instrument, quote.price, ticks,
                                                                                  None)
        sized = size_signal(signal.symbol, signal.wanted, limit or quote.price, mine, filters)  # at the order's price
        if isinstance(sized, SizingRefusal):
            return sized
        return _order(sized, quote.instrument.name, settings.order_type, limit, quote.price,
                      commission(sized.notional, snapshot.costs, snapshot.currency), signal.signal_id)


def _order(sized: SizedOrder, name: str, order_type: OrderType, limit: Decimal | None, reference: Decimal,
           costs: Decimal, signal_id: str) -> OrderIntent:
    said = f"signal {signal_id}" if signal_id else "signal"
    return OrderIntent(sized.symbol, name, sized.side, sized.quantity, order_type, limit,
                       "market" if limit is None else f"limit {limit}", reference, sized.price, costs,
                       f"{said}: {sized.reason}")

