"""Instruments and the `D` alias shared by the tick tests (tests/unit/test_ticks_*.py)."""

from __future__ import annotations

from decimal import Decimal

from trimtab.domain.instruments import Instrument, InstrumentType, Market

D = Decimal


def _krx(instrument_type: InstrumentType = InstrumentType.STOCK, market: Market = Market.KRX) -> Instrument:
    return Instrument(symbol="005930", market=market, instrument_type=instrument_type, currency="KRW")


STOCK = _krx()
ETF = _krx(InstrumentType.ETF)
ETN = _krx(InstrumentType.ETN)
ELW = _krx(InstrumentType.ELW)
US_STOCK = Instrument(symbol="AAPL", market=Market.US, instrument_type=InstrumentType.STOCK, currency="USD")


def _crypto(tick: str | None) -> Instrument:
    return Instrument(symbol="BTC/USDT", market=Market.CRYPTO, instrument_type=InstrumentType.CRYPTO,
                      currency="USDT", tick_size=None if tick is None else D(tick))
