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


@dataclass(frozen=True, slots=True)
class KisOrderRow:
    """One row of inquire-daily-ccld output1: an order with its cumulative fills."""

    order_date: str
    branch: str
    order_number: str
    original_order_number: str
    side_code: str  # 01 sell, 02 buy
    symbol: str
    quantity: Decimal
    price: Decimal
    order_time: str
    filled_quantity: Decimal
    filled_amount: Decimal
    cancelled_quantity: Decimal
    remaining: Decimal
    rejected_quantity: Decimal
    order_type_code: str

    @property
    def is_cancel_row(self) -> bool:
        """A revise/cancel request shows up as its own row pointing at the original order."""
        return bool(self.original_order_number.strip("0 "))


def normalise_order_number(text: str) -> str:
    """An order number in one form, KIS's 10 zero-padded digits: answers may strip the zeros or pad with spaces
    (BROKERS.md §1.8.9), and numbers are compared, claimed and stored only in this form."""
    digits = text.strip()
    if not digits.isdigit():
        return digits
    return digits.lstrip("0").zfill(10)


def lower_keys(row: Mapping[str, Any]) -> dict[str, Any]:
    """KIS spells some keys in mixed case (excg_id_dvsn_Cd, ODNO): read them case-insensitively."""
    return {str(key).lower(): value for key, value in row.items()}


def _text(row: Mapping[str, Any], key: str) -> str:
    return str(row.get(key, "") or "").strip()


def _number(row: Mapping[str, Any], key: str) -> Decimal:
    """A number that may be blank (0 then), unlike to_decimal which refuses blanks."""
    return to_decimal(row, key) if _text(row, key) else Decimal(0)


def parse_order_row(raw: Mapping[str, Any]) -> KisOrderRow:
    """Turn one inquire-daily-ccld output1 row into a KisOrderRow."""
    row = lower_keys(raw)
    return KisOrderRow(
        order_date=_text(row, "ord_dt"), branch=_text(row, "ord_gno_brno"),
        order_number=normalise_order_number(_text(row, "odno")),
        original_order_number=_original_number(_text(row, "orgn_odno")), side_code=_text(row, "sll_buy_dvsn_cd"),
        symbol=_text(row, "pdno"), quantity=to_decimal(row, "ord_qty"), price=_number(row, "ord_unpr"),
        order_time=_text(row, "ord_tmd"), filled_quantity=_number(row, "tot_ccld_qty"),
        filled_amount=_number(row, "tot_ccld_amt"), cancelled_quantity=_number(row, "cnc_cfrm_qty"),
        remaining=_number(row, "rmn_qty"), rejected_quantity=_number(row, "rjct_qty"),
        order_type_code=_text(row, "ord_dvsn_cd"),
    )


def _original_number(text: str) -> str:
    """orgn_odno: blank (or all zeros) on an order's own row, the original's number on a cancel row."""
    return normalise_order_number(text) if text.strip("0 ") else ""


def parse_order_rows(pages: Sequence[Mapping[str, Any]]) -> list[KisOrderRow]:
    """Every order row of every inquire-daily-ccld page."""
    return [parse_order_row(row) for page in pages for row in page.get("output1") or []]


@dataclass(frozen=True, slots=True)
class KisOrderTotals:
    """inquire-daily-ccld output2: ordered, filled quantity and amount, and KIS's cost estimate (None if blank)."""

    ordered: Decimal
    filled_quantity: Decimal
    filled_amount: Decimal
    costs: Decimal | None


def parse_order_totals(pages: Sequence[Mapping[str, Any]]) -> KisOrderTotals | None:
    """output2 of the last page (it sums every page's rows), when KIS gives one."""
    if not pages:
        return None
    summary = pages[-1].get("output2") or {}
    if isinstance(summary, list):
        summary = summary[0] if summary else {}
    row = lower_keys(summary)
    if not row:
        return None
    costs = to_decimal(row, "prsm_tlex_smtl") if _text(row, "prsm_tlex_smtl") else None
    return KisOrderTotals(_number(row, "tot_ord_qty"), _number(row, "tot_ccld_qty"), _number(row, "tot_ccld_amt"),
                          costs)


@dataclass(frozen=True, slots=True)
class KisOrderAck:
    """What order-cash and order-rvsecncl answer: the branch (org) number, the order number, the time."""

    branch: str
    order_number: str
    order_time: str


def parse_order_ack(body: Mapping[str, Any]) -> KisOrderAck:
    """Read an order acknowledgement (keys case-insensitively, BROKERS.md §1.5)."""
    output = lower_keys(body.get("output") or {})
    number = normalise_order_number(_text(output, "odno"))
    if not number:
        raise BrokerUnavailable("KIS accepted an order without an order number (ODNO)")
    return KisOrderAck(_text(output, "krx_fwdg_ord_orgno"), number, _text(output, "ord_tmd"))


def parse_orderable_cash(body: Mapping[str, Any]) -> Decimal:
    """inquire-psbl-order: the cash orders may use now (ord_psbl_cash)."""
    return to_decimal(lower_keys(body.get("output") or {}), "ord_psbl_cash")
