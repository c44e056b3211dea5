"""The default drift bands, in a module of their own: an account's stored settings name them without loading
the drift computation (:mod:`trimtab.domain.drift`), which a command that only lists accounts never needs."""

from __future__ import annotations

from decimal import Decimal

DEFAULT_CLASS_BAND = Decimal("0.03")  # points of equity
DEFAULT_TICKER_BAND = Decimal("0.05")  # points of the class (two-level models) or of equity (flat models)
