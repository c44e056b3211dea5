"""What an account's bands and planning settings may be: the one rule the facade, the repositories and the
command line share.

Each rule is data (:data:`RULES`): checked on the stored values (fractions: 0.03 = 3 %), and described two
ways, in the stored units for programs and in the units people type (percent) for the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import format_percent, percent_number

if TYPE_CHECKING:
    from trimtab.application.rebalancing_config import RebalancingConfig

MAX_BAND = Decimal(1)
MAX_CASH_BUFFER = Decimal("0.5")
MAX_PRICE_TICKS = 50
MAX_POLICY_DAYS = 20  # signal confirmation and split execution, in trading days


class Unit(Enum):
    """How a setting is stored and written."""

    FRACTION = "fraction"  # stored as a fraction, written in percent
    AMOUNT = "amount"  # the account's currency
    WHOLE = "whole"  # a whole number


@dataclass(frozen=True, slots=True)
class SettingRule:
    """The values one setting may take: from ``minimum`` to ``maximum`` (None: no maximum)."""

    unit: Unit
    minimum: Decimal
    maximum: Decimal | None = None

    def allows(self, value: object) -> bool:
        """Whether a stored value is of the right type and inside the rule."""
        if self.unit is Unit.WHOLE:
            if isinstance(value, bool) or not isinstance(value, int):
                return False
        elif not isinstance(value, Decimal) or not value.is_finite():
            return False
        return self.minimum <= value and (self.maximum is None or value <= self.maximum)

    def describe(self) -> str:
        """The rule in the stored units (fractions), for programs."""
        if self.unit is Unit.FRACTION:
            return f"must be between 0 % and {format_percent(self.maximum or MAX_BAND, 0)} (0.03 = 3 %)"
        if self.unit is Unit.WHOLE:
            return f"must be a whole number from {self.minimum} to {self.maximum}"
        return f"must be a Decimal of at least {self.minimum}"

    def describe_for_people(self) -> str:
        """The rule in the units the command line takes: percent, whole numbers, amounts."""
        if self.unit is Unit.FRACTION:
            return (f"must be between {percent_number(self.minimum)} and {percent_number(self.maximum or MAX_BAND)}"
                    " (percent)")
        if self.unit is Unit.WHOLE:
            return self.describe()
        return f"must be a number of at least {self.minimum}"


RULES: dict[str, SettingRule] = {
    "class_band": SettingRule(Unit.FRACTION, Decimal(0), MAX_BAND),
    "ticker_band": SettingRule(Unit.FRACTION, Decimal(0), MAX_BAND),
    "relative_band": SettingRule(Unit.FRACTION, Decimal(0), MAX_BAND),
    "cash_buffer": SettingRule(Unit.FRACTION, Decimal(0), MAX_CASH_BUFFER),
    "minimum_trade_value": SettingRule(Unit.AMOUNT, Decimal(0)),
    "price_ticks": SettingRule(Unit.WHOLE, Decimal(0), Decimal(MAX_PRICE_TICKS)),
    "confirm_days": SettingRule(Unit.WHOLE, Decimal(1), Decimal(MAX_POLICY_DAYS)),
    "split_days": SettingRule(Unit.WHOLE, Decimal(1), Decimal(MAX_POLICY_DAYS)),
}


def validate_config(config: RebalancingConfig, *, where: str) -> None:
    """Refuse bands outside 0-100 %, a cash buffer outside 0-50 %, negative minimums and ticks outside 0-50.

    The InvalidInput names the setting's field (``class_band``), which the command line maps to its option.
    """
    for field, rule in RULES.items():
        value = getattr(config, field)
        if value is None and field == "relative_band":
            continue
        if not rule.allows(value):
            shown = value if rule.unit is Unit.WHOLE and isinstance(value, int) else str(value)
            raise InvalidInput(rule.describe(), where=where, field=field, value=shown)
