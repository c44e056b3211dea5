"""Reading a placeOrder message (server version 178, no combo legs) into the fields the gateway acts on."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trimtab_testkit.ibgw.wire import decimal, integer

UNSET_DOUBLE = 1.7976931348623157e308


@dataclass(frozen=True, slots=True)
class ContractRef:
    """A request's contract: any of conId, symbol (with currency) or ISIN identifies it."""

    con_id: int
    symbol: str
    sec_type: str
    currency: str
    sec_id_type: str = ""
    sec_id: str = ""


def contract_ref(fields: list[str], at: int) -> ContractRef:
    """The 12 contract fields from `at`: conId, symbol, secType, …, exchange, primaryExchange, currency, …"""
    return ContractRef(integer(fields[at]), fields[at + 1], fields[at + 2], fields[at + 9])


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    order_id: int
    contract: ContractRef
    action: str
    quantity: Decimal
    order_type: str
    limit: Decimal | None
    tif: str
    account: str
    order_ref: str
    what_if: bool


class _Cursor:
    def __init__(self, fields: list[str], at: int) -> None:
        self.fields = fields
        self.at = at

    def take(self, count: int = 1) -> list[str]:
        taken = self.fields[self.at:self.at + count]
        if len(taken) < count:
            raise ValueError("placeOrder message too short")
        self.at += count
        return taken

    def one(self) -> str:
        return self.take()[0]


def _what_if(fields: list[str]) -> bool:
    """Walk the variable part of placeOrder to its whatIf flag, as ib_async's client.placeOrder lays it out."""
    cursor = _Cursor(fields, 35)
    cursor.take(8)  # "", discretionaryAmt, goodAfterTime, goodTillDate, faGroup, faMethod, faPercentage, modelCode
    rest = cursor.take(23)  # shortSaleSlot .. deltaNeutralAuxPrice
    if rest[21]:  # deltaNeutralOrderType
        cursor.take(8)
    scale = cursor.take(7)  # continuousUpdate .. scalePriceIncrement
    increment = float(scale[6] or 0)
    if 0 < increment < UNSET_DOUBLE:
        cursor.take(7)
    hedge = cursor.take(4)[3]  # scaleTable, activeStartTime, activeStopTime, hedgeType
    if hedge:
        cursor.take(1)
    cursor.take(4)  # optOutSmartRouting, clearingAccount, clearingIntent, notHeld
    if cursor.one() == "1":  # deltaNeutralContract
        cursor.take(3)
    if cursor.one():  # algoStrategy
        cursor.take(2 * int(cursor.one()))
    cursor.take(1)  # algoId
    return cursor.one() == "1"


def parse_place_order(fields: list[str]) -> PlaceOrder:
    """The placeOrder message's order (fields[0] is 3)."""
    ref = contract_ref(fields, 2)
    contract = ContractRef(ref.con_id, ref.symbol, ref.sec_type, ref.currency, fields[14], fields[15])
    if contract.sec_type == "BAG":
        raise ValueError("combo orders are not served")
    quantity = decimal(fields[17]) or Decimal(0)
    return PlaceOrder(
        order_id=int(fields[1]), contract=contract, action=fields[16], quantity=quantity, order_type=fields[18],
        limit=decimal(fields[19]), tif=fields[21], account=fields[23], order_ref=fields[26],
        what_if=_what_if(fields),
    )
