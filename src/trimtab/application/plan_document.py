"""A plan as a plain JSON-ready document, shared by the CLI and later the HTTP API."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trimtab.domain.drift import ClassDrift, Deviation, DriftReport, TickerDrift
    from trimtab.domain.orders import OrderIntent
    from trimtab.domain.planning import Plan

WEIGHT_PLACES = Decimal("0.000001")


def _weight(value: Decimal) -> str:
    return str(value.quantize(WEIGHT_PLACES))


def _amount(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))


def _optional(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def plan_to_document(plan: Plan) -> dict[str, object]:
    """Describe a plan: decision, drift, orders, trades not made, post-trade state and checks."""
    tickers = {row.symbol: row for row in plan.drift.tickers}
    return {
        "account_id": plan.account_id,
        "model": plan.model_name,
        "currency": plan.currency,
        "method": plan.method.value,
        "mode": plan.cash_flow.kind.value if plan.cash_flow else "rebalance",
        "cash_flow": None if plan.cash_flow is None else {
            "mode": plan.cash_flow.kind.value, "amount": _amount(plan.cash_flow.amount),
            "in_cash": plan.cash_flow.in_cash},
        "rebalance_needed": plan.rebalance_needed,
        "breaches": plan.drift.breaches(),
        "breach_details": [_deviation(d, text=True) for d in plan.drift.breached()],
        "equity": _amount(plan.equity),
        "objective_bp": _optional(plan.objective_bp),
        "lower_bound_bp": _optional(plan.lower_bound_bp),
        "gap_bp": _optional(plan.gap_bp),
        "drift": _drift(plan.drift),
        "rows": [
            {"symbol": r.symbol, "name": r.name, "asset_class": r.asset_class,
             "current_quantity": _amount(r.current_quantity), "target_quantity": _amount(r.target_quantity),
             "current_weight": _weight(r.current_weight), "target_weight": _weight(r.target_weight),
             "post_trade_weight": _weight(r.post_trade_weight), "model_weight": _weight(r.model_weight)}
            for r in plan.rows
        ],
        "orders": [_order(o, tickers.get(o.symbol)) for o in plan.orders],
        "skipped": [
            {"symbol": s.symbol, "reason": s.reason.value, "detail": s.detail, "quantity": _amount(s.quantity),
             "drift": _ticker_deviations(tickers.get(s.symbol))}
            for s in plan.skipped
        ],
        "post_trade": {
            "equity": _amount(plan.post_trade.equity),
            "cash": _amount(plan.post_trade.cash),
            "weights": {k: _weight(v) for k, v in plan.post_trade.weights.items()},
            "breaches": plan.post_trade.drift.breaches(),
            "breach_details": [_deviation(d, text=True) for d in plan.post_trade.drift.breached()],
        },
        "checks": [
            {"name": c.name, "passed": c.passed, "severity": c.severity, "detail": c.detail} for c in plan.checks
        ],
    }


def _order(order: OrderIntent, drift: TickerDrift | None) -> dict[str, object]:
    document = order.to_seed_json()
    document.update({
        "order_type": order.order_type.value,
        "reference_price": _amount(order.reference_price),
        "estimated_value": _amount(order.estimated_value),
        "estimated_costs": _amount(order.estimated_costs),
        "reason": order.reason,
        "drift": _ticker_deviations(drift),
    })
    return document


def _deviation(row: Deviation, *, text: bool = False) -> dict[str, object]:
    """One level of drift: the fields breach details, orders and trades not made share."""
    document: dict[str, object] = {
        "level": row.level.value, "key": row.key, "asset_class": row.asset_class,
        "current": _weight(row.current), "target": _weight(row.target), "difference": _weight(row.difference),
        "band": None if row.band is None else _weight(row.band), "breach": row.breach.value if row.breach else None,
    }
    if text:
        document["text"] = row.describe_breach()
    return document


def _ticker_deviations(row: TickerDrift | None) -> list[dict[str, object]]:
    return [] if row is None else [_deviation(d) for d in row.deviations()]


def _drift(report: DriftReport) -> dict[str, object]:
    return {
        "classes": [_class_row(c) for c in report.classes],
        "tickers": [_ticker_row(t) for t in report.tickers],
    }


def _class_row(row: ClassDrift) -> dict[str, object]:
    return {"name": row.name, "target_weight": _weight(row.target_weight),
            "current_weight": _weight(row.current_weight), "drift": _weight(row.drift),
            "breach": row.breach.value if row.breach else None, "level": "class", "band": _weight(row.band)}


def _ticker_row(row: TickerDrift) -> dict[str, object]:
    return {"symbol": row.symbol, "asset_class": row.asset_class,
            "target_weight": _weight(row.target_weight), "current_weight": _weight(row.current_weight),
            "drift": _weight(row.drift), "target_in_class": _weight(row.target_in_class),
            "current_in_class": _weight(row.current_in_class), "drift_in_class": _weight(row.drift_in_class),
            "breach": row.breach.value if row.breach else None, "level": row.level.value, "band": _weight(row.band)}
