"""Runs and snapshots as plain JSON-ready documents, shared by the CLI's ``--json`` and the HTTP API.

Money and quantities are strings of exact Decimals, times ISO 8601, absent values null.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from trimtab.application.ports import RunRecord
from trimtab.domain.execution import Fill, TrackedOrder
from trimtab.domain.numbers import ZERO
from trimtab.domain.snapshot import AccountSnapshot


def snapshot_document(snapshot: AccountSnapshot) -> dict[str, Any]:
    """The snapshot as JSON-ready values (numbers as text, exact)."""
    return {
        "account_id": snapshot.account_id, "currency": snapshot.currency, "as_of": snapshot.as_of.isoformat(),
        "cash": str(snapshot.cash), "equity": str(equity_of(snapshot)),
        "holdings": [{"symbol": h.symbol, "quantity": str(h.quantity), "orderable_quantity": str(h.orderable_quantity),
                      "price": str(h.quote.price), "value": str(h.quantity * h.quote.price)}
                     for h in snapshot.holdings],
    }


def run_document(run: RunRecord, fills: list[Fill]) -> dict[str, Any]:
    """A run as JSON-ready values: its record, orders and fills, and its plans and snapshots."""
    from trimtab.application.plan_document import plan_to_document

    return {
        "run_id": run.run_id, "account_id": run.account_id, "model": run.model_name,
        "model_version": run.model_version, "broker": run.broker, "status": run.status.value,
        "step": run.step.value, "execute": run.execute, "force": run.force, "reason": run.reason,
        "created_at": run.created_at.isoformat(), "updated_at": run.updated_at.isoformat(),
        "legs": {leg: {"phase": p.phase.value, "deadline": None if p.deadline is None else p.deadline.isoformat()}
                 for leg, p in run.legs.items()},
        "orders": [_order_document(order) for order in run.orders],
        "fills": [{"fill_id": f.fill_id, "client_order_id": f.client_order_id, "symbol": f.symbol,
                   "side": f.side.value, "quantity": str(f.quantity), "price": str(f.price),
                   "commission": str(f.commission), "tax": str(f.tax), "filled_at": f.filled_at.isoformat()}
                  for f in fills],
        "plan": None if run.plan is None else plan_to_document(run.plan),
        "buy_plan": None if run.buy_plan is None else plan_to_document(run.buy_plan),
        "snapshot": None if run.snapshot is None else snapshot_document(run.snapshot),
        "post": None if run.post is None else snapshot_document(run.post),
    } | _strategies(run, fills)


def _strategies(run: RunRecord, fills: list[Fill]) -> dict[str, Any]:
    """A run of strategies' slices adds them (slices, transfers, shares, split); an account-level run nothing."""
    if run.strategies is None:
        return {}
    from trimtab.application.strategy_ledger import with_split
    from trimtab.application.strategy_run_document import strategy_run_document

    return {"strategies": strategy_run_document(with_split(run, fills))}


def _order_document(order: TrackedOrder) -> dict[str, Any]:
    request = order.request
    return {"client_order_id": request.client_order_id, "broker_order_id": order.broker_order_id,
            "symbol": request.symbol, "side": request.side.value, "quantity": str(request.quantity),
            "order_type": request.order_type.value,
            "limit_price": None if request.limit_price is None else str(request.limit_price),
            "status": order.status.value, "filled_quantity": str(order.filled_quantity),
            "filled_value": str(order.filled_value), "costs": str(order.costs), "reject_reason": order.reject_reason}




def equity_of(snapshot: AccountSnapshot) -> Decimal:
    """Cash plus the value of every holding at its quote."""
    return snapshot.cash + sum((h.quantity * h.quote.price for h in snapshot.holdings), ZERO)
