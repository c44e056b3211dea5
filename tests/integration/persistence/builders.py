"""Small builders for runs, orders and fills."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from trimtab.application.ports import RunRecord, RunStatus, RunStep
from trimtab.domain.execution import Fill, OrderRequest, TrackedOrder
from trimtab.domain.orders import OrderType, Side

CREATED = dt.datetime(2026, 3, 2, 0, 40, tzinfo=dt.UTC)


def new_run(run_id: str, account_id: str, *, created_at: dt.datetime = CREATED) -> RunRecord:
    """Build a run just created, with no orders yet."""
    return RunRecord(run_id=run_id, account_id=account_id, model_name="GTAA", model_version="1", broker="paper",
                     status=RunStatus.RUNNING, step=RunStep.CREATED, execute=True, force=False,
                     created_at=created_at, updated_at=created_at)


def new_order(client_order_id: str, symbol: str, side: Side, quantity: str, limit_price: str | None = None,
              *, account_id: str = "acc-1") -> TrackedOrder:
    """Build an order just intended."""
    request = OrderRequest(client_order_id=client_order_id, account_id=account_id, symbol=symbol, side=side,
                           quantity=Decimal(quantity),
                           order_type=OrderType.MARKET if limit_price is None else OrderType.LIMIT,
                           limit_price=None if limit_price is None else Decimal(limit_price))
    return TrackedOrder(request=request)


def new_fill(fill_id: str, order: TrackedOrder, quantity: str, price: str, *, minute: int = 0) -> Fill:
    """Build a fill of an order."""
    request = order.request
    return Fill(fill_id=fill_id, client_order_id=request.client_order_id, symbol=request.symbol, side=request.side,
                quantity=Decimal(quantity), price=Decimal(price), commission=Decimal("0.015"),
                tax=Decimal("0.0018") if request.side is Side.SELL else Decimal(0),
                filled_at=CREATED + dt.timedelta(minutes=minute))
