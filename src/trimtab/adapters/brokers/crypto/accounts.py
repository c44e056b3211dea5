"""One exchange account on both of its market types: spot and USDT-margined futures as one trimtab account.

Binance keeps a spot wallet and a futures wallet under one API key; ccxt reaches them through two classes
(`binance`, `binanceusdm`). `CryptoAccountBroker` holds a CryptoBroker for each and routes by the symbol's form,
ccxt's unified symbols: `BTC/USDT` is spot, `BTC/USDT:USDT` (a settle currency after ':') the USDT-margined
perpetual. An order goes to its symbol's market; an order already sent is found through the symbol its client
order id was recorded with (one order book for both, so a resumed run finds it on the right market).

The account's snapshot lists both markets' holdings (futures positions at the last price, as the futures broker
values them) and, as cash, the spot wallet's free quote currency plus the futures available balance: the two
wallets are separate at the exchange, so a run over the whole account may plan a buy that one wallet cannot pay
(the exchange refuses it, -2010 or -2019). A strategy's run reads its own market with `get_market_snapshot`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from trimtab.adapters.brokers.crypto.broker import BROKER, CryptoBroker
from trimtab.adapters.brokers.crypto.parse import market_type_of
from trimtab.application.market_balances import MarketBalance
from trimtab.domain.errors import InvalidInput
from trimtab.domain.execution import Fill, OrderReport, OrderRequest
from trimtab.domain.snapshot import AccountSnapshot
from trimtab.domain.strategies import MarketType as StrategyMarket


class CryptoAccountBroker:
    """BrokerPort over one exchange account's spot and USDT-margined futures markets (orders routed by symbol)."""

    def __init__(self, spot: CryptoBroker, futures: CryptoBroker) -> None:
        if spot.config.account_id != futures.config.account_id:
            raise ValueError("both markets must serve one account")
        self.spot, self.futures = spot, futures
        self.account_id = spot.config.account_id

    def __repr__(self) -> str:
        return f"CryptoAccountBroker(account_id={self.account_id!r}, market_types=('spot', 'futures'))"

    @property
    def is_live(self) -> bool:
        return self.spot.is_live or self.futures.is_live

    async def aclose(self) -> None:
        try:
            await self.spot.aclose()
        finally:
            await self.futures.aclose()

    def _for(self, symbol: str) -> CryptoBroker:
        return self.futures if market_type_of(symbol) == "futures" else self.spot

    def _market(self, market_type: StrategyMarket) -> CryptoBroker:
        if market_type is StrategyMarket.SPOT:
            return self.spot
        if market_type is StrategyMarket.FUTURES:
            return self.futures
        raise InvalidInput("a crypto account trades spot and futures", where=f"account '{self.account_id}'",
                           field="market_type", value=market_type.value)

    def _owner(self, client_order_id: str) -> CryptoBroker | None:
        """The market an order went to (or was refused on): by the symbol its client order id was recorded with."""
        for broker in (self.spot, self.futures):
            if broker.has_refused(client_order_id):
                return broker
        record = self.spot.book.get(BROKER, self.account_id, client_order_id)
        return None if record is None else self._for(str(record.document["symbol"]))

    async def get_snapshot(self, account_id: str, symbols: Sequence[str]) -> AccountSnapshot:
        """Both markets' holdings and quotes; cash is the spot free balance plus the futures available balance."""
        spot = await self.spot.get_snapshot(account_id, [s for s in symbols if market_type_of(s) == "spot"])
        futures = await self.futures.get_snapshot(account_id, [s for s in symbols if market_type_of(s) == "futures"])
        return AccountSnapshot(account_id=account_id, currency=spot.currency, cash=spot.cash + futures.cash,
                               holdings=spot.holdings + futures.holdings, quotes={**spot.quotes, **futures.quotes},
                               as_of=spot.as_of, costs=spot.costs)

    async def get_market_snapshot(self, account_id: str, market_type: StrategyMarket,
                                  symbols: Sequence[str]) -> AccountSnapshot:
        """One market's holdings, its own free cash, and quotes for `symbols` (which must be of that market)."""
        broker = self._market(market_type)
        for symbol in symbols:
            if self._for(symbol) is not broker:
                raise InvalidInput(f"is not a {market_type.value} symbol", where=f"account '{account_id}'",
                                   field="symbols", value=symbol)
        return await broker.get_snapshot(account_id, symbols)

    async def equity_by_market_type(self, account_id: str) -> dict[StrategyMarket, MarketBalance]:
        """Spot and futures, each with its live equity and free cash."""
        return {**await self.spot.equity_by_market_type(account_id),
                **await self.futures.equity_by_market_type(account_id)}

    async def submit(self, request: OrderRequest) -> OrderReport:
        """Send the order to its symbol's market (see CryptoBroker.submit)."""
        return await self._for(request.symbol).submit(request)

    async def cancel(self, account_id: str, client_order_id: str) -> OrderReport:
        owner = self._owner(client_order_id) or self.spot  # an unknown order: spot says UNKNOWN_ORDER
        return await owner.cancel(account_id, client_order_id)

    async def get_order(self, account_id: str, client_order_id: str) -> OrderReport | None:
        owner = self._owner(client_order_id)
        return None if owner is None else await owner.get_order(account_id, client_order_id)

    async def list_orders(self, account_id: str) -> list[OrderReport]:
        """Both markets' orders of today (see CryptoBroker.list_orders)."""
        return [*await self.spot.list_orders(account_id), *await self.futures.list_orders(account_id)]

    async def get_fills(self, account_id: str, client_order_id: str) -> list[Fill]:
        owner = self._owner(client_order_id)
        return [] if owner is None else await owner.get_fills(account_id, client_order_id)

    def now(self) -> dt.datetime:
        return self.spot.now()
