"""An account's bands and planning settings: the value `trimtab bands` stores and a plan from files is checked as.

Its own module (not records.py): `trimtab plan` from files checks its options as one of these, and need not
create the records' other classes (each frozen dataclass costs ~0.3 ms to create; benchmarks/cli_bench.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from trimtab.domain.band_defaults import DEFAULT_CLASS_BAND, DEFAULT_TICKER_BAND

if TYPE_CHECKING:
    from trimtab.application.ports import BandSettings

DEFAULT_CASH_BUFFER = Decimal("0.01")
DEFAULT_PRICE_TICKS = 1


@dataclass(frozen=True, slots=True)
class RebalancingConfig:
    """An account's bands and planning settings, as fractions (0.03 = 3 %)."""

    class_band: Decimal = DEFAULT_CLASS_BAND
    ticker_band: Decimal = DEFAULT_TICKER_BAND
    relative_band: Decimal | None = None
    cash_buffer: Decimal = DEFAULT_CASH_BUFFER
    minimum_trade_value: Decimal = Decimal(0)
    price_ticks: int = DEFAULT_PRICE_TICKS
    confirm_days: int = 1  # act on a breach held this many consecutive trading days (1: at once)
    split_days: int = 1  # spread a rebalance over this many trading days (1: all at once)

    @property
    def bands(self) -> BandSettings:
        """Return the bands as the ports' BandSettings."""
        from trimtab.application.ports import BandSettings

        return BandSettings(self.class_band, self.ticker_band, self.relative_band)
