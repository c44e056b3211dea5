"""CryptoBroker: trimtab's BrokerPort over one exchange account of one market type (spot or USDT-margined futures).

Every order carries trimtab's client order id to the exchange as `newClientOrderId` (a stable digest when the id
is longer than Binance's 36 characters), and the order book records it with the symbol before it is sent: the
exchange needs the symbol to find an order, and after a crash the adapter asks the exchange for that id before
sending anything, so a resumed or retried run adopts the order instead of sending it twice.

Quantities and prices go out as the text of ccxt's amount_to_precision / price_to_precision, and only when that
text equals the request: an order off the lot step or the tick, or under the minimum quantity or notional of the
exchange's filters, is rejected here (LOT_SIZE, PRICE_FILTER, NOTIONAL) without being sent. Futures are one-way,
long only: sells are reduce-only, so they close and never open a short.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trimtab.adapters.brokers.crypto import parse
from trimtab.adapters.brokers.crypto.client import CryptoClient, ExchangeRefused
from trimtab.adapters.brokers.crypto.parse import CryptoMarket
from trimtab.adapters.brokers.crypto.venues import CANCEL_REFUSED, DUPLICATE, UNKNOWN_ORDER, MarketType
from trimtab.application.market_balances import MarketBalance
from trimtab.application.ports import BrokerOrderBook, BrokerOrderRecord, Clock
from trimtab.domain.errors import InvalidInput, OrderRejected
from trimtab.domain.execution import Fill, OrderReport, OrderRequest, OrderStatus
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.snapshot import AccountSnapshot, CostSettings, Holding, Quote
from trimtab.domain.strategies import MarketType as StrategyMarket

logger = logging.getLogger(__name__)
BROKER = "crypto"


@dataclass(frozen=True, slots=True)
class CryptoBrokerConfig:
    """One exchange account of one market type as a trimtab account."""

    account_id: str
    market_type: MarketType = "spot"
    currency: str = "USDT"  # the quote currency trimtab plans in
    is_live: bool = False  # the live exchange (not its testnet, nor a local one): real money
    qualified_symbols: bool = False  # symbols as ccxt's unified ones (BTC/USDT:USDT): an account on both markets
    costs: CostSettings = field(default_factory=lambda: CostSettings(Decimal("0.001")))


class CryptoBroker:
    """BrokerPort over ccxt for one account; see the module docstring for what is guaranteed."""

    def __init__(self, client: CryptoClient, book: BrokerOrderBook, config: CryptoBrokerConfig, clock: Clock) -> None:
        self.client = client
        self.book = book
        self.config = config
        self._clock = clock
        self._venue = client.venue
        self._markets: dict[str, CryptoMarket] | None = None
        self._local: dict[str, OrderReport] = {}  # refused here, never sent
        self._traded: set[str] = set()  # symbols with orders seen by this broker

    def __repr__(self) -> str:
        return f"CryptoBroker(account_id={self.config.account_id!r}, market_type={self.config.market_type!r})"

    @property
    def is_live(self) -> bool:
        return self.config.is_live

    async def aclose(self) -> None:
        await self.client.aclose()

    def _check(self, account_id: str) -> None:
        if account_id != self.config.account_id:
            raise InvalidInput(f"this crypto broker serves {self.config.account_id}", field="account_id",
                               value=account_id)

    async def markets(self) -> dict[str, CryptoMarket]:
        """The exchange's trading pairs quoted in the account's currency, by trimtab symbol."""
        if self._markets is None:
            loaded = (parse.market_of(m) for m in (await self.client.markets()).values())
            found = [m for m in loaded if m is not None and m.quote == self.config.currency]
            if self.config.qualified_symbols:
                found = [dataclasses.replace(m, symbol=m.ccxt_symbol) for m in found]
            self._markets = {m.symbol: m for m in found}
        return self._markets

    async def _market(self, symbol: str) -> CryptoMarket:
        market = (await self.markets()).get(symbol)
        if market is None:
            raise InvalidInput(f"no {self.config.market_type} market quoted in {self.config.currency}",
                               where=f"account '{self.config.account_id}'", field="symbol", value=symbol)
        return market

    # -- snapshot ---------------------------------------------------------------------------------------------

    async def get_snapshot(self, account_id: str, symbols: Sequence[str]) -> AccountSnapshot:
        """Holdings (spot balances or futures positions), orderable cash and quantities, and last prices."""
        self._check(account_id)
        markets = await self.markets()
        if self.config.market_type == "spot":
            cash, held, orderable = await self._spot_balances(markets)
        else:
            cash, held, orderable = await self._futures_balances(markets)
        for symbol in symbols:
            await self._market(symbol)
        wanted = list(dict.fromkeys([*held, *symbols]))
        prices = {row["symbol"]: parse.number(row["price"]) for row in await self.client.call(self._venue.prices)}
        quotes = {s: Quote(markets[s].instrument, prices[markets[s].exchange_id]) for s in wanted}
        holdings = tuple(Holding(quotes[s], quantity, orderable.get(s, ZERO)) for s, quantity in held.items())
        return AccountSnapshot(account_id=account_id, currency=self.config.currency, cash=cash, holdings=holdings,
                               quotes=quotes, as_of=self._clock.now().astimezone(dt.UTC).date(),
                               costs=self.config.costs)

    async def get_equity(self, account_id: str) -> Decimal:
        """The market type's equity in the account's currency (see `market_balance`)."""
        self._check(account_id)
        return (await self.market_balance()).equity

    async def equity_by_market_type(self, account_id: str) -> dict[StrategyMarket, MarketBalance]:
        """The account's one market type with its live equity and free cash."""
        self._check(account_id)
        return {StrategyMarket(self.config.market_type): await self.market_balance()}

    async def get_market_snapshot(self, account_id: str, market_type: StrategyMarket,
                                  symbols: Sequence[str]) -> AccountSnapshot:
        """The snapshot, when the account trades that market type."""
        if market_type.value != self.config.market_type:
            raise InvalidInput(f"this crypto account trades {self.config.market_type} only",
                               where=f"account '{self.config.account_id}'", field="market_type",
                               value=market_type.value)
        return await self.get_snapshot(account_id, symbols)

    async def market_balance(self) -> MarketBalance:
        """Spot: every balance of the quote currency and of the base assets at their last price (open orders
        included), and the quote currency's free balance. Futures: the margin balance (wallet + unrealised PnL) and
        the available balance."""
        markets = await self.markets()
        account = await self.client.call(self._venue.account)
        if self.config.market_type == "futures":
            asset = {row["asset"]: row for row in account.get("assets", [])}.get(self.config.currency, {})
            return MarketBalance(parse.number(asset.get("marginBalance")), parse.number(asset.get("availableBalance")))
        balances = {row["asset"]: (parse.number(row["free"]), parse.number(row["locked"]))
                    for row in account["balances"]}
        totals = {asset: free + locked for asset, (free, locked) in balances.items()}
        prices = {row["symbol"]: parse.number(row["price"]) for row in await self.client.call(self._venue.prices)}
        held = (totals.get(m.base, ZERO) * prices[m.exchange_id] for m in markets.values() if totals.get(m.base))
        return MarketBalance(totals.get(self.config.currency, ZERO) + sum(held, ZERO),
                             balances.get(self.config.currency, (ZERO, ZERO))[0])

    async def _spot_balances(self, markets: dict[str, CryptoMarket],
                             ) -> tuple[Decimal, dict[str, Decimal], dict[str, Decimal]]:
        """Free cash of the quote currency; each base asset with a market: free + locked, and free as orderable."""
        account = await self.client.call(self._venue.account)
        by_asset = {row["asset"]: (parse.number(row["free"]), parse.number(row["locked"]))
                    for row in account["balances"]}
        cash = by_asset.get(self.config.currency, (ZERO, ZERO))[0]
        held, orderable = {}, {}
        for symbol, market in markets.items():
            free, locked = by_asset.get(market.base, (ZERO, ZERO))
            if free + locked > 0:
                held[symbol], orderable[symbol] = free + locked, free
        return cash, held, orderable

    async def _futures_balances(self, markets: dict[str, CryptoMarket],
                                ) -> tuple[Decimal, dict[str, Decimal], dict[str, Decimal]]:
        """Available balance as cash; long positions as holdings, less open reduce-only sells as orderable."""
        account = await self.client.call(self._venue.account)
        assets = {row["asset"]: row for row in account.get("assets", [])}
        cash = parse.number(assets.get(self.config.currency, {}).get("availableBalance"))
        by_id = {m.exchange_id: m for m in markets.values()}
        held: dict[str, Decimal] = {}
        for row in await self.client.call(self._venue.positions or ""):
            amount, market = parse.number(row["positionAmt"]), by_id.get(row["symbol"])
            if amount < 0:
                raise InvalidInput("a short futures position; trimtab rebalances long positions only",
                                   where=f"account '{self.config.account_id}'", field="positionAmt",
                                   value=row["symbol"])
            if amount > 0 and market is not None:
                held[market.symbol] = amount
        selling: dict[str, Decimal] = {}
        for order in await self.client.call(self._venue.open_orders):
            market = by_id.get(order["symbol"])
            if market is not None and order["side"] == "SELL":
                rest = parse.number(order["origQty"]) - parse.number(order["executedQty"])
                selling[market.symbol] = selling.get(market.symbol, ZERO) + rest
        orderable = {s: max(q - selling.get(s, ZERO), ZERO) for s, q in held.items()}
        return cash, held, orderable

    # -- orders -----------------------------------------------------------------------------------------------

    def has_refused(self, client_order_id: str) -> bool:
        """Whether this broker refused the order itself (never sent)."""
        return client_order_id in self._local

    def _record(self, client_order_id: str) -> BrokerOrderRecord | None:
        return self.book.get(BROKER, self.config.account_id, client_order_id)

    async def _fetch(self, market: CryptoMarket, client_order_id: str) -> dict[str, Any] | None:
        """The exchange's order with this client order id, or None when it never had it (-2013)."""
        params = {"symbol": market.exchange_id, "origClientOrderId": parse.exchange_client_id(client_order_id)}
        try:
            order: dict[str, Any] = await self.client.call(self._venue.order_get, params)
        except ExchangeRefused as refused:
            if int(refused.code) in UNKNOWN_ORDER:
                return None
            raise
        self._traded.add(market.symbol)
        return order

    async def _known(self, client_order_id: str) -> tuple[CryptoMarket, dict[str, Any]] | None:
        record = self._record(client_order_id)
        if record is None:
            return None
        market = await self._market(str(record.document["symbol"]))
        order = await self._fetch(market, client_order_id)
        return None if order is None else (market, order)

    async def submit(self, request: OrderRequest) -> OrderReport:
        """Send an order once; a client order id the exchange already has returns that order."""
        self._check(request.account_id)
        if request.client_order_id in self._local:
            return self._local[request.client_order_id]
        known = await self._known(request.client_order_id)
        if known is not None:
            return parse.report_of(known[1], request.client_order_id, request.symbol)
        market = (await self.markets()).get(request.symbol)
        refusal = self._refusal(request, market)
        if refusal is not None or market is None:
            code, message = refusal or ("UNKNOWN_SYMBOL", "no such market")
            return self._refuse(request, code, message)
        try:
            params = self._order_params(request, market)
        except OrderRejected as refused:
            return self._refuse(request, refused.code, str(refused))
        self.book.put(BrokerOrderRecord(BROKER, self.config.account_id, request.client_order_id,
                                        {"symbol": request.symbol, "side": request.side.value,
                                         "quantity": str(request.quantity)}))
        self._traded.add(request.symbol)
        logger.info("%s order %s: %s %s x %s", self.config.market_type, request.client_order_id, request.side.value,
                    request.symbol, request.quantity)
        try:
            order = await self.client.call(self._venue.order_post, params)
        except ExchangeRefused as refused:
            if int(refused.code) in DUPLICATE:  # the id is taken: adopt the order if it is this one's
                again = await self._fetch(market, request.client_order_id)
                if again is not None:
                    return parse.report_of(again, request.client_order_id, request.symbol)
            return self._refuse(request, refused.code, refused.message)
        return parse.report_of(order, request.client_order_id, request.symbol)

    def _refuse(self, request: OrderRequest, code: str, message: str) -> OrderReport:
        logger.warning("%s order %s rejected [%s] %s", self.config.market_type, request.client_order_id, code, message)
        report = OrderReport(request.client_order_id, "", request.symbol, request.side, request.quantity,
                             request.limit_price, OrderStatus.REJECTED, reject_code=code, reject_message=message)
        self._local[request.client_order_id] = report
        return report

    def _refusal(self, request: OrderRequest, market: CryptoMarket | None) -> tuple[str, str] | None:
        """Why the exchange's filters would refuse the order (checked here, before anything is sent)."""
        if market is None:
            return "UNKNOWN_SYMBOL", f"no {self.config.market_type} market {request.symbol}"
        if request.quantity < market.min_quantity or request.quantity % market.step_size:
            return "LOT_SIZE", f"quantity {request.quantity} is not a multiple of {market.step_size} " \
                               f"of at least {market.min_quantity}"
        if request.order_type is OrderType.LIMIT:
            if request.limit_price is None or request.limit_price <= 0 or request.limit_price % market.tick_size:
                return "PRICE_FILTER", f"limit {request.limit_price} is not on the tick {market.tick_size}"
            notional = request.quantity * request.limit_price
            reducing = self._venue.reduce_only_sells and request.side is Side.SELL
            if notional < market.min_notional and not reducing:
                return "NOTIONAL", f"order value {notional} is under the minimum {market.min_notional}"
        return None

    def _order_params(self, request: OrderRequest, market: CryptoMarket) -> dict[str, str]:
        """The order's parameters, quantities and prices as the text of ccxt's precision helpers."""
        exchange = self.client.exchange
        quantity = exchange.amount_to_precision(market.ccxt_symbol, str(request.quantity))
        params = {"symbol": market.exchange_id, "side": request.side.value, "quantity": quantity,
                  "newClientOrderId": parse.exchange_client_id(request.client_order_id)}
        if Decimal(quantity) != request.quantity:
            raise OrderRejected(f"{request.quantity} would be sent as {quantity}", code="LOT_SIZE")
        if request.order_type is OrderType.LIMIT and request.limit_price is not None:
            price = exchange.price_to_precision(market.ccxt_symbol, str(request.limit_price))
            if Decimal(price) != request.limit_price:
                raise OrderRejected(f"{request.limit_price} would be sent as {price}", code="PRICE_FILTER")
            params.update(type="LIMIT", timeInForce="GTC", price=price)
        else:
            params["type"] = "MARKET"
        if self._venue.reduce_only_sells and request.side is Side.SELL:
            params["reduceOnly"] = "true"
        return params

    async def cancel(self, account_id: str, client_order_id: str) -> OrderReport:
        """Cancel what remains (Binance confirms at once); a closed order comes back as it is."""
        self._check(account_id)
        known = await self._known(client_order_id)
        if known is None:
            raise OrderRejected(f"the exchange never received {client_order_id}", code="UNKNOWN_ORDER")
        market, order = known
        report = parse.report_of(order, client_order_id, market.symbol)
        if not report.status.is_open:
            return report
        params = {"symbol": market.exchange_id, "origClientOrderId": parse.exchange_client_id(client_order_id)}
        try:
            order = await self.client.call(self._venue.order_delete, params)
        except ExchangeRefused as refused:
            if int(refused.code) not in CANCEL_REFUSED:
                raise
            after = await self._fetch(market, client_order_id)
            if after is None or parse.report_of(after, client_order_id, market.symbol).status.is_open:
                raise
            order = after  # it closed (filled) before the cancel arrived
        return parse.report_of(order, client_order_id, market.symbol)

    async def get_order(self, account_id: str, client_order_id: str) -> OrderReport | None:
        self._check(account_id)
        if client_order_id in self._local:
            return self._local[client_order_id]
        known = await self._known(client_order_id)
        return None if known is None else parse.report_of(known[1], client_order_id, known[0].symbol)

    async def list_orders(self, account_id: str) -> list[OrderReport]:
        """Today's (UTC) orders of the symbols this broker traded or that have open orders, and local refusals."""
        self._check(account_id)
        by_id = {m.exchange_id: m for m in (await self.markets()).values()}
        symbols = set(self._traded)
        symbols.update(by_id[o["symbol"]].symbol for o in await self.client.call(self._venue.open_orders)
                       if o["symbol"] in by_id)
        start = self._clock.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        reports: list[OrderReport] = []
        for symbol in sorted(symbols):
            market = await self._market(symbol)
            params = {"symbol": market.exchange_id, "startTime": str(int(start.timestamp() * 1000))}
            for order in await self.client.call(self._venue.all_orders, params):
                reports.append(parse.report_of(order, str(order["clientOrderId"]), market.symbol))
        return reports + list(self._local.values())

    async def get_fills(self, account_id: str, client_order_id: str) -> list[Fill]:
        self._check(account_id)
        known = await self._known(client_order_id)
        if known is None:
            return []
        market, order = known
        params = {"symbol": market.exchange_id, "orderId": str(order["orderId"])}
        trades = await self.client.call(self._venue.trades, params)
        fills = [parse.fill_of(trade, client_order_id, market) for trade in trades]
        return sorted(fills, key=lambda fill: (fill.filled_at, fill.fill_id))

    def now(self) -> dt.datetime:
        return self._clock.now()
