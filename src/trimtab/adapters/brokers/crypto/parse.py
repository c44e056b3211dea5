"""Exchange JSON → trimtab's values (pure: no IO). Numbers enter as the Decimal of their text, never a float."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from trimtab.adapters.brokers.crypto.venues import MarketType
from trimtab.domain.execution import Fill, OrderReport, OrderStatus
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import Side

STATUSES = {"NEW": OrderStatus.ACCEPTED, "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
            "FILLED": OrderStatus.FILLED, "CANCELED": OrderStatus.CANCELLED,
            "PENDING_CANCEL": OrderStatus.PENDING_CANCEL,
            "REJECTED": OrderStatus.REJECTED, "EXPIRED": OrderStatus.EXPIRED, "EXPIRED_IN_MATCH": OrderStatus.EXPIRED}
# Binance's newClientOrderId: up to 36 of these characters.
_CLIENT_ID = re.compile(r"[.A-Za-z0-9:/_-]{1,36}")


@dataclass(frozen=True, slots=True)
class CryptoMarket:
    """One tradable pair as trimtab sees it: its symbol (BTC/USDT), the exchange's id and its filters."""

    symbol: str  # trimtab's symbol: BASE/QUOTE on both market types
    exchange_id: str  # BTCUSDT
    ccxt_symbol: str  # BTC/USDT (spot) or BTC/USDT:USDT (USDT-margined futures)
    base: str
    quote: str
    tick_size: Decimal  # PRICE_FILTER tickSize
    step_size: Decimal  # LOT_SIZE stepSize
    min_quantity: Decimal  # LOT_SIZE minQty
    min_notional: Decimal  # NOTIONAL / MIN_NOTIONAL

    @property
    def instrument(self) -> Instrument:
        return Instrument(self.symbol, Market.CRYPTO, InstrumentType.CRYPTO, self.quote, lot_size=self.step_size,
                          tick_size=self.tick_size, name=self.exchange_id)


def number(value: object) -> Decimal:
    """A number the exchange sent as text (an int is taken as it is; a float never)."""
    if isinstance(value, float):
        raise TypeError("a float reached the crypto adapter")
    return Decimal(str(value)) if value not in (None, "") else ZERO


def market_of(ccxt_market: Mapping[str, Any]) -> CryptoMarket | None:
    """A ccxt market as a CryptoMarket, from the raw filters in its `info` (None when not trading)."""
    info = ccxt_market["info"]
    if info.get("status", "TRADING") != "TRADING":
        return None
    filters = {item["filterType"]: item for item in info.get("filters", [])}
    price, lot = filters.get("PRICE_FILTER", {}), filters.get("LOT_SIZE", {})
    notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
    minimum = notional.get("minNotional", notional.get("notional", "0"))
    base, quote = str(info["baseAsset"]), str(info["quoteAsset"])
    return CryptoMarket(f"{base}/{quote}", str(info["symbol"]), str(ccxt_market["symbol"]), base, quote,
                        number(price.get("tickSize")).normalize(), number(lot.get("stepSize")).normalize(),
                        number(lot.get("minQty")), number(minimum))


def market_type_of(symbol: str) -> MarketType:
    """The market of a ccxt unified symbol: a settle currency after ':' (BTC/USDT:USDT) is USDT-margined futures,
    BTC/USDT is spot."""
    return "futures" if ":" in symbol else "spot"


def exchange_client_id(client_order_id: str) -> str:
    """The newClientOrderId of a trimtab order: itself when Binance accepts it, else a stable 35-character digest."""
    if _CLIENT_ID.fullmatch(client_order_id):
        return client_order_id
    return "tt-" + hashlib.sha256(client_order_id.encode()).hexdigest()[:32]


def instant(milliseconds: object) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(str(milliseconds)) / 1000, dt.UTC)


def report_of(order: Mapping[str, Any], client_order_id: str, symbol: str) -> OrderReport:
    """An order document (spot or futures) as trimtab's report."""
    filled = number(order.get("executedQty"))
    quote = number(order.get("cummulativeQuoteQty", order.get("cumQuote")))
    limit = number(order.get("price"))
    return OrderReport(client_order_id, str(order["orderId"]), symbol, Side(str(order["side"])),
                       number(order["origQty"]), limit if order.get("type") == "LIMIT" else None,
                       STATUSES.get(str(order["status"]), OrderStatus.ACCEPTED), filled,
                       (quote / filled) if filled else None)


def fill_of(trade: Mapping[str, Any], client_order_id: str, market: CryptoMarket) -> Fill:
    """One trade of an order as a fill; the commission in the quote currency (a base-asset fee at the price)."""
    price, quantity = number(trade["price"]), number(trade["qty"])
    commission = number(trade.get("commission"))
    asset = trade.get("commissionAsset")
    if asset == market.base:
        commission *= price
    elif asset not in (market.quote, None):
        commission = ZERO  # paid in another asset (BNB): not in this account's currency
    buyer = trade.get("isBuyer", trade.get("buyer"))
    side = Side.BUY if buyer is True or trade.get("side") == "BUY" else Side.SELL
    return Fill(f"{market.exchange_id}-{trade['id']}", client_order_id, market.symbol, side, quantity, price,
                commission, ZERO, instant(trade["time"]))
