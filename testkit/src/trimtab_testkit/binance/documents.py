"""The exchange's JSON documents, shaped as Binance sends them (spot: 8-decimal strings; futures: plain strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from trimtab_testkit.binance.model import ZERO, ExchangeConfig, FakeMarket, Order, Position, Trade


def spot_number(value: Decimal) -> str:
    return f"{value:.8f}"


def futures_number(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def ms(seconds: float) -> int:
    return int(seconds * 1000)


def _filters(market: FakeMarket, market_type: str) -> list[dict[str, Any]]:
    number = spot_number if market_type == "spot" else futures_number
    price = {"filterType": "PRICE_FILTER", "minPrice": number(market.tick_size), "maxPrice": number(Decimal(1_000_000)),
             "tickSize": number(market.tick_size)}
    lot = {"filterType": "LOT_SIZE", "minQty": number(market.min_quantity), "maxQty": number(Decimal(9_000)),
           "stepSize": number(market.step_size)}
    if market_type == "spot":
        notional = {"filterType": "NOTIONAL", "minNotional": number(market.min_notional), "applyMinToMarket": True,
                    "maxNotional": number(Decimal(9_000_000)), "applyMaxToMarket": False, "avgPriceMins": 5}
        return [price, lot, notional]
    return [price, lot, {**lot, "filterType": "MARKET_LOT_SIZE"}, {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MIN_NOTIONAL", "notional": number(market.min_notional)}]


def _precision(step: Decimal) -> int:
    return max(-step.normalize().as_tuple().exponent, 0)  # type: ignore[operator]


def exchange_info(config: ExchangeConfig, market_type: str, now: float) -> dict[str, Any]:
    """GET /api/v3/exchangeInfo or /fapi/v1/exchangeInfo."""
    symbols = []
    for market in config.markets:
        entry: dict[str, Any] = {"symbol": market.symbol, "status": "TRADING", "baseAsset": market.base,
                                 "quoteAsset": market.quote, "baseAssetPrecision": 8, "quotePrecision": 8,
                                 "filters": _filters(market, market_type),
                                 "orderTypes": ["LIMIT", "MARKET"]}
        if market_type == "spot":
            entry.update(quoteAssetPrecision=8, baseCommissionPrecision=8, quoteCommissionPrecision=8,
                         icebergAllowed=False, ocoAllowed=False, isSpotTradingAllowed=True,
                         isMarginTradingAllowed=False, permissions=["SPOT"], permissionSets=[["SPOT"]])
        else:
            entry.update(pair=market.symbol, contractType="PERPETUAL", deliveryDate=4133404800000,
                         onboardDate=1569398400000, marginAsset=market.quote, underlyingType="COIN",
                         pricePrecision=_precision(market.tick_size), quantityPrecision=_precision(market.step_size),
                         timeInForce=["GTC", "IOC", "FOK", "GTX"], liquidationFee="0.012500",
                         marketTakeBound="0.05", settlePlan=0, triggerProtect="0.0500")
        symbols.append(entry)
    limits = [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": config.weight_limit}]
    return {"timezone": "UTC", "serverTime": ms(now), "rateLimits": limits, "exchangeFilters": [], "symbols": symbols}


def spot_order(order: Order, *, full: bool = False, trades: list[Trade] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "symbol": order.symbol, "orderId": order.order_id, "orderListId": -1, "clientOrderId": order.client_order_id,
        "price": spot_number(order.price if order.order_type == "LIMIT" else ZERO),
        "origQty": spot_number(order.quantity), "executedQty": spot_number(order.executed),
        "cummulativeQuoteQty": spot_number(order.quote_executed), "status": order.status,
        "timeInForce": order.time_in_force, "type": order.order_type, "side": order.side,
        "time": ms(order.placed_at), "updateTime": ms(order.updated_at), "workingTime": ms(order.placed_at),
        "isWorking": True, "origQuoteOrderQty": spot_number(ZERO), "selfTradePreventionMode": "EXPIRE_MAKER",
    }
    if full:
        document["transactTime"] = ms(order.updated_at)
        document["fills"] = [{"price": spot_number(t.price), "qty": spot_number(t.quantity),
                              "commission": spot_number(t.commission), "commissionAsset": t.commission_asset,
                              "tradeId": t.trade_id} for t in trades or []]
    return document


def futures_order(order: Order) -> dict[str, Any]:
    average = order.quote_executed / order.executed if order.executed else ZERO
    return {
        "orderId": order.order_id, "symbol": order.symbol, "status": order.status,
        "clientOrderId": order.client_order_id, "price": futures_number(order.price if order.order_type == "LIMIT"
                                                                        else ZERO),
        "avgPrice": futures_number(average), "origQty": futures_number(order.quantity),
        "executedQty": futures_number(order.executed), "cumQuote": futures_number(order.quote_executed),
        "timeInForce": order.time_in_force, "type": order.order_type, "reduceOnly": order.reduce_only,
        "closePosition": False, "side": order.side, "positionSide": "BOTH", "stopPrice": "0",
        "workingType": "CONTRACT_PRICE", "priceProtect": False, "origType": order.order_type,
        "priceMatch": "NONE", "selfTradePreventionMode": "EXPIRE_MAKER", "goodTillDate": 0,
        "time": ms(order.placed_at), "updateTime": ms(order.updated_at),
    }


def spot_trade(trade: Trade) -> dict[str, Any]:
    return {"symbol": trade.symbol, "id": trade.trade_id, "orderId": trade.order_id, "orderListId": -1,
            "price": spot_number(trade.price), "qty": spot_number(trade.quantity),
            "quoteQty": spot_number(trade.price * trade.quantity), "commission": spot_number(trade.commission),
            "commissionAsset": trade.commission_asset, "time": ms(trade.time), "isBuyer": trade.side == "BUY",
            "isMaker": False, "isBestMatch": True}


def futures_trade(trade: Trade) -> dict[str, Any]:
    return {"symbol": trade.symbol, "id": trade.trade_id, "orderId": trade.order_id, "side": trade.side,
            "price": futures_number(trade.price), "qty": futures_number(trade.quantity),
            "realizedPnl": futures_number(trade.realized_pnl), "quoteQty": futures_number(trade.price * trade.quantity),
            "commission": futures_number(trade.commission), "commissionAsset": trade.commission_asset,
            "time": ms(trade.time), "positionSide": "BOTH", "buyer": trade.side == "BUY", "maker": False}


def position_risk(symbol: str, position: Position, mark: Decimal) -> dict[str, Any]:
    """One row of GET /fapi/v2/positionRisk (leverage 1, cross margin, one-way mode)."""
    return {"symbol": symbol, "positionAmt": futures_number(position.amount),
            "entryPrice": futures_number(position.entry_price), "breakEvenPrice": futures_number(position.entry_price),
            "markPrice": futures_number(mark), "unRealizedProfit": futures_number((mark - position.entry_price)
                                                                                  * position.amount),
            "liquidationPrice": "0", "leverage": "1", "maxNotionalValue": "1000000", "marginType": "cross",
            "isolatedMargin": "0", "isAutoAddMargin": "false", "positionSide": "BOTH",
            "notional": futures_number(mark * position.amount), "isolatedWallet": "0",
            "updateTime": position.update_time}
