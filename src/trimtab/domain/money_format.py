"""How money and quantities look to people: the one formatter every table, notice and summary uses.

Money is shown with thousands separators and the currency's own decimals (``98,600`` won, ``31,850.70``
dollars, ``0.00150000`` BTC). A value finer than that is never rounded away: a sub-penny US price shows
``12.3456``, a crypto price shows its instrument's tick (``90,000.50`` USDT for a 0.01 tick). A value that
needs more than four digits beyond those (an average of fills) is rounded half-even there. Quantities are
whole numbers without decimals, fractional ones (crypto) at their lot step.

Machine-readable output (``--json``) never goes through here: it keeps the exact plain number.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal

from trimtab.domain.instruments import CURRENCY_MINOR_DIGITS, Instrument
from trimtab.domain.numbers import decimal_places

EXTRA_PLACES = 4  # digits shown beyond the minimum when a value needs them; rounded half-even past those
_WIDE = Context(prec=200)  # quantize never runs out of digits, however large the amount


def money_places(currency: str | None, instrument: Instrument | None = None) -> int:
    """The decimals a price or amount always shows: the instrument's own tick's, else the currency's minor unit."""
    if instrument is not None and instrument.tick_size is not None:
        return decimal_places(instrument.tick_size)
    return CURRENCY_MINOR_DIGITS.get((currency or "").upper(), 0)


def format_money(value: Decimal, currency: str | None, instrument: Instrument | None = None) -> str:
    """A price or amount for people: ``48,955`` KRW, ``31,850.70`` USD, ``12.3456`` on a sub-penny tick."""
    return _grouped(value, money_places(currency, instrument))


def format_quantity(quantity: Decimal, instrument: Instrument | None = None) -> str:
    """A quantity for people: ``1,250`` shares; a fractional lot (``0.0001`` BTC) at its step, ``0.1500``."""
    step = Decimal(1) if instrument is None else instrument.lot_size
    return _grouped(quantity, decimal_places(step), extra=None)  # quantities are exact: never rounded


def _grouped(value: Decimal, places: int, extra: int | None = EXTRA_PLACES) -> str:
    if not value.is_finite():
        return str(value)
    needed = decimal_places(value)
    shown = max(places, needed if extra is None else min(needed, places + extra))
    rounded = value.quantize(Decimal(1).scaleb(-shown), rounding=ROUND_HALF_EVEN, context=_WIDE)
    if rounded.is_zero():
        rounded = abs(rounded)  # never "-0.00"
    return f"{rounded:,f}"
