"""What the dashboard's pages show, shaped for the templates: drift charts (bars of current vs target, the band a
shaded range around the target, on one scale per chart) and the filters that format numbers and times.

Presentation only: the figures are the application's documents (`plan_to_document`, `run_document`); numbers
are formatted with the project's one money formatter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from trimtab.domain.money_format import format_money, format_quantity

HUNDRED = Decimal(100)
TENTH = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of a chart, in percent of the chart's scale (0-100) for drawing, and the figures as text."""

    label: str
    group: str  # the asset class of a ticker ("" for classes)
    current: str  # where to draw, in percent of the scale ("23.29"): never a figure shown
    target: str
    band_low: str
    band_width: str
    breach: str | None
    over: bool
    current_text: str
    target_text: str
    drift_text: str
    band_text: str
    measure: str  # what the weights are of: "of equity", "in class"


@dataclass(frozen=True, slots=True)
class Chart:
    """Bars on one scale, and the ticks of its axis (percent of the scale, label)."""

    title: str
    bars: list[Bar]
    ticks: list[tuple[str, str]]


def drift_charts(drift: dict[str, Any]) -> list[Chart]:
    """The charts of an account's drift: its asset classes, then its tickers (each on the measure its band
    applies to: in its class, or of equity); a model without classes gets one chart of its tickers and cash."""
    classes = [_class_row(row) for row in drift["classes"]]
    tickers = [_ticker_row(row) for row in drift["tickers"]]
    if any(row[0] != CASH for row in classes):
        return [_chart("Asset classes", classes), _chart("Tickers", tickers)]
    return [_chart("Tickers and cash", tickers + classes)]


Row = tuple[str, str, str, str, str | None, str | None, str]
CASH = "CASH"
STEPS = tuple(Decimal(step) for step in ("0.01", "0.02", "0.025", "0.05", "0.1", "0.2", "0.25"))


def _class_row(row: dict[str, Any]) -> Row:
    return (row["name"], "", row["current_weight"], row["target_weight"], row["band"], row["breach"], "of equity")


def _ticker_row(row: dict[str, Any]) -> Row:
    in_class = row["level"] == "in_class"
    current, target = ((row["current_in_class"], row["target_in_class"]) if in_class
                       else (row["current_weight"], row["target_weight"]))
    return (row["symbol"], row["asset_class"] or "", current, target, row["band"], row["breach"],
            "in class" if in_class else "of equity")


def _scale(rows: list[Row]) -> tuple[Decimal, Decimal]:
    """The chart's top and the step of its axis: the smallest round step that covers every bar in 4-5 steps."""
    highest = max((max(Decimal(row[2]), Decimal(row[3]) + Decimal(row[4] or 0)) for row in rows), default=TENTH)
    highest = min(max(highest, Decimal("0.04")), Decimal(1))
    step = next((step for step in STEPS if highest <= step * 5), Decimal("0.25"))
    return (highest / step).to_integral_value(rounding="ROUND_CEILING") * step, step


def _chart(title: str, rows: list[Row]) -> Chart:
    scale, step = _scale(rows)

    def at(value: Decimal) -> str:
        return f"{min(max(value / scale * HUNDRED, Decimal(0)), HUNDRED).quantize(Decimal('0.01')):f}"

    bars = []
    for name, group, current_text, target_text, band_text, breach, measure in rows:
        current, target, band = Decimal(current_text), Decimal(target_text), Decimal(band_text or 0)
        low = at(target - band)
        bars.append(Bar(name, group, at(current), at(target), low, f"{Decimal(at(target + band)) - Decimal(low):f}",
                        breach, current > target, percent(current), percent(target), points(current - target),
                        f"±{points(band).lstrip('+')}", measure))
    count = int(scale / step)
    return Chart(title, bars, [(at(step * i), percent(step * i, 1 if step < Decimal("0.05") else 0))
                               for i in range(count + 1)])


def percent(value: object, places: int = 1) -> str:
    """A fraction as a percentage: 0.232886 -> 23.3%."""
    number = _decimal(value)
    if number is None:
        return ""
    return f"{(number * HUNDRED).quantize(Decimal(1).scaleb(-places)):f}%"


def points(value: object) -> str:
    """A difference of fractions in percentage points, signed: 0.0929 -> +9.29 pp."""
    number = _decimal(value)
    if number is None:
        return ""
    shown = (number * HUNDRED).quantize(Decimal("0.01"))
    return f"{'+' if shown > 0 else ''}{shown:f} pp".replace("-", "−")


def money(value: object, currency: str | None) -> str:
    """An amount in the account's money format (48,955 KRW; 31,850.70 USD)."""
    number = _decimal(value)
    return "" if number is None else format_money(number, currency)


def quantity(value: object) -> str:
    """A quantity with thousands separators (exact)."""
    number = _decimal(value)
    return "" if number is None else format_quantity(number.normalize() if number == number.to_integral_value()
                                                      else number)


def moment(value: object) -> str:
    """An ISO instant as people read it, in UTC: 2026-11-23 01:30:05 UTC."""
    if isinstance(value, str) and value:
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return ""


def clock(value: object) -> str:
    """The time of day of an ISO instant, in UTC (01:30:05); its date is the run's, shown on hover."""
    return moment(value)[11:19]


def label(value: object) -> str:
    """An enum value as words: needs_attention -> needs attention."""
    return str(value or "").replace("_", " ")


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


FILTERS = {"percent": percent, "points": points, "money": money, "quantity": quantity, "moment": moment,
           "clock": clock, "label": label}
