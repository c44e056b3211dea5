"""Snapshots and order intents as JSON-ready documents (decimals as text), for run records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from trimtab.domain.orders import OrderIntent, OrderType, Side
from trimtab.domain.snapshot import AccountSnapshot


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def snapshot_to_document(snapshot: AccountSnapshot) -> dict[str, Any]:
    """Describe a snapshot: cash, holdings and quotes."""
    return {
        "account_id": snapshot.account_id,
        "currency": snapshot.currency,
        "as_of": snapshot.as_of.isoformat(),
        "cash": str(snapshot.cash),
        "holdings": [
            {"symbol": h.symbol, "quantity": str(h.quantity), "orderable_quantity": str(h.orderable_quantity),
             "price": str(h.quote.price)}
            for h in snapshot.holdings
        ],
        "quotes": {
            symbol: {"price": str(q.price), "base_price": _text(q.base_price),
                     "instrument_type": q.instrument.instrument_type.value, "market": q.instrument.market.value}
            for symbol, q in snapshot.quotes.items()
        },
        "excluded": sorted(snapshot.excluded),
    }


def intents_from_document(plan: dict[str, Any], side: Side) -> tuple[OrderIntent, ...]:
    """Rebuild the orders of one side from a stored plan document."""
    intents = []
    for order in plan.get("orders", []):
        if order["action"] != side.value:
            continue
        limit = order.get("limit_price")
        intents.append(OrderIntent(
            symbol=str(order["ticker"]), name=str(order.get("name", "")), side=side,
            quantity=Decimal(str(order["quantity"])), order_type=OrderType(order.get("order_type", "limit")),
            limit_price=None if limit is None else Decimal(str(limit)), price_logic=str(order["price_logic"]),
            reference_price=Decimal(str(order["reference_price"])),
            sizing_price=Decimal(str(limit if limit is not None else order["reference_price"])),
            estimated_costs=Decimal(str(order["estimated_costs"])), reason=str(order.get("reason", "")),
        ))
    return tuple(intents)
