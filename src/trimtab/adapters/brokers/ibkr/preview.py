"""IBKR's what-if orders: a plan's orders previewed (margin change, commission, warning), nothing placed.

`whatIfOrder` sends the order with `whatIf` set; IBKR answers with an OrderState whose margin and equity
figures are text in the account's base currency and whose commissions are floats (UNSET_DOUBLE when unknown).
They enter trimtab as Decimals of their text (convert.py). An order IBKR refuses to preview (an unknown
contract, a price off the grid …) comes back with its error code and text; a fractional quantity is refused
here, as IBKR refuses fractional equity orders over the socket API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ib_async import IB, Contract, LimitOrder, MarketOrder, Order, OrderState

from trimtab.adapters.brokers.ibkr import convert
from trimtab.adapters.brokers.ibkr.instruments import InstrumentBook
from trimtab.application.order_preview import OrderPreview
from trimtab.domain.errors import BrokerUnavailable, DomainError, OrderRejected
from trimtab.domain.orders import OrderIntent, OrderType, Side

FARM_MESSAGES = range(2100, 2200)  # market data farm notices, not errors


def what_if_order(intent: OrderIntent, ib_account: str, market_order_type: str) -> Order:
    """The order IBKR would get for a planned order (as `submit` sends it, without an orderRef)."""
    action = "BUY" if intent.side is Side.BUY else "SELL"
    quantity = convert.to_wire(intent.quantity, "quantity")
    if intent.order_type is OrderType.LIMIT and intent.limit_price is not None:
        return LimitOrder(action, quantity, convert.to_wire(intent.limit_price, "limit price"), account=ib_account,
                          tif="DAY")
    if market_order_type == "MOC":
        return Order(action=action, totalQuantity=quantity, orderType="MOC", account=ib_account, tif="DAY")
    return MarketOrder(action, quantity, account=ib_account, tif="DAY")


def preview_of(intent: OrderIntent, state: OrderState, margin_currency: str) -> OrderPreview:
    """IBKR's answer as trimtab's preview: every number the Decimal of its text, unset figures None."""
    return OrderPreview(
        intent.symbol, intent.side, intent.quantity, intent.order_type, intent.limit_price,
        margin_currency=margin_currency,
        initial_margin_change=convert.to_decimal(_number(state.initMarginChange)),
        maintenance_margin_change=convert.to_decimal(_number(state.maintMarginChange)),
        equity_with_loan_change=convert.to_decimal(_number(state.equityWithLoanChange)),
        initial_margin_after=convert.to_decimal(_number(state.initMarginAfter)),
        commission=convert.to_decimal(state.commission), min_commission=convert.to_decimal(state.minCommission),
        max_commission=convert.to_decimal(state.maxCommission), commission_currency=state.commissionCurrency,
        warning=state.warningText)


def _number(text: str) -> str | None:
    """A margin figure's text, None when IBKR left it empty or unset (its text of UNSET_DOUBLE)."""
    text = text.strip()
    if not text:
        return None
    try:
        if float(text) >= convert.UNSET_DOUBLE:
            return None
    except ValueError:
        return None
    return text


def _refused(intent: OrderIntent, error: str) -> OrderPreview:
    return OrderPreview(intent.symbol, intent.side, intent.quantity, intent.order_type, intent.limit_price,
                        error=error)


async def preview_orders(ib: IB, instruments: InstrumentBook, ib_account: str, intents: Sequence[OrderIntent], *,
                         market_order_type: str, timeout_seconds: float) -> list[OrderPreview]:
    """One what-if per order, one after another; refusals are previews with their error, not exceptions."""
    base = next((row.currency for (code, tag, _), row in ib.wrapper.acctSummary.items()
                 if code == ib_account and tag == "NetLiquidation"), "")
    previews: list[OrderPreview] = []
    for intent in intents:
        if intent.quantity != intent.quantity.to_integral_value() or intent.quantity <= 0:
            previews.append(_refused(intent, "[10243] IBKR takes whole shares only over the API"))
            continue
        try:
            order = what_if_order(intent, ib_account, market_order_type)
            contract = await instruments.contract(intent.symbol)
        except (OrderRejected, DomainError) as problem:
            previews.append(_refused(intent, str(problem)))
            continue
        state, errors = await _what_if(ib, contract, order, timeout_seconds)
        if state is not None:
            previews.append(preview_of(intent, state, base))
        elif errors:
            previews.append(_refused(intent, errors[-1]))
        else:
            raise BrokerUnavailable(f"IBKR did not preview the {intent.symbol} order in time")
    return previews


async def _what_if(ib: IB, contract: Contract, order: Order, timeout_seconds: float,
                   ) -> tuple[OrderState | None, list[str]]:
    """IBKR's OrderState for the order, or None with the errors it sent (none: no answer in time)."""
    errors: list[str] = []

    def on_error(req_id: int, code: int, text: str, contract: object) -> None:
        if req_id != -1 and code not in FARM_MESSAGES:
            errors.append(f"[{code}] {text}")

    ib.errorEvent += on_error
    try:
        state = await asyncio.wait_for(ib.whatIfOrderAsync(contract, order), timeout_seconds)
    except TimeoutError:
        return None, errors
    finally:
        ib.errorEvent -= on_error
    if isinstance(state, OrderState):
        return state, errors
    return None, errors or ["IBKR gave no preview"]
