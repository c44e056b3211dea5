"""What an account's bands and planning settings may be: the one rule the facade and the repositories share."""

from __future__ import annotations

from decimal import Decimal

from trimtab.application.records import RebalancingConfig
from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import format_percent

MAX_BAND = Decimal(1)
MAX_CASH_BUFFER = Decimal("0.5")
MAX_PRICE_TICKS = 50


def validate_config(config: RebalancingConfig, *, where: str) -> None:
    """Refuse bands outside 0-100 %, a cash buffer outside 0-50 %, negative minimums and ticks outside 0-50."""
    bands = {"class_band": config.class_band, "ticker_band": config.ticker_band,
             "relative_band": config.relative_band}
    for field, band in bands.items():
        if band is not None:
            _check_fraction(band, MAX_BAND, where=where, field=field)
    _check_fraction(config.cash_buffer, MAX_CASH_BUFFER, where=where, field="cash_buffer")
    minimum = config.minimum_trade_value
    if not isinstance(minimum, Decimal) or not minimum.is_finite() or minimum < 0:
        raise InvalidInput("must be a Decimal of at least 0", where=where, field="minimum_trade_value",
                           value=str(minimum))
    ticks = config.price_ticks
    if isinstance(ticks, bool) or not isinstance(ticks, int) or not 0 <= ticks <= MAX_PRICE_TICKS:
        raise InvalidInput(f"must be a whole number from 0 to {MAX_PRICE_TICKS}", where=where,
                           field="price_ticks", value=ticks)


def _check_fraction(value: Decimal, maximum: Decimal, *, where: str, field: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput("must be a Decimal fraction (0.03 = 3 %)", where=where, field=field, value=value)
    if not 0 <= value <= maximum:
        raise InvalidInput(f"must be between 0 % and {format_percent(maximum, 0)} (0.03 = 3 %)", where=where,
                           field=field, value=str(value))
