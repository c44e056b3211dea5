"""An account's bands and settings as people type them in a form (percent, amounts, whole numbers), read into
`BandChanges` with every bad field named at once (the dashboard's bands form).

The units are the command line's (`trimtab bands set`): bands and the cash buffer in percent or percentage
points ("3", "3%", "3 pp"), the relative band in percent or "none", the minimum trade in the account's currency,
ticks and days as whole numbers. An empty field keeps the stored value. The rules are `settings_rules.RULES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from trimtab.application.settings_rules import RULES, Unit
from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import parse_decimal, parse_percent, percent_number

if TYPE_CHECKING:
    from trimtab.application.facade import BandChanges
    from trimtab.application.rebalancing_config import RebalancingConfig

FORM = "bands form"
FIELDS = tuple(RULES)  # class_band, ticker_band, relative_band, cash_buffer, minimum_trade_value, price_ticks, ...


def form_values(config: RebalancingConfig) -> dict[str, str]:
    """The stored settings as the form shows them (percent for fractions, "none" for no relative band)."""
    values = {}
    for name, rule in RULES.items():
        value = getattr(config, name)
        if value is None:
            values[name] = "none"
        elif rule.unit is Unit.FRACTION:
            values[name] = percent_number(value)
        else:
            values[name] = format(value, "f") if isinstance(value, Decimal) else str(value)
    return values


def read_band_form(form: Mapping[str, str]) -> tuple[BandChanges, dict[str, str]]:
    """The changes a form asks for, and a message for each field that cannot be read or breaks its rule."""
    from trimtab.application.facade import BandChanges

    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name in FIELDS:
        text = (form.get(name) or "").strip()
        if not text:
            continue
        try:
            values[name] = _read(name, text)
        except InvalidInput as error:
            errors[name] = f"'{text}': {error.message}"

    def number(name: str) -> Decimal | None:
        value = values.get(name)
        return value if isinstance(value, Decimal) else None

    def whole(name: str) -> int | None:
        value = values.get(name)
        return value if isinstance(value, int) else None

    changes = BandChanges(class_band=number("class_band"), ticker_band=number("ticker_band"),
                          relative_band=number("relative_band"),
                          clear_relative_band="relative_band" in values and values["relative_band"] is None,
                          cash_buffer=number("cash_buffer"), minimum_trade_value=number("minimum_trade_value"),
                          price_ticks=whole("price_ticks"), confirm_days=whole("confirm_days"),
                          split_days=whole("split_days"))
    return changes, errors


def _read(name: str, text: str) -> Decimal | int | None:
    rule = RULES[name]
    if name == "relative_band" and text.lower() == "none":
        return None
    if rule.unit is Unit.FRACTION:
        value: Decimal | int = parse_percent(text, where=FORM, field=name)
    else:
        number = parse_decimal(text, where=FORM, field=name)
        value = number
        if rule.unit is Unit.WHOLE:
            if number != number.to_integral_value():
                raise InvalidInput("must be a whole number", where=FORM, field=name, value=text)
            value = int(number)
    if not rule.allows(value):
        raise InvalidInput(rule.describe_for_people(), where=FORM, field=name, value=text)
    return value
