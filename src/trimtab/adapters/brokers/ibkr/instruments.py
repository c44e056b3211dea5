"""Contracts and quotes from IBKR: contract details (conId, minTick, stock type) cached per symbol, and
snapshot prices as Decimals."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from decimal import Decimal

from ib_async import IB, ContractDetails, Stock, Ticker

from trimtab.adapters.brokers.ibkr.convert import to_decimal
from trimtab.domain.errors import BrokerUnavailable, OrderRejected
from trimtab.domain.instruments import DEFAULT_MARKET_BY_CURRENCY, Instrument, InstrumentType, Market
from trimtab.domain.snapshot import Quote


class InstrumentBook:
    """The instruments of one currency that IBKR knows, looked up once per connection."""

    def __init__(self, ib: IB, currency: str, timeout_seconds: float = 10.0) -> None:
        self.ib = ib
        self.currency = currency
        self.timeout = timeout_seconds
        self._details: dict[str, ContractDetails] = {}

    async def details(self, symbol: str) -> ContractDetails:
        known = self._details.get(symbol)
        if known is not None:
            return known
        try:
            found = await asyncio.wait_for(
                self.ib.reqContractDetailsAsync(Stock(symbol, "SMART", self.currency)), self.timeout)
        except TimeoutError as problem:
            raise BrokerUnavailable(f"IBKR did not describe {symbol} in time") from problem
        stocks = [d for d in found if d.contract is not None and d.contract.secType == "STK"]
        if len(stocks) != 1:
            raise OrderRejected(f"IBKR knows {len(stocks)} {self.currency} stocks named {symbol}", code="200")
        self._details[symbol] = stocks[0]
        return stocks[0]

    async def contract(self, symbol: str) -> Stock:
        """The qualified contract (conId set), routed SMART."""
        details = await self.details(symbol)
        assert details.contract is not None  # noqa: S101 — kept only with a contract
        return Stock(symbol, "SMART", self.currency, conId=details.contract.conId,
                     primaryExchange=details.contract.primaryExchange)

    async def instrument(self, symbol: str) -> Instrument:
        details = await self.details(symbol)
        kind = InstrumentType.ETF if details.stockType.upper() == "ETF" else InstrumentType.STOCK
        tick = to_decimal(details.minTick) if details.minTick else None
        market = DEFAULT_MARKET_BY_CURRENCY.get(self.currency, Market.US)
        return Instrument(symbol, market, kind, self.currency, tick_size=tick, name=details.longName)

    async def quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Snapshot quotes: the last price inside the spread, else the midpoint, else the close."""
        if not symbols:
            return {}
        instruments = {symbol: await self.instrument(symbol) for symbol in symbols}
        contracts = [await self.contract(symbol) for symbol in symbols]
        try:
            tickers = await asyncio.wait_for(self.ib.reqTickersAsync(*contracts), self.timeout)
        except TimeoutError as problem:
            raise BrokerUnavailable("IBKR sent no snapshot quotes in time") from problem
        by_symbol = {ticker.contract.symbol: ticker for ticker in tickers if ticker.contract is not None}
        quotes: dict[str, Quote] = {}
        for symbol, instrument in instruments.items():
            price = _price(by_symbol.get(symbol))
            if price is None:
                raise BrokerUnavailable(f"IBKR has no price for {symbol} (market data permissions?)")
            quotes[symbol] = Quote(instrument, price)
        return quotes


def _price(ticker: Ticker | None) -> Decimal | None:
    if ticker is None:
        return None
    for value in (ticker.marketPrice(), ticker.close):
        if isinstance(value, float) and not math.isnan(value) and value > 0:
            return to_decimal(value)
    return None
