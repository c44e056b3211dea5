"""Drift at both levels of a model: asset classes (MP) and tickers inside their class (Sub-MP)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.errors import InvalidInput
from trimtab.domain.models import CASH_CLASS, ModelPortfolio
from trimtab.domain.numbers import ZERO
from trimtab.domain.snapshot import AccountSnapshot

DEFAULT_CLASS_BAND = Decimal("0.03")
DEFAULT_TICKER_BAND = Decimal("0.05")


class Breach(StrEnum):
    ABSOLUTE = "absolute band"
    RELATIVE = "relative band"
    NOT_IN_MODEL = "held outside the model"


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
        """Say which band a drift breaks, if any."""
        if abs(drift) > band:
            return Breach.ABSOLUTE
        if self.relative_band is not None and target > ZERO and abs(drift) > self.relative_band * target:
            return Breach.RELATIVE
        return None


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
    name: str
    target_weight: Decimal
    current_weight: Decimal
    breach: Breach | None

    @property
    def drift(self) -> Decimal:
        return self.current_weight - self.target_weight


@dataclass(frozen=True, slots=True)
class TickerDrift:
    """A ticker's weight overall and inside its class, against the model."""

    symbol: str
    asset_class: str | None
    target_weight: Decimal
    current_weight: Decimal
    target_in_class: Decimal
    current_in_class: Decimal
    breach: Breach | None

    @property
    def drift(self) -> Decimal:
        return self.current_weight - self.target_weight

    @property
    def drift_in_class(self) -> Decimal:
        return self.current_in_class - self.target_in_class


@dataclass(frozen=True, slots=True)
class DriftReport:
    classes: tuple[ClassDrift, ...]
    tickers: tuple[TickerDrift, ...]

    @property
    def rebalance_needed(self) -> bool:
        return any(row.breach for row in self.classes) or any(row.breach for row in self.tickers)

    def breaches(self) -> list[str]:
        """Describe every breached band, one line each."""
        lines = [f"class {c.name}: {_points(c.drift)} ({c.breach})" for c in self.classes if c.breach]
        lines += [f"{t.symbol}: {_points(t.drift_in_class)} ({t.breach})" for t in self.tickers if t.breach]
        return lines


def _points(fraction: Decimal) -> str:
    return f"{(fraction * 100).quantize(Decimal('0.01')):+} pp"


def measure_drift(model: ModelPortfolio, valuation: Valuation, bands: Bands) -> DriftReport:
    """Compare current weights with the model at class and ticker level."""
    equity = valuation.equity
    classes: list[ClassDrift] = []
    tickers: list[TickerDrift] = []
    for asset_class in model.classes:
        if asset_class.is_cash:
            continue
        class_value = sum((valuation.values.get(h.symbol, ZERO) for h in asset_class.holdings), ZERO)
        current = class_value / equity
        if model.two_level:
            classes.append(ClassDrift(asset_class.name, asset_class.weight, current,
                                      bands.breach(current - asset_class.weight, asset_class.weight,
                                                   bands.class_band)))
        for holding in asset_class.holdings:
            value = valuation.values.get(holding.symbol, ZERO)
            # a flat model's only class is the whole account
            base = class_value if model.two_level else equity
            in_class = value / base if base > ZERO else ZERO
            tickers.append(TickerDrift(
                symbol=holding.symbol, asset_class=asset_class.name if model.two_level else None,
                target_weight=asset_class.weight * holding.weight, current_weight=value / equity,
                target_in_class=holding.weight, current_in_class=in_class,
                breach=bands.breach(in_class - holding.weight, holding.weight, bands.ticker_band)))
    cash_current = valuation.cash / equity
    classes.append(ClassDrift(CASH_CLASS, model.cash_weight, cash_current,
                              bands.breach(cash_current - model.cash_weight, model.cash_weight,
                                           bands.class_band)))
    tickers.extend(_outside_model(model, valuation))
    return DriftReport(classes=tuple(classes), tickers=tuple(tickers))


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
