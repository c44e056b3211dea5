"""Trading costs as data: commission per account, Korean securities transaction tax by date and type.

Sources: shared/BROKERS.md §2.3. KOSPI/KOSDAQ stock sells pay 0.18 % in 2024, 0.15 % in 2025 and 0.20 %
from 2026-01-01; KONEX 0.10 %; ETFs and ETNs none. Estimates round *up* to the currency's minor unit so
that a plan never counts on less cost than the broker may charge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.instruments import Instrument, InstrumentType, Market, minor_unit
from trimtab.domain.numbers import ZERO, ceil_to
from trimtab.domain.snapshot import CostSettings


@dataclass(frozen=True, slots=True)
class TaxRule:
    """A sell-side tax rate for some markets and instrument types, from a date on."""

    markets: frozenset[Market]
    instrument_types: frozenset[InstrumentType]
    effective_from: dt.date
    rate: Decimal


_MAIN_BOARDS = frozenset({Market.KRX, Market.KOSPI, Market.KOSDAQ})
_TAXED_TYPES = frozenset({InstrumentType.STOCK})

DEFAULT_SELL_TAX: tuple[TaxRule, ...] = (
    TaxRule(_MAIN_BOARDS, _TAXED_TYPES, dt.date(2024, 1, 1), Decimal("0.0018")),
    TaxRule(_MAIN_BOARDS, _TAXED_TYPES, dt.date(2025, 1, 1), Decimal("0.0015")),
    TaxRule(_MAIN_BOARDS, _TAXED_TYPES, dt.date(2026, 1, 1), Decimal("0.0020")),
    TaxRule(frozenset({Market.KONEX}), _TAXED_TYPES, dt.date(2024, 1, 1), Decimal("0.0010")),
)


def sell_tax_rate(instrument: Instrument, on: dt.date, rules: tuple[TaxRule, ...] = DEFAULT_SELL_TAX) -> Decimal:
    """Return the sell tax rate in force on a date for an instrument (0 when no rule applies)."""
    applicable = [
        rule for rule in rules
        if instrument.market in rule.markets
        and instrument.instrument_type in rule.instrument_types
        and rule.effective_from <= on
    ]
    if not applicable:
        return ZERO
    return max(applicable, key=lambda rule: rule.effective_from).rate


def commission(value: Decimal, settings: CostSettings, currency: str) -> Decimal:
    """Estimate the commission of one order of this value (zero when nothing trades)."""
    if value <= ZERO:
        return ZERO
    estimate = ceil_to(value * settings.commission_rate, minor_unit(currency))
    return max(estimate, settings.commission_minimum)


def sell_tax(value: Decimal, rate: Decimal, currency: str) -> Decimal:
    """Estimate the sell tax on a sale of this value."""
    if value <= ZERO or rate == ZERO:
        return ZERO
    return ceil_to(value * rate, minor_unit(currency))
