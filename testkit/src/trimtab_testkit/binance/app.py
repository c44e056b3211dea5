"""The local Binance as a Starlette app: spot under /api/v3, USDT-margined futures under /fapi.

`make_local_exchange(config)` returns the app and its `Exchange` (state) and `Gateway` (doors, request log,
faults). Only the endpoints trimtab's adapter uses are served; others answer 404 as Binance does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from trimtab_testkit.binance import documents as docs
from trimtab_testkit.binance.engine import Exchange
from trimtab_testkit.binance.gateway import Gateway
from trimtab_testkit.binance.model import ZERO, ExchangeConfig, ExchangeError, Order

Handler = Callable[[dict[str, str]], Any]


@dataclass
class LocalExchange:
    app: Starlette
    exchange: Exchange
    gateway: Gateway


def make_local_exchange(config: ExchangeConfig,
                        on_order: Callable[[Order], None] | None = None) -> LocalExchange:
    """Build the app; `on_order` is called after each order is accepted, before the answer is sent."""
    exchange, gateway = Exchange(config), Gateway(config)
    routes: list[Route] = []

    def add(method: str, path: str, weight: int, handler: Handler, *, signed: bool = True,
            unsymbolled_weight: int | None = None) -> None:
        async def endpoint(request: Request) -> JSONResponse:
            return await _answer(request, gateway, exchange, weight, unsymbolled_weight, handler, signed=signed)
        routes.append(Route(path, endpoint, methods=[method]))

    _market_routes(add, exchange, "spot", on_order)
    _market_routes(add, exchange, "futures", on_order)
    add("GET", "/api/v3/account", 20, lambda _p: _spot_account(exchange))
    add("GET", "/fapi/v3/account", 5, lambda _p: _futures_account(exchange))
    add("GET", "/fapi/v2/positionRisk", 5, lambda p: _positions(exchange, p.get("symbol")))
    add("GET", "/fapi/v3/positionRisk", 5, lambda p: _positions(exchange, p.get("symbol")))
    return LocalExchange(Starlette(routes=routes), exchange, gateway)


def _market_routes(add: Callable[..., None], exchange: Exchange, kind: str,
                   on_order: Callable[[Order], None] | None) -> None:
    """The endpoints both market types share, under /api/v3 (spot) or /fapi/v1 (futures), with their weights."""
    spot = kind == "spot"
    root = "/api/v3" if spot else "/fapi/v1"
    order_doc = docs.spot_order if spot else docs.futures_order
    trade_doc = docs.spot_trade if spot else docs.futures_trade
    number = docs.spot_number if spot else docs.futures_number
    now = exchange.now

    def placed(params: dict[str, str]) -> dict[str, Any]:
        order = exchange.place(kind, params)
        if on_order is not None:
            on_order(order)
        if not spot:
            return docs.futures_order(order)
        trades = [t for t in exchange.trades if t.order_id == order.order_id]
        return docs.spot_order(order, full=params.get("newOrderRespType", "FULL") == "FULL", trades=trades)

    def open_orders(params: dict[str, str]) -> list[Any]:
        symbol = exchange.market(params["symbol"]).symbol if params.get("symbol") else None
        return [order_doc(o) for o in exchange.open_orders(kind, symbol)]

    def all_orders(params: dict[str, str]) -> list[Any]:
        symbol = exchange.market(params.get("symbol", "")).symbol
        exchange.pump()
        return [order_doc(o) for o in exchange.orders if o.market_type == kind and o.symbol == symbol]

    def trades_of(params: dict[str, str]) -> list[Any]:
        symbol = exchange.market(params.get("symbol", "")).symbol
        exchange.pump()
        order_id = params.get("orderId")
        return [trade_doc(t) for t in exchange.trades if t.market_type == kind and t.symbol == symbol
                and (not order_id or str(t.order_id) == order_id)]

    def price_of(params: dict[str, str]) -> Any:
        stamp = {} if spot else {"time": docs.ms(now())}
        rows = [{"symbol": m.symbol, "price": number(m.price), **stamp} for m in exchange.config.markets]
        if params.get("symbol"):
            symbol = exchange.market(params["symbol"]).symbol
            return next(row for row in rows if row["symbol"] == symbol)
        return rows

    add("GET", f"{root}/ping", 1, lambda _p: {}, signed=False)
    add("GET", f"{root}/time", 1, lambda _p: {"serverTime": docs.ms(now())}, signed=False)
    add("GET", f"{root}/exchangeInfo", 20 if spot else 1,
        lambda _p: docs.exchange_info(exchange.config, kind, now()), signed=False)
    add("GET", f"{root}/ticker/price", 2 if spot else 1, price_of, signed=False, unsymbolled_weight=4 if spot else 2)
    add("POST", f"{root}/order", 1, placed)
    add("GET", f"{root}/order", 4 if spot else 1, lambda p: order_doc(exchange.find(kind, p)))
    add("DELETE", f"{root}/order", 1, lambda p: order_doc(exchange.cancel(kind, p)))
    add("GET", f"{root}/openOrders", 6 if spot else 1, open_orders, unsymbolled_weight=80 if spot else 40)
    add("GET", f"{root}/allOrders", 20 if spot else 5, all_orders)
    add("GET", f"{root}{'/myTrades' if spot else '/userTrades'}", 20 if spot else 5, trades_of)


async def _answer(request: Request, gateway: Gateway, exchange: Exchange, weight: int,
                  unsymbolled_weight: int | None, handler: Handler, *, signed: bool) -> JSONResponse:
    body = (await request.body()).decode()
    payload = "&".join(part for part in (request.url.query, body) if part)
    headers = {}
    try:
        params = dict(request.query_params.items())
        heavy = unsymbolled_weight if unsymbolled_weight and "symbol" not in payload else weight
        headers = {"X-MBX-USED-WEIGHT-1M": str(gateway.weigh(heavy, request.url.path))}
        fault = gateway.injected(request.url.path)
        if fault is not None:
            raise fault
        if signed:
            params = gateway.authenticate(request.headers.get("X-MBX-APIKEY"), payload)
        gateway.requests.append((request.method, request.url.path, params))
        return JSONResponse(handler(params), headers=headers)
    except ExchangeError as problem:
        if problem.code == -1003:
            headers["Retry-After"] = str(gateway.retry_after())
        return JSONResponse({"code": problem.code, "msg": problem.message}, status_code=problem.status,
                            headers=headers)


def _spot_account(exchange: Exchange) -> dict[str, Any]:
    exchange.pump()
    balances = [{"asset": asset, "free": docs.spot_number(b.free), "locked": docs.spot_number(b.locked)}
                for asset, b in exchange.spot.balances.items()]
    return {"makerCommission": 10, "takerCommission": 10, "buyerCommission": 0, "sellerCommission": 0,
            "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
            "requireSelfTradePrevention": False, "preventSor": False, "updateTime": docs.ms(exchange.now()),
            "accountType": "SPOT", "balances": balances, "permissions": ["SPOT"], "uid": 354937868}


def _futures_account(exchange: Exchange) -> dict[str, Any]:
    exchange.pump()
    prices, ledger = exchange.prices(), exchange.futures
    open_orders = exchange.open_orders("futures")
    unrealized = ledger.unrealized(prices)
    margin = ledger.initial_margin(prices, open_orders)
    available = ledger.available(prices, open_orders)
    n = docs.futures_number
    asset = {"asset": "USDT", "walletBalance": n(ledger.wallet), "unrealizedProfit": n(unrealized),
             "marginBalance": n(ledger.wallet + unrealized), "maintMargin": "0", "initialMargin": n(margin),
             "positionInitialMargin": n(margin), "openOrderInitialMargin": "0",
             "crossWalletBalance": n(ledger.wallet), "crossUnPnl": n(unrealized), "availableBalance": n(available),
             "maxWithdrawAmount": n(max(available, ZERO)), "updateTime": docs.ms(exchange.now())}
    positions = [{"symbol": s, "positionSide": "BOTH", "positionAmt": n(p.amount),
                  "unrealizedProfit": n((prices[s] - p.entry_price) * p.amount), "isolatedMargin": "0",
                  "notional": n(prices[s] * p.amount), "isolatedWallet": "0",
                  "initialMargin": n(abs(prices[s] * p.amount)),
                  "maintMargin": "0", "updateTime": p.update_time}
                 for s, p in ledger.positions.items() if p.amount]
    return {"totalInitialMargin": n(margin), "totalMaintMargin": "0", "totalWalletBalance": n(ledger.wallet),
            "totalUnrealizedProfit": n(unrealized), "totalMarginBalance": n(ledger.wallet + unrealized),
            "availableBalance": n(available), "maxWithdrawAmount": n(max(available, ZERO)),
            "assets": [asset], "positions": positions}


def _positions(exchange: Exchange, symbol: str | None) -> list[dict[str, Any]]:
    exchange.pump()
    prices = exchange.prices()
    return [docs.position_risk(s, p, prices[s]) for s, p in exchange.futures.positions.items()
            if symbol in {None, s}]

