"""What the paper exchange needs from market data (adapters.marketdata.demo.DemoMarketData provides it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from trimtab.domain.instruments import Instrument
from trimtab.domain.ticks import PriceLimits


class PriceSource(Protocol):
    """Prices the paper exchange trades against (DemoMarketData implements it)."""

    def instrument(self, symbol: str) -> Instrument | None:
        """Return the instrument of a symbol, or None when there is no price for it."""
        ...

    def base_price(self, symbol: str, step: int) -> Decimal:
        """Return the base price (previous close) of the day holding a step, for the daily limits."""
        ...

    def price_limits(self, symbol: str, step: int) -> PriceLimits:
        """Return the band every path price of that day stays inside."""
        ...

    def price_at(self, symbol: str, step: int) -> Decimal:
        """Return the path price at a step."""
        ...
