"""Instruments, markets and currencies: what is traded, where, and in which lots."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.errors import InvalidInput


class Market(StrEnum):
    """Venue groups whose rules differ (ticks, limits, taxes)."""

    KRX = "KRX"  # Korea Exchange, main boards (KOSPI or KOSDAQ not stated)
    KOSPI = "KOSPI"
    KOSDAQ = "KOSDAQ"
    KONEX = "KONEX"
    US = "US"
    CRYPTO = "CRYPTO"

    @property
    def is_korean(self) -> bool:
        return self in _KOREAN


_KOREAN = frozenset({Market.KRX, Market.KOSPI, Market.KOSDAQ, Market.KONEX})


class InstrumentType(StrEnum):
    STOCK = "stock"
    ETF = "etf"
    ETN = "etn"
    ELW = "elw"
    FUND = "fund"
    CRYPTO = "crypto"


# Digits of each currency's minor unit (KRW has none); unknown currencies are refused.
CURRENCY_MINOR_DIGITS: dict[str, int] = {
    "KRW": 0, "JPY": 0, "USD": 2, "SGD": 2, "EUR": 2, "GBP": 2, "HKD": 2, "AUD": 2, "CAD": 2, "CHF": 2,
    "CNY": 2, "USDT": 8, "USDC": 8, "BTC": 8, "ETH": 8,
}

DEFAULT_MARKET_BY_CURRENCY: dict[str, Market] = {"KRW": Market.KRX, "USD": Market.US}


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of a currency (1 won, 0.01 dollar)."""
    return Decimal(1).scaleb(-CURRENCY_MINOR_DIGITS[currency])


def parse_currency(value: object, *, where: str) -> str:
    """Validate a currency code against the known ones."""
    code = str(value).strip().upper() if value is not None else ""
    if code not in CURRENCY_MINOR_DIGITS:
        known = ", ".join(sorted(CURRENCY_MINOR_DIGITS))
        raise InvalidInput(f"unknown currency (known: {known})", where=where, field="currency", value=value)
    return code


def parse_market(value: object, *, where: str) -> Market:
    text = str(value).strip().upper()
    aliases = {"NYSE": "US", "NASDAQ": "US", "ARCA": "US", "SMART": "US", "AMEX": "US", "BATS": "US"}
    text = aliases.get(text, text)
    try:
        return Market(text)
    except ValueError:
        known = ", ".join(m.value for m in Market)
        raise InvalidInput(f"unknown market (known: {known})", where=where, field="market",
                           value=value) from None


def parse_instrument_type(value: object, *, where: str) -> InstrumentType:
    text = str(value).strip().lower()
    aliases = {"stk": "stock", "equity": "stock", "share": "stock"}
    text = aliases.get(text, text)
    try:
        return InstrumentType(text)
    except ValueError:
        known = ", ".join(t.value for t in InstrumentType)
        raise InvalidInput(f"unknown instrument type (known: {known})", where=where,
                           field="instrument_type", value=value) from None


@dataclass(frozen=True, slots=True)
class Instrument:
    """What a symbol is: its market, type, currency, lot and (for crypto) its own tick."""

    symbol: str
    market: Market
    instrument_type: InstrumentType
    currency: str
    lot_size: Decimal = Decimal(1)
    tick_size: Decimal | None = None
    name: str = ""
