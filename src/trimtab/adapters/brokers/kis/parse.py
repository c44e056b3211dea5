"""KIS JSON → plain values in trimtab's words (pure: no IO). Field names per BROKERS.md §1.5."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from trimtab.domain.errors import BrokerUnavailable


@dataclass(frozen=True, slots=True)
class BrokerHolding:
    """One position as the broker reports it."""

    symbol: str
    name: str
    quantity: Decimal
    orderable_quantity: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True)
class BrokerBalance:
    """Holdings plus the cash that counts for orders (the D+2 settled figure)."""

    holdings: tuple[BrokerHolding, ...]
    cash: Decimal
    deposit: Decimal


@dataclass(frozen=True, slots=True)
class BrokerQuote:
    """Last price, base price, daily limits and tick of one instrument."""

    symbol: str
    price: Decimal
    base_price: Decimal
    upper_limit: Decimal
    lower_limit: Decimal
    tick: Decimal


def to_decimal(row: Mapping[str, Any], key: str) -> Decimal:
    """Read a KIS number (always a string) as Decimal; a missing or blank field is an unusable answer."""
    text = str(row.get(key, "")).strip()
    try:
        return Decimal(text)
    except InvalidOperation:
        raise BrokerUnavailable(f"KIS answer has no usable number in field {key!r}") from None


def parse_holding(row: Mapping[str, Any]) -> BrokerHolding:
    """Turn one inquire-balance output1 row into a holding."""
    return BrokerHolding(
        symbol=str(row.get("pdno", "")).strip(), name=str(row.get("prdt_name", "")).strip(),
        quantity=to_decimal(row, "hldg_qty"), orderable_quantity=to_decimal(row, "ord_psbl_qty"),
        price=to_decimal(row, "prpr"),
    )


def parse_balance(pages: Sequence[Mapping[str, Any]]) -> BrokerBalance:
    """Join inquire-balance pages: holdings (sold-out rows with quantity 0 dropped) and cash from the last page."""
    if not pages:
        raise BrokerUnavailable("KIS balance answer has no pages")
    rows = [row for page in pages for row in page.get("output1") or []]
    holdings = tuple(h for h in (parse_holding(row) for row in rows) if h.quantity != 0)
    summary = pages[-1].get("output2") or []
    if isinstance(summary, list):  # output2 is a list of one object here (BROKERS.md §1.5)
        summary = summary[0] if summary else {}
    return BrokerBalance(
        holdings=holdings, cash=to_decimal(summary, "prvs_rcdl_excc_amt"), deposit=to_decimal(summary, "dnca_tot_amt"),
    )


def parse_quote(symbol: str, body: Mapping[str, Any]) -> BrokerQuote:
    """Turn an inquire-price answer into a quote; trust KIS's aspr_unit and limits over local tables."""
    output = body.get("output") or {}
    return BrokerQuote(
        symbol=symbol, price=to_decimal(output, "stck_prpr"), base_price=to_decimal(output, "stck_sdpr"),
        upper_limit=to_decimal(output, "stck_mxpr"), lower_limit=to_decimal(output, "stck_llam"),
        tick=to_decimal(output, "aspr_unit"),
    )
