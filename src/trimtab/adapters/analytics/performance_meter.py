"""Performance metrics by empyrical-reloaded (Quantopian's empyrical, maintained): ROI, max drawdown, annualised
volatility and Sharpe ratio of a series of period returns.

Returns arrive as Decimals and go to the library as floats: metrics are shown to people and never become a
price, a quantity or a cash figure. Results come back as Decimals of at most 10 significant digits; what the
library cannot measure (NaN: a volatility or a Sharpe ratio of fewer than two returns, a Sharpe ratio of
returns that never vary) is None.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from trimtab.domain.performance import PerformanceMetrics

PERIOD = "daily"  # one snapshot per market date: 252 periods a year (empyrical's annualisation factor)


class EmpyricalMeter:
    """Measure returns with empyrical-reloaded (imported on first use: it loads pandas and SciPy)."""

    def measure(self, returns: Sequence[Decimal]) -> PerformanceMetrics:
        """The metrics of a series of simple period returns."""
        if not returns:
            return PerformanceMetrics(0, None, None, None, None)
        import empyrical
        import numpy as np

        series = np.array([float(value) for value in returns], dtype=np.float64)
        return PerformanceMetrics(
            periods=len(returns),
            roi=_decimal(empyrical.cum_returns_final(series)),
            max_drawdown=_decimal(empyrical.max_drawdown(series)),
            volatility=_decimal(empyrical.annual_volatility(series, period=PERIOD)),
            sharpe=_decimal(empyrical.sharpe_ratio(series, risk_free=0, period=PERIOD)),
        )


def _decimal(value: object) -> Decimal | None:
    number = float(value)  # type: ignore[arg-type]  # a NumPy scalar
    if not math.isfinite(number):
        return None
    return Decimal(f"{number:.10g}")
