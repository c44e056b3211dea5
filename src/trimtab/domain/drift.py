"""Drift at the three levels of a model, against the targets that keep the cash buffer free.

The levels, named the same way in breach lines, order reasons and trades not made:

* ``class``: an asset class (or cash) against its class weight, in points of equity
  ("class EQUITY overweight +6.98 pp");
* ``in_class``: a ticker against its weight inside its class, in points of the class
  ("069500 overweight +10.18 pp in class EQUITY");
* ``overall``: a ticker against its overall weight, in points of equity ("overweight +7.23 pp overall").

Classes and cash are banded at the class level (the class band), tickers of a two-level model inside their
class and tickers of a flat model overall (the ticker band). Targets are the model's weights with the cash
buffer carved out (:mod:`trimtab.domain.targets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.band_defaults import DEFAULT_CLASS_BAND, DEFAULT_TICKER_BAND
from trimtab.domain.errors import InvalidInput
from trimtab.domain.models import CASH_CLASS, ModelPortfolio
from trimtab.domain.numbers import ZERO, format_percent
from trimtab.domain.snapshot import AccountSnapshot
from trimtab.domain.targets import Targets, buffered_targets


class Breach(StrEnum):
    ABSOLUTE = "absolute band"
    RELATIVE = "relative band"
    NOT_IN_MODEL = "held outside the model"


class DriftLevel(StrEnum):
    """Where a weight is measured: its value is the machine-readable name (JSON ``level``)."""

    CLASS = "class"  # an asset class or cash, against its class weight
    IN_CLASS = "in_class"  # a ticker inside its class, against its weight in the class
    OVERALL = "overall"  # a ticker against its overall weight


@dataclass(frozen=True, slots=True)
class Bands:
    """Tolerances in weight fractions: class band, ticker band, optional relative band."""

    class_band: Decimal = DEFAULT_CLASS_BAND
    ticker_band: Decimal = DEFAULT_TICKER_BAND
    relative_band: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("class_band", "ticker_band", "relative_band"):
            value = getattr(self, name)
            if value is not None and not ZERO <= value <= Decimal(1):
                raise InvalidInput("a band must be between 0 and 100 %", where="bands", field=name,
                                   value=str(value))

    def breach(self, drift: Decimal, target: Decimal, band: Decimal) -> Breach | None:
        """Say whether a drift breaks the tolerance, naming the band that sets it (the tighter one)."""
        return self.judge(drift, target, band)[0]

    def judge(self, drift: Decimal, target: Decimal, band: Decimal) -> tuple[Breach | None, Decimal]:
        """The breach, if any, and the tolerance it was judged by."""
        tolerance = self.tolerance(target, band)
        if abs(drift) <= tolerance:
            return None, tolerance
        return (Breach.ABSOLUTE if tolerance == band else Breach.RELATIVE), tolerance

    def tolerance(self, target: Decimal, band: Decimal) -> Decimal:
        """The largest drift that breaks no band: the absolute band, or the relative one when tighter."""
        if self.relative_band is not None and target > ZERO:
            return min(band, self.relative_band * target)
        return band


@dataclass(frozen=True, slots=True)
class Deviation:
    """One weight against its target at one level, and the band that level allows (None: not banded)."""

    level: DriftLevel
    key: str  # the asset class (CASH for cash) at the class level, else the symbol
    asset_class: str | None  # the symbol's class in a two-level model
    current: Decimal
    target: Decimal
    band: Decimal | None
    breach: Breach | None

    @property
    def difference(self) -> Decimal:
        return self.current - self.target

    def describe(self) -> str:
        """Say how far from target and where: 'overweight +7.23 pp overall'."""
        where = {DriftLevel.CLASS: "", DriftLevel.IN_CLASS: f" in class {self.asset_class}",
                 DriftLevel.OVERALL: " overall"}[self.level]
        return _phrase(self.difference, where)

    def describe_breach(self) -> str:
        """One breach line: subject, drift in the words of order reasons, weights and the band broken."""
        subject = f"class {self.key}" if self.level is DriftLevel.CLASS else self.key
        band = "" if self.band is None or self.breach is Breach.NOT_IN_MODEL else f" ±{_points(self.band)[1:]}"
        return (f"{subject} {self.describe()} ({format_percent(self.current)} vs target "
                f"{format_percent(self.target)}, {self.breach}{band})")


def _phrase(difference: Decimal, where: str) -> str:
    points = _points(difference)
    if points[1:].startswith("0.00 "):  # nothing to show at two places: no sign, no word to argue with
        return f"on target{where}"
    return f"{'overweight' if difference > ZERO else 'underweight'} {points}{where}"


def _points(fraction: Decimal) -> str:
    return f"{(fraction * 100).quantize(Decimal('0.01')):+} pp"


@dataclass(frozen=True, slots=True)
class Valuation:
    """Values at current prices of what the model manages (excluded holdings left out)."""

    equity: Decimal
    cash: Decimal
    values: dict[str, Decimal]
    excluded_value: Decimal

    def weight(self, symbol: str) -> Decimal:
        return self.values.get(symbol, ZERO) / self.equity


def value_account(snapshot: AccountSnapshot) -> Valuation:
    """Value the managed part of an account: cash plus every holding not excluded."""
    values = {h.symbol: h.value for h in snapshot.holdings if h.symbol not in snapshot.excluded}
    excluded = sum((h.value for h in snapshot.holdings if h.symbol in snapshot.excluded), ZERO)
    equity = snapshot.cash + sum(values.values(), ZERO)
    if equity <= ZERO:
        raise InvalidInput("the account has no positive equity to rebalance", where=f"snapshot "
                           f"'{snapshot.account_id}'", field="cash", value=str(snapshot.cash))
    return Valuation(equity=equity, cash=snapshot.cash, values=values, excluded_value=excluded)


@dataclass(frozen=True, slots=True)
class ClassDrift:
    """An asset class, or cash, against its (buffered) class weight."""

    name: str
    target_weight: Decimal
    current_weight: Decimal
    breach: Breach | None
    band: Decimal  # the largest drift that breaks no band

    @property
    def drift(self) -> Decimal:
        return self.current_weight - self.target_weight

    def deviation(self) -> Deviation:
        return Deviation(DriftLevel.CLASS, self.name, None, self.current_weight, self.target_weight, self.band,
                         self.breach)


@dataclass(frozen=True, slots=True)
class TickerDrift:
    """A ticker's weight overall and inside its class, against the model; banded at `level`."""

    symbol: str
    asset_class: str | None
    target_weight: Decimal
    current_weight: Decimal
    target_in_class: Decimal
    current_in_class: Decimal
    breach: Breach | None
    level: DriftLevel = DriftLevel.OVERALL
    band: Decimal = ZERO  # the largest drift at `level` that breaks no band

    @property
    def drift(self) -> Decimal:
        return self.current_weight - self.target_weight

    @property
    def drift_in_class(self) -> Decimal:
        return self.current_in_class - self.target_in_class

    def deviations(self) -> tuple[Deviation, ...]:
        """Overall, then inside the class (two-level models); the banded one carries band and breach."""
        overall = self.level is DriftLevel.OVERALL
        rows = [Deviation(DriftLevel.OVERALL, self.symbol, self.asset_class, self.current_weight,
                          self.target_weight, self.band if overall else None, self.breach if overall else None)]
        if not overall:
            rows.append(Deviation(DriftLevel.IN_CLASS, self.symbol, self.asset_class, self.current_in_class,
                                  self.target_in_class, self.band, self.breach))
        return tuple(rows)

    def deviation(self) -> Deviation:
        """The banded level."""
        return self.deviations()[-1]

    def describe(self) -> str:
        """The drift at every level of this ticker, as order reasons and trades not made say it."""
        text = _phrase(self.drift, " overall")  # the same words as Deviation.describe, without building one
        if self.level is DriftLevel.IN_CLASS:
            text += ", " + _phrase(self.drift_in_class, f" in class {self.asset_class}")
        return f"{text} ({Breach.NOT_IN_MODEL})" if self.breach is Breach.NOT_IN_MODEL else text


@dataclass(frozen=True, slots=True)
class DriftReport:
    classes: tuple[ClassDrift, ...]
    tickers: tuple[TickerDrift, ...]

    @property
    def rebalance_needed(self) -> bool:
        return any(row.breach for row in self.classes) or any(row.breach for row in self.tickers)

    def breached(self) -> tuple[Deviation, ...]:
        """Every breached band: classes and cash first, then tickers."""
        return (tuple(row.deviation() for row in self.classes if row.breach)
                + tuple(row.deviation() for row in self.tickers if row.breach))

    def breaches(self) -> list[str]:
        """Describe every breached band, one line each."""
        return [row.describe_breach() for row in self.breached()]


def measure_drift(model: ModelPortfolio, valuation: Valuation, bands: Bands, *, cash_buffer: Decimal) -> DriftReport:
    """Compare current weights with the model's targets, the cash buffer kept back, at every level."""
    targets = buffered_targets(model, cash_buffer)
    classes: list[ClassDrift] = []
    tickers: list[TickerDrift] = []
    for asset_class in model.classes:
        if asset_class.is_cash:
            continue
        class_value = sum((valuation.values.get(h.symbol, ZERO) for h in asset_class.holdings), ZERO)
        if model.two_level:
            classes.append(_class_row(asset_class.name, targets.classes[asset_class.name],
                                      class_value / valuation.equity, bands))
            tickers.extend(_in_class_row(asset_class.name, asset_class.weight > ZERO, h.symbol, h.weight,
                                         class_value, valuation, targets, bands) for h in asset_class.holdings)
        else:
            tickers.extend(_overall_row(h.symbol, valuation, targets, bands) for h in asset_class.holdings)
    cash_current = valuation.cash / valuation.equity
    # Cash is banded by the class band alone: the buffer is a floor, and lots leave some cash idle, so a
    # relative band on a 1 % buffer (0.25 pp at 25 %) would make every plan report the cash it leaves.
    cash_breach = Breach.ABSOLUTE if abs(cash_current - targets.cash) > bands.class_band else None
    classes.append(ClassDrift(CASH_CLASS, targets.cash, cash_current, cash_breach, bands.class_band))
    tickers.extend(_outside_model(model, valuation))
    return DriftReport(classes=tuple(classes), tickers=tuple(tickers))


def _class_row(name: str, target: Decimal, current: Decimal, bands: Bands) -> ClassDrift:
    return ClassDrift(name, target, current, *bands.judge(current - target, target, bands.class_band))


def _in_class_row(asset_class: str, weighted: bool, symbol: str, in_class_target: Decimal, class_value: Decimal,
                  valuation: Valuation, targets: Targets, bands: Bands) -> TickerDrift:
    """A ticker of a two-level model, banded inside its class (a class weighted 0 has no mix to keep)."""
    value = valuation.values.get(symbol, ZERO)
    in_class = value / class_value if class_value > ZERO else ZERO
    breach, tolerance = bands.judge(in_class - in_class_target, in_class_target, bands.ticker_band)
    return TickerDrift(symbol=symbol, asset_class=asset_class, target_weight=targets.tickers[symbol],
                       current_weight=value / valuation.equity, target_in_class=in_class_target,
                       current_in_class=in_class, breach=breach if weighted else None, level=DriftLevel.IN_CLASS,
                       band=tolerance)


def _overall_row(symbol: str, valuation: Valuation, targets: Targets, bands: Bands) -> TickerDrift:
    """A ticker of a flat model: its one implicit class is the whole account, so it is banded overall."""
    current, target = valuation.values.get(symbol, ZERO) / valuation.equity, targets.tickers[symbol]
    breach, tolerance = bands.judge(current - target, target, bands.ticker_band)
    return TickerDrift(symbol=symbol, asset_class=None, target_weight=target, current_weight=current,
                       target_in_class=target, current_in_class=current, breach=breach,
                       level=DriftLevel.OVERALL, band=tolerance)


def _outside_model(model: ModelPortfolio, valuation: Valuation) -> list[TickerDrift]:
    in_model = model.target_weights()
    rows = []
    for symbol, value in sorted(valuation.values.items()):
        if symbol in in_model:
            continue
        weight = value / valuation.equity
        rows.append(TickerDrift(symbol=symbol, asset_class=None, target_weight=ZERO, current_weight=weight,
                                target_in_class=ZERO, current_in_class=weight,
                                breach=Breach.NOT_IN_MODEL if value > ZERO else None))
    return rows
