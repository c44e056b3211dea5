"""Plan a rebalance: drift, lot-exact targets, orders with reasons, trades not made with reasons, checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from trimtab.domain.allocation_account import AccountProblem, Lots, cash_slack
from trimtab.domain.allocation_method import AllocationMethod
from trimtab.domain.allocation_one import allocate_one_floor, allocate_one_greedy
from trimtab.domain.cash_flows import CashFlow, most_raisable, refuse_withdrawal, release_unneeded_sales, with_flow
from trimtab.domain.certificate import Certifier, certify
from trimtab.domain.checks import Check, run_checks
from trimtab.domain.costs import DEFAULT_SELL_TAX, TaxRule, commission, sell_tax
from trimtab.domain.drift import (
    Bands,
    Breach,
    DriftReport,
    TickerDrift,
    Valuation,
    measure_drift,
    value_account,
)
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import minor_unit
from trimtab.domain.models import ModelPortfolio
from trimtab.domain.money_format import format_money
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderIntent, OrderType, Side, SkippedTrade, SkipReason
from trimtab.domain.problem import (
    Line,
    Scale,
    build_lines,
    build_problem,
    investable_fraction,
    lots_to_quantities,
    quantities_to_lots,
)
from trimtab.domain.snapshot import AccountSnapshot

Allocator = Callable[[AccountProblem], Lots]

# One account's heuristics, in plain Python (the lots of `allocation.allocate_greedy` and `allocate_floor`).
HEURISTICS: dict[AllocationMethod, Allocator] = {
    AllocationMethod.GREEDY: allocate_one_greedy,
    AllocationMethod.FLOOR: allocate_one_floor,
}


@dataclass(frozen=True, slots=True)
class PlanSettings:
    """How to plan: bands, cash buffer, minimum trade, limit offset, allocation method."""

    bands: Bands = field(default_factory=Bands)
    cash_buffer: Decimal = Decimal("0.01")
    minimum_trade_value: Decimal = ZERO
    price_ticks: int = 1
    order_type: OrderType = OrderType.LIMIT
    method: AllocationMethod = AllocationMethod.GREEDY
    force: bool = False
    allow_sells: bool = True  # off when re-planning the buys of a run after its sells
    tax_rules: tuple[TaxRule, ...] = DEFAULT_SELL_TAX
    cash_flow: CashFlow | None = None  # a deposit (buys only) or a withdrawal (sells only): see cash_flows

    def __post_init__(self) -> None:
        if not ZERO <= self.cash_buffer < Decimal(1):
            raise InvalidInput("must be at least 0 and below 100 %", where="settings", field="cash_buffer",
                               value=str(self.cash_buffer))
        if self.minimum_trade_value < ZERO:
            raise InvalidInput("must not be negative", where="settings", field="minimum_trade_value",
                               value=str(self.minimum_trade_value))
        if not 0 <= self.price_ticks <= 50:
            raise InvalidInput("must be between 0 and 50", where="settings", field="price_ticks",
                               value=self.price_ticks)


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One symbol of the drift table: where it is, where the plan takes it."""

    symbol: str
    name: str
    asset_class: str | None
    current_quantity: Decimal
    target_quantity: Decimal
    current_weight: Decimal
    target_weight: Decimal  # the model's overall weight, scaled to keep the cash buffer free
    post_trade_weight: Decimal
    model_weight: Decimal  # the model's overall weight, before the buffer

    @property
    def trade_quantity(self) -> Decimal:
        return self.target_quantity - self.current_quantity


@dataclass(frozen=True, slots=True)
class PostTrade:
    """Estimated state after every order fills at its sizing price."""

    equity: Decimal
    cash: Decimal
    weights: dict[str, Decimal]
    drift: DriftReport


@dataclass(frozen=True, slots=True)
class Plan:
    account_id: str
    model_name: str
    currency: str
    method: AllocationMethod
    rebalance_needed: bool
    equity: Decimal
    drift: DriftReport
    rows: tuple[PlanRow, ...]
    orders: tuple[OrderIntent, ...]
    skipped: tuple[SkippedTrade, ...]
    post_trade: PostTrade
    checks: tuple[Check, ...]
    # Sum of |value after trading - target| over equity, a proven bound on every plan's, and the gap (bp);
    # None where no plan keeps the cash rule, and on runs stored before the certificate.
    objective_bp: Decimal | None = None
    lower_bound_bp: Decimal | None = None
    gap_bp: Decimal | None = None
    cash_flow: CashFlow | None = None  # planned as if it had happened (equity, targets, cash)

    @property
    def is_safe(self) -> bool:
        """No error-level check failed."""
        return all(check.passed or check.severity != "error" for check in self.checks)


def plan_rebalance(
    model: ModelPortfolio, snapshot: AccountSnapshot, settings: PlanSettings, exact: Allocator | None = None,
    certifier: Certifier = certify,
) -> Plan:
    """Decide whether to rebalance and which exact orders to send (with a cash flow: invest or raise it).

    `certifier` proves the plan's certificate (batch planning defers it to bound many accounts at once)."""
    flow = settings.cash_flow
    lines = build_lines(snapshot, model.target_weights(), settings.price_ticks, settings.tax_rules)
    if flow is not None and not flow.buys and settings.allow_sells:
        most = most_raisable(lines, snapshot, value_account(snapshot).equity, settings.cash_buffer)
        if flow.amount > most:
            raise refuse_withdrawal(flow, most, snapshot)
    snapshot = with_flow(snapshot, flow)
    valuation = value_account(snapshot)
    drift = measure_drift(model, valuation, settings.bands, cash_buffer=settings.cash_buffer)
    allocate = _allocator(settings.method, exact)
    trades, frozen, (problem, scale) = _allocate(lines, snapshot, valuation, settings, allocate)
    trading = drift.rebalance_needed or settings.force or flow is not None
    executed = trades if trading else dict.fromkeys(trades, ZERO)
    certificate = certifier(problem, quantities_to_lots(lines, executed), scale.units, valuation.equity)
    orders = _orders(lines, executed, snapshot, drift, settings)
    post = _post_trade(model, snapshot, valuation, lines, executed, orders, settings)
    skipped = _skipped(lines, trades, executed, frozen, snapshot, valuation, settings, drift)
    rows = _rows(model, lines, valuation, executed, post, drift)
    checks = run_checks(lines, orders, snapshot, valuation, settings.cash_buffer, post.drift)
    return Plan(account_id=snapshot.account_id, model_name=model.name, currency=snapshot.currency,
                method=settings.method, rebalance_needed=drift.rebalance_needed, equity=valuation.equity,
                drift=drift, rows=rows, orders=orders, skipped=skipped, post_trade=post, checks=checks,
                objective_bp=certificate.objective_bp if certificate else None,
                lower_bound_bp=certificate.lower_bound_bp if certificate else None,
                gap_bp=certificate.gap_bp if certificate else None, cash_flow=flow)


def _allocator(method: AllocationMethod, exact: Allocator | None) -> Allocator:
    if method is AllocationMethod.EXACT:
        if exact is None:
            raise InvalidInput("the exact method needs a solver; none was wired", where="settings",
                               field="method", value=method.value)
        return exact
    return HEURISTICS[method]


def _allocate(
    lines: list[Line], snapshot: AccountSnapshot, valuation: Valuation, settings: PlanSettings,
    allocate: Allocator,
) -> tuple[dict[str, Decimal], set[str], tuple[AccountProblem, Scale]]:
    """Allocate, then freeze trades below the minimum value and allocate again until none is left.

    Also returns the first problem, before any freezing: the one the plan's certificate bounds. A
    withdrawal keeps its small sales where freezing them would leave the amount unraised.
    """
    flow = settings.cash_flow
    frozen: set[str] = set()
    first: tuple[AccountProblem, Scale] | None = None
    kept: tuple[dict[str, Decimal], set[str]] | None = None
    while True:
        problem, scale = build_problem(lines, snapshot, valuation.equity, settings.cash_buffer, frozen,
                                       allow_sells=settings.allow_sells and (flow is None or not flow.buys),
                                       allow_buys=flow is None or flow.buys)
        first = first or (problem, scale)
        lots = allocate(problem)
        if flow is not None and not flow.buys:
            lots = release_unneeded_sales(problem, lots)
            if kept is not None and cash_slack(problem, lots) < 0:
                return kept[0], kept[1], first
        trades = lots_to_quantities(lines, lots)
        small = {
            line.symbol for line in lines
            if trades[line.symbol] != ZERO
            and abs(trades[line.symbol]) * line.price < settings.minimum_trade_value
        }
        if not small:
            return trades, frozen, first
        kept = (trades, set(frozen))
        frozen |= small


def _orders(
    lines: list[Line], trades: dict[str, Decimal], snapshot: AccountSnapshot, drift: DriftReport,
    settings: PlanSettings,
) -> tuple[OrderIntent, ...]:
    by_symbol = {row.symbol: row for row in drift.tickers}
    sells: list[OrderIntent] = []
    buys: list[OrderIntent] = []
    for line in lines:
        quantity = trades[line.symbol]
        if quantity == ZERO:
            continue
        side = Side.BUY if quantity > ZERO else Side.SELL
        row = by_symbol.get(line.symbol)
        reason = _reason(side, row)
        order = _order(line, side, abs(quantity), snapshot, settings,
                       reason if settings.cash_flow is None else settings.cash_flow.reason(reason))
        (buys if side is Side.BUY else sells).append(order)
    sells.sort(key=lambda o: (-o.estimated_value, o.symbol))
    buys.sort(key=lambda o: (-o.estimated_value, o.symbol))
    return tuple(sells + buys)


def _reason(side: Side, row: TickerDrift | None) -> str:
    """The ticker's drift at each level, in the words of the breach lines."""
    return str(Breach.NOT_IN_MODEL) if row is None else row.describe()


def _order(line: Line, side: Side, quantity: Decimal, snapshot: AccountSnapshot, settings: PlanSettings,
           reason: str) -> OrderIntent:
    sizing = line.buy_price if side is Side.BUY else line.sell_price
    value = quantity * sizing
    costs = commission(value, snapshot.costs, snapshot.currency)
    if side is Side.SELL:
        costs += sell_tax(value, line.tax_rate, snapshot.currency)
    sign = "+" if side is Side.BUY else "-"
    ticks = f"current_price {sign} {settings.price_ticks} tick" + ("s" if settings.price_ticks != 1 else "")
    if settings.price_ticks == 0:
        ticks = "current_price"
    if settings.order_type is OrderType.MARKET:
        return OrderIntent(line.symbol, line.instrument.name, side, quantity, OrderType.MARKET, None,
                           f"market order (sized at {ticks})", line.price, sizing, costs, reason)
    logic = ticks + (", clamped to the daily limit" if line.limits and not _inside(line, sizing) else "")
    return OrderIntent(line.symbol, line.instrument.name, side, quantity, OrderType.LIMIT, sizing, logic,
                       line.price, sizing, costs, reason)


def _inside(line: Line, price: Decimal) -> bool:
    return line.limits is None or line.limits.lower < price < line.limits.upper


def _post_trade(
    model: ModelPortfolio, snapshot: AccountSnapshot, valuation: Valuation, lines: list[Line],
    trades: dict[str, Decimal], orders: tuple[OrderIntent, ...], settings: PlanSettings,
) -> PostTrade:
    cash = snapshot.cash
    for order in orders:
        signed = order.estimated_value if order.side is Side.SELL else -order.estimated_value
        cash += signed - order.estimated_costs
    values = dict(valuation.values)
    for line in lines:
        values[line.symbol] = (line.quantity + trades[line.symbol]) * line.price
    equity = cash + sum(values.values(), ZERO)
    after = Valuation(equity=equity, cash=cash, values=values, excluded_value=valuation.excluded_value)
    weights = {symbol: value / equity for symbol, value in values.items()}
    drift = measure_drift(model, after, settings.bands, cash_buffer=settings.cash_buffer)
    return PostTrade(equity=equity, cash=cash, weights=weights, drift=drift)


def _skipped(
    lines: list[Line], trades: dict[str, Decimal], executed: dict[str, Decimal], frozen: set[str],
    snapshot: AccountSnapshot, valuation: Valuation, settings: PlanSettings, drift: DriftReport,
) -> tuple[SkippedTrade, ...]:
    skipped = [
        SkippedTrade(h.symbol, SkipReason.EXCLUDED, "kept outside the model by the account", ZERO)
        for h in snapshot.holdings if h.symbol in snapshot.excluded
    ]
    investable = valuation.equity * investable_fraction(lines, settings.cash_buffer)
    by_symbol = {row.symbol: row for row in drift.tickers}
    for line in lines:
        if executed[line.symbol] != ZERO:
            continue
        if trades[line.symbol] != ZERO:
            skip = SkippedTrade(line.symbol, SkipReason.INSIDE_BAND,
                                "no band is breached (use --force to trade anyway)", trades[line.symbol])
        elif line.symbol in frozen:
            least = format_money(settings.minimum_trade_value, snapshot.currency)
            skip = SkippedTrade(line.symbol, SkipReason.BELOW_MINIMUM, f"trade worth less than {least}", ZERO)
        else:
            skip = _untraded(line, investable, settings.cash_flow)
        skip = _with_drift(skip, by_symbol.get(line.symbol))
        flow = settings.cash_flow
        skipped.append(skip if flow is None else replace(skip, detail=flow.reason(skip.detail)))
    return tuple(skipped)


def _with_drift(skip: SkippedTrade, row: TickerDrift | None) -> SkippedTrade:
    """Lead the detail with the ticker's drift, in the words of order reasons and breach lines."""
    if row is None:
        return skip
    return SkippedTrade(skip.symbol, skip.reason, f"{row.describe()}; {skip.detail}", skip.quantity)


def _untraded(line: Line, investable: Decimal, flow: CashFlow | None) -> SkippedTrade:
    """Explain a symbol the allocation left alone."""
    lot_value = line.price * line.instrument.lot_size
    gap = line.target_weight * investable - line.quantity * line.price
    if flow is not None and (gap * 2 > lot_value if not flow.buys else -gap * 2 > lot_value):
        side = "under target, but a withdrawal only sells" if gap > ZERO else "over target, but a deposit only buys"
        return SkippedTrade(line.symbol, SkipReason.CASH_FLOW, side, ZERO)
    if flow is not None and not flow.buys and -gap * 2 > lot_value and line.sellable_lots > 0:
        return SkippedTrade(line.symbol, SkipReason.NOT_NEEDED, "over target, but not needed to raise the amount",
                            ZERO)
    if gap * 2 > lot_value:
        currency = line.instrument.currency
        short = format_money(gap.quantize(minor_unit(currency)), currency)
        return SkippedTrade(line.symbol, SkipReason.NO_CASH,
                            f"short of target by {short}, but another lot does not fit the cash rule", ZERO)
    if -gap * 2 > lot_value and line.sellable_lots == 0:
        return SkippedTrade(line.symbol, SkipReason.NOT_ORDERABLE,
                            "over target, but no orderable quantity to sell", ZERO)
    return SkippedTrade(line.symbol, SkipReason.AT_TARGET, "within half a lot of target", ZERO)


def _rows(model: ModelPortfolio, lines: list[Line], valuation: Valuation, trades: dict[str, Decimal],
          post: PostTrade, drift: DriftReport) -> tuple[PlanRow, ...]:
    classes = model.class_of() if model.two_level else {}
    targets = {row.symbol: row.target_weight for row in drift.tickers}
    return tuple(
        PlanRow(symbol=line.symbol, name=line.instrument.name, asset_class=classes.get(line.symbol),
                current_quantity=line.quantity, target_quantity=line.quantity + trades[line.symbol],
                current_weight=valuation.weight(line.symbol), target_weight=targets.get(line.symbol, ZERO),
                post_trade_weight=post.weights.get(line.symbol, ZERO), model_weight=line.target_weight)
        for line in lines
    )
