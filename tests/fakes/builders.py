"""Build snapshots and models tersely in tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.models import AssetClass, ModelHolding, ModelPortfolio, flat_model, two_level_model
from trimtab.domain.snapshot import AccountSnapshot, CostSettings, Holding, Quote

AS_OF = dt.date(2026, 11, 20)


def krx(symbol: str, kind: InstrumentType = InstrumentType.STOCK, name: str = "") -> Instrument:
    return Instrument(symbol=symbol, market=Market.KRX, instrument_type=kind, currency="KRW", name=name)


def us(symbol: str) -> Instrument:
    return Instrument(symbol=symbol, market=Market.US, instrument_type=InstrumentType.ETF, currency="USD")


def account(
    cash: str,
    held: dict[str, tuple[Instrument, str, str]] | None = None,
    prices: dict[str, tuple[Instrument, str]] | None = None,
    *,
    currency: str = "KRW",
    orderable: dict[str, str] | None = None,
    excluded: frozenset[str] = frozenset(),
    costs: CostSettings | None = None,
) -> AccountSnapshot:
    """held: symbol -> (instrument, quantity, price); prices: symbol -> (instrument, price)."""
    holdings = []
    quotes: dict[str, Quote] = {}
    for symbol, (instrument, quantity, price) in (held or {}).items():
        quote = Quote(instrument, Decimal(price))
        quotes[symbol] = quote
        sellable = Decimal((orderable or {}).get(symbol, quantity))
        holdings.append(Holding(quote, Decimal(quantity), sellable))
    for symbol, (instrument, price) in (prices or {}).items():
        quotes[symbol] = Quote(instrument, Decimal(price))
    return AccountSnapshot(
        account_id="TEST-1", currency=currency, cash=Decimal(cash), holdings=tuple(holdings), quotes=quotes,
        as_of=AS_OF, excluded=excluded, costs=costs or CostSettings(),
    )


def flat(name: str, weights: dict[str, str]) -> ModelPortfolio:
    """Weights in percent."""
    return flat_model(name, tuple(ModelHolding(s, Decimal(w) / 100) for s, w in weights.items()))


def two_level(name: str, classes: dict[str, tuple[str, dict[str, str]]]) -> ModelPortfolio:
    """classes: name -> (class weight %, {symbol: weight % inside the class})."""
    return two_level_model(name, tuple(
        AssetClass(c, Decimal(w) / 100, tuple(ModelHolding(s, Decimal(x) / 100) for s, x in inner.items()))
        for c, (w, inner) in classes.items()
    ))
