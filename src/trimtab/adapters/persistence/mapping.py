"""Translate between table rows and the domain's and ports' dataclasses; rows never leave the adapter."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from trimtab.adapters.persistence.run_documents import decode_plan, decode_snapshot, decode_strategy_run, encode
from trimtab.adapters.persistence.tables import FillRow, ModelPortfolioRow, RunRow, TradeRow
from trimtab.adapters.persistence.types import plain_decimal, to_json_ready
from trimtab.application.ports import Lease, LegPhase, LegProgress, RunRecord, RunStatus, RunStep
from trimtab.domain.execution import Fill, OrderRequest, OrderStatus, TrackedOrder
from trimtab.domain.instruments import InstrumentType, Market
from trimtab.domain.models import AssetClass, ModelHolding, ModelPortfolio
from trimtab.domain.orders import OrderType, Side

MODEL_DOCUMENT_FORMAT = 1


def model_document(model: ModelPortfolio) -> dict[str, Any]:
    """Describe a model's content as JSON (weights as plain decimal text); the version is not content."""
    return {
        "format": MODEL_DOCUMENT_FORMAT,
        "two_level": model.two_level,
        "effective_on": model.effective_on,
        "extra": dict(sorted(model.extra.items())),
        "classes": [
            {"name": c.name, "weight": plain_decimal(c.weight), "holdings": [_holding_document(h) for h in c.holdings]}
            for c in model.classes
        ],
    }


def _holding_document(holding: ModelHolding) -> dict[str, Any]:
    return {
        "symbol": holding.symbol,
        "weight": plain_decimal(holding.weight),
        "name": holding.name,
        "instrument_type": None if holding.instrument_type is None else holding.instrument_type.value,
        "market": None if holding.market is None else holding.market.value,
        "currency": holding.currency,
    }


def content_hash(document: dict[str, Any], description: str) -> str:
    """Fingerprint a model's content so that re-importing the same model finds its version."""
    canonical = json.dumps({"description": description, "document": document}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def row_to_model(row: ModelPortfolioRow) -> ModelPortfolio:
    """Rebuild a ModelPortfolio from its stored document."""
    document = row.document
    classes = tuple(
        AssetClass(name=c["name"], weight=Decimal(c["weight"]),
                   holdings=tuple(_document_holding(h) for h in c["holdings"]))
        for c in document["classes"]
    )
    return ModelPortfolio(name=row.name, classes=classes, two_level=bool(document["two_level"]),
                          version=str(row.version), description=row.description,
                          effective_on=document.get("effective_on"), extra=dict(document.get("extra", {})))


def _document_holding(data: dict[str, Any]) -> ModelHolding:
    instrument_type = data.get("instrument_type")
    market = data.get("market")
    return ModelHolding(
        symbol=data["symbol"], weight=Decimal(data["weight"]), name=data.get("name", ""),
        instrument_type=None if instrument_type is None else InstrumentType(instrument_type),
        market=None if market is None else Market(market), currency=data.get("currency"),
    )


def run_values(run: RunRecord) -> dict[str, Any]:
    """Return the run row's columns for a RunRecord (its orders are stored as trades)."""
    return {
        "account_id": run.account_id, "model_name": run.model_name, "model_version": run.model_version,
        "broker": run.broker, "status": run.status.value, "step": run.step.value, "execute": run.execute,
        "force": run.force, "reason": run.reason, "snapshot": encode(run.snapshot), "plan": encode(run.plan),
        "buy_plan": encode(run.buy_plan), "post": encode(run.post),
        "attempts": to_json_ready(run.attempts), "progress": progress_document(run.legs) | _strategies(run),
        "created_at": run.created_at, "updated_at": run.updated_at,
    }


def progress_document(legs: dict[str, LegProgress]) -> dict[str, Any]:
    """Each leg's phase and deadline as JSON."""
    return {"legs": {leg: {"phase": progress.phase.value,
                           "deadline": None if progress.deadline is None else progress.deadline.isoformat()}
                     for leg, progress in legs.items()}}


def _strategies(run: RunRecord) -> dict[str, Any]:
    """A run of strategies keeps its slices, netting and split with its progress (a resume needs them)."""
    return {} if run.strategies is None else {"strategies": encode(run.strategies)}


def document_progress(document: dict[str, Any]) -> dict[str, LegProgress]:
    """Rebuild each leg's progress from its JSON."""
    legs: dict[str, Any] = document.get("legs", {})
    return {leg: LegProgress(LegPhase(item["phase"]),
                             None if item.get("deadline") is None else dt.datetime.fromisoformat(item["deadline"]))
            for leg, item in legs.items()}


def row_lease(row: RunRow) -> Lease | None:
    """The stored lease, or None when nobody holds it."""
    if row.lease_owner is None or row.lease_expires_at is None:
        return None
    return Lease(row.lease_owner, row.lease_token, row.lease_expires_at)


def row_to_run(row: RunRow, trades: list[TradeRow]) -> RunRecord:
    """Rebuild a RunRecord with its orders in the order given."""
    return RunRecord(
        run_id=row.run_id, account_id=row.account_id, model_name=row.model_name,
        model_version=row.model_version, broker=row.broker, status=RunStatus(row.status),
        step=RunStep(row.step), execute=row.execute, force=row.force, created_at=row.created_at,
        updated_at=row.updated_at, snapshot=decode_snapshot(dict(row.snapshot)), plan=decode_plan(dict(row.plan)),
        buy_plan=decode_plan(dict(row.buy_plan)), post=decode_snapshot(dict(row.post)), reason=row.reason,
        orders=[trade_to_order(trade) for trade in trades],
        attempts={str(leg): int(count) for leg, count in row.attempts.items()},
        legs=document_progress(dict(row.progress)), lease=row_lease(row),
        strategies=decode_strategy_run(dict(row.progress.get("strategies", {}))),
    )


def leg_of(order: TrackedOrder) -> str:
    """Name the leg of a run an order belongs to ("sell" or "buy")."""
    return order.request.side.value.lower()


def order_values(order: TrackedOrder) -> dict[str, Any]:
    """Return the trade row's columns that change as an order progresses (and its request)."""
    request = order.request
    return {
        "account_id": request.account_id, "symbol": request.symbol, "side": request.side.value,
        "quantity": request.quantity, "order_type": request.order_type.value, "limit_price": request.limit_price,
        "status": order.status.value, "broker_order_id": order.broker_order_id,
        "filled_quantity": order.filled_quantity, "filled_value": order.filled_value, "costs": order.costs,
        "reject_reason": order.reject_reason, "fill_ids": sorted(order.fill_ids), "leg": leg_of(order),
    }


def trade_to_order(row: TradeRow) -> TrackedOrder:
    """Rebuild a TrackedOrder from its trade row."""
    request = OrderRequest(
        client_order_id=row.client_order_id, account_id=row.account_id, symbol=row.symbol, side=Side(row.side),
        quantity=row.quantity, order_type=OrderType(row.order_type), limit_price=row.limit_price,
    )
    return TrackedOrder(
        request=request, status=OrderStatus(row.status), broker_order_id=row.broker_order_id,
        fill_ids=frozenset(row.fill_ids), filled_quantity=row.filled_quantity, filled_value=row.filled_value,
        costs=row.costs, reject_reason=row.reject_reason,
    )


def fill_values(run_id: str, fill: Fill) -> dict[str, Any]:
    """Return the fills row's columns for one fill of a run."""
    return {
        "fill_id": fill.fill_id, "client_order_id": fill.client_order_id, "run_id": run_id,
        "symbol": fill.symbol, "side": fill.side.value, "quantity": fill.quantity, "price": fill.price,
        "commission": fill.commission, "tax": fill.tax, "filled_at": fill.filled_at,
    }


def row_to_fill(row: FillRow) -> Fill:
    """Rebuild a Fill from its row."""
    return Fill(fill_id=row.fill_id, client_order_id=row.client_order_id, symbol=row.symbol,
                side=Side(row.side), quantity=row.quantity, price=row.price, commission=row.commission,
                tax=row.tax, filled_at=row.filled_at)
