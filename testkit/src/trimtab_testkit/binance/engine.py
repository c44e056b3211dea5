"""The local exchange's matching: orders checked against the filters and the money, filled on the clock.

Orders rest until the market price crosses their limit; then they fill in tranches of `fill_fraction` every
`fill_interval` seconds at the market price (partial fills), or at once. The exchange never moves prices by
itself: tests move them with `set_price`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from trimtab_testkit.binance.ledger import FuturesLedger, SpotLedger
from trimtab_testkit.binance.model import ZERO, ExchangeConfig, ExchangeError, FakeMarket, Order, Trade

# Binance's answers to filter failures, per market type: (code, message).
FILTER_ERRORS: dict[str, dict[str, tuple[int, str]]] = {
    "spot": {"lot": (-1013, "Filter failure: LOT_SIZE"), "tick": (-1013, "Filter failure: PRICE_FILTER"),
             "notional": (-1013, "Filter failure: NOTIONAL"), "duplicate": (-2010, "Duplicate order sent.")},
    "futures": {"lot": (-1111, "Precision is over the maximum defined for this asset."),
                "tick": (-4014, "Price not increased by tick size."),
                "notional": (-4164, "Order's notional must be no smaller than {notional} (unless you choose "
                                    "reduce only)."),
                "duplicate": (-4116, "ClientOrderId is duplicated.")},
}


def decimal_param(params: Mapping[str, str], name: str, *, required: bool = True) -> Decimal | None:
    """A number parameter as Binance reads it: plain digits with an optional fraction."""
    text = params.get(name)
    if text is None or text == "":
        if required:
            raise ExchangeError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value < 0 or "e" in text.lower():
        raise ExchangeError(-1100, f"Illegal characters found in parameter '{name}'; legal range is "
                                   "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.")
    return value


def required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise ExchangeError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")
    return value


class Exchange:
    """Both market types of one Binance account."""

    def __init__(self, config: ExchangeConfig) -> None:
        self.config = config
        self.spot = SpotLedger(config)
        self.futures = FuturesLedger(config)
        self.orders: list[Order] = []
        self.trades: list[Trade] = []
        self._order_ids = itertools.count(1_000_001)
        self._trade_ids = itertools.count(5_000_001)

    def now(self) -> float:
        return self.config.clock()

    def market(self, symbol: str) -> FakeMarket:
        market = self.config.market(symbol)
        if market is None:
            raise ExchangeError(-1121, "Invalid symbol.")
        return market

    def prices(self) -> dict[str, Decimal]:
        return {market.symbol: market.price for market in self.config.markets}

    def set_price(self, symbol: str, price: Decimal) -> None:
        self.market(symbol).price = price

    def open_orders(self, market_type: str, symbol: str | None = None) -> list[Order]:
        self.pump()
        return [o for o in self.orders
                if o.market_type == market_type and o.is_open and symbol in {None, o.symbol}]

    # -- placing -----------------------------------------------------------------------------------------------

    def place(self, market_type: str, params: Mapping[str, str]) -> Order:
        """Check and accept an order (POST /api/v3/order, POST /fapi/v1/order)."""
        self.pump()
        market = self.market(required(params, "symbol"))
        side, order_type = required(params, "side").upper(), required(params, "type").upper()
        if side not in {"BUY", "SELL"} or order_type not in {"LIMIT", "MARKET"}:
            raise ExchangeError(-1116, "Invalid orderType.") if side in {"BUY", "SELL"} else \
                ExchangeError(-1117, "Invalid side.")
        quantity = decimal_param(params, "quantity")
        assert quantity is not None  # noqa: S101 — required
        price = market.price
        if order_type == "LIMIT":
            required(params, "timeInForce")
            limit = decimal_param(params, "price")
            assert limit is not None  # noqa: S101 — required
            price = limit
        client_id = params.get("newClientOrderId") or f"auto-{next(self._order_ids)}"
        reduce_only = params.get("reduceOnly", "false").lower() == "true"
        errors = FILTER_ERRORS[market_type]
        if any(o.client_order_id == client_id and o.market_type == market_type for o in self.open_orders(market_type)):
            raise ExchangeError(*errors["duplicate"])
        self._check_filters(market, quantity, price, errors, exempt_notional=reduce_only)
        order = Order(market_type, next(self._order_ids), client_id, market.symbol, side, order_type, quantity,
                      price, params.get("timeInForce", "GTC"), reduce_only, self.now(), updated_at=self.now())
        if market_type == "spot":
            self.spot.reserve(order, market)
        else:
            self.futures.reserve(order, self.prices(), self.open_orders("futures"))
        self.orders.append(order)
        self.pump()
        return order

    @staticmethod
    def _check_filters(market: FakeMarket, quantity: Decimal, price: Decimal,
                       errors: dict[str, tuple[int, str]], *, exempt_notional: bool) -> None:
        if quantity < market.min_quantity or (quantity - market.min_quantity) % market.step_size != 0:
            raise ExchangeError(*errors["lot"])
        if price <= 0 or price % market.tick_size != 0:
            raise ExchangeError(*errors["tick"])
        if not exempt_notional and quantity * price < market.min_notional:
            code, message = errors["notional"]
            raise ExchangeError(code, message.format(notional=f"{market.min_notional.normalize():f}"))

    # -- finding and cancelling --------------------------------------------------------------------------------

    def find(self, market_type: str, params: Mapping[str, str]) -> Order:
        """The order named by orderId or origClientOrderId (the newest with that id), or -2013."""
        self.pump()
        symbol = self.market(required(params, "symbol")).symbol
        order_id, client_id = params.get("orderId"), params.get("origClientOrderId")
        if not order_id and not client_id:
            raise ExchangeError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
        for order in reversed(self.orders):
            if order.market_type != market_type or order.symbol != symbol:
                continue
            if (order_id and str(order.order_id) == order_id) or (client_id and order.client_order_id == client_id):
                return order
        raise ExchangeError(-2013, "Order does not exist.")

    def cancel(self, market_type: str, params: Mapping[str, str]) -> Order:
        """Cancel an open order (DELETE .../order); a closed or unknown one is -2011 Unknown order sent."""
        try:
            order = self.find(market_type, params)
        except ExchangeError as problem:
            if problem.code == -2013:
                raise ExchangeError(-2011, "Unknown order sent.") from None
            raise
        if not order.is_open:
            raise ExchangeError(-2011, "Unknown order sent.")
        self._close(order, "CANCELED")
        return order

    def _close(self, order: Order, status: str) -> None:
        if order.market_type == "spot":
            self.spot.release(order, self.market(order.symbol))
        order.status = status
        order.updated_at = self.now()

    # -- filling -----------------------------------------------------------------------------------------------

    def pump(self) -> None:
        """Fill what the clock and the prices allow since the last look."""
        now = self.now()
        for order in self.orders:
            if order.is_open and self._is_marketable(order):
                self._fill_up_to(order, self._due(order, now))

    def _is_marketable(self, order: Order) -> bool:
        price = self.market(order.symbol).price
        return order.order_type == "MARKET" or (price <= order.price if order.side == "BUY" else price >= order.price)

    def _due(self, order: Order, now: float) -> Decimal:
        interval = self.config.fill_interval
        if interval <= 0 or order.order_type == "MARKET":
            return order.quantity
        tranches = math.floor((now - order.placed_at) / interval)
        step = self.market(order.symbol).step_size
        due = (order.quantity * self.config.fill_fraction * tranches // step) * step
        return min(due, order.quantity)

    def _fill_up_to(self, order: Order, due: Decimal) -> None:
        quantity = due - order.executed
        if quantity <= 0:
            return
        market = self.market(order.symbol)
        price = market.price
        if order.market_type == "spot":
            commission, asset = self.spot.fill(order, market, quantity, price)
            realized = ZERO
        else:
            commission, realized = self.futures.fill(order, quantity, price, int(self.now() * 1000))
            asset = market.quote
        self.trades.append(Trade(order.market_type, next(self._trade_ids), order.order_id, order.symbol,
                                 order.side, price, quantity, commission, asset, realized, self.now()))
        order.executed += quantity
        order.quote_executed += quantity * price
        order.status = "FILLED" if order.executed == order.quantity else "PARTIALLY_FILLED"
        order.updated_at = self.now()
