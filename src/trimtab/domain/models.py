"""Model portfolios: flat (ticker weights) or two-level (asset-class weights x ticker weights)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import InstrumentType, Market
from trimtab.domain.numbers import ONE, ZERO, format_percent
from trimtab.domain.text import check_identifier, check_name

WEIGHT_TOLERANCE = Decimal("0.0001")  # 0.01 percentage point
CASH_CLASS = "CASH"


@dataclass(frozen=True, slots=True)
class ModelHolding:
    """One ticker of a model with its weight inside its class (a fraction)."""

    symbol: str
    weight: Decimal
    name: str = ""
    instrument_type: InstrumentType | None = None
    market: Market | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class AssetClass:
    """An asset class ("MP" weight) and its tickers ("Sub-MP" weights summing to 1)."""

    name: str
    weight: Decimal
    holdings: tuple[ModelHolding, ...]

    @property
    def is_cash(self) -> bool:
        return not self.holdings and self.name.upper() == CASH_CLASS


@dataclass(frozen=True, slots=True)
class ModelPortfolio:
    """A named, versioned model. A flat model is one implicit class of weight 1."""

    name: str
    classes: tuple[AssetClass, ...]
    two_level: bool
    version: str = "1"
    description: str = ""
    effective_on: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def target_weights(self) -> dict[str, Decimal]:
        """Overall weight of each ticker: class weight x weight inside the class."""
        return {h.symbol: c.weight * h.weight for c in self.classes for h in c.holdings}

    def class_of(self) -> dict[str, str]:
        """Which class each ticker belongs to."""
        return {h.symbol: c.name for c in self.classes for h in c.holdings}

    @property
    def cash_weight(self) -> Decimal:
        return sum((c.weight for c in self.classes if c.is_cash), ZERO)

    def holding(self, symbol: str) -> ModelHolding | None:
        for c in self.classes:
            for h in c.holdings:
                if h.symbol == symbol:
                    return h
        return None


def flat_model(name: str, holdings: tuple[ModelHolding, ...], **kwargs: str | None) -> ModelPortfolio:
    """Build and validate a flat model (one implicit class)."""
    model = ModelPortfolio(name=name, classes=(AssetClass(name="ALL", weight=ONE, holdings=holdings),),
                           two_level=False, **kwargs)  # type: ignore[arg-type]
    validate_model(model)
    return model


def two_level_model(name: str, classes: tuple[AssetClass, ...], **kwargs: str | None) -> ModelPortfolio:
    """Build and validate a two-level model (MP x Sub-MP)."""
    model = ModelPortfolio(name=name, classes=classes, two_level=True, **kwargs)  # type: ignore[arg-type]
    validate_model(model)
    return model


def _check_sum(total: Decimal, *, where: str, field_name: str) -> None:
    if abs(total - ONE) > WEIGHT_TOLERANCE:
        raise InvalidInput(f"weights sum to {format_percent(total, 4)}, expected 100% (within 0.01 pp)",
                           where=where, field=field_name, value=format_percent(total, 4))


def validate_model(model: ModelPortfolio) -> None:
    """Refuse negative weights, duplicates, empty classes and sums away from 100 %."""
    where = f"model '{model.name}'"
    if not model.name.strip():
        raise InvalidInput("a model needs a name", where="model", field="name", value=model.name)
    _check_texts(model, where)
    if not model.classes:
        raise InvalidInput("a model needs at least one holding", where=where, field="holdings", value=0)
    seen_classes: set[str] = set()
    seen_symbols: dict[str, str] = {}
    for asset_class in model.classes:
        class_where = f"{where}, class '{asset_class.name}'" if model.two_level else where
        if asset_class.name.upper() in seen_classes:
            raise InvalidInput("duplicate asset class", where=where, field="classes", value=asset_class.name)
        seen_classes.add(asset_class.name.upper())
        if asset_class.weight < ZERO:
            raise InvalidInput("negative weight", where=class_where, field="weight",
                               value=format_percent(asset_class.weight))
        if not asset_class.holdings:
            if not asset_class.is_cash:
                raise InvalidInput("a class other than CASH needs holdings", where=class_where,
                                   field="holdings", value=0)
            continue
        _validate_holdings(asset_class, class_where, seen_symbols)
    if model.two_level:
        _check_sum(sum((c.weight for c in model.classes), ZERO), where=where, field_name="classes.weight")


def _check_texts(model: ModelPortfolio, where: str) -> None:
    """Names and identifiers are printable and short: the database and every report take them as they are."""
    check_identifier(model.name, where="model", field="name")
    check_identifier(model.version, where=where, field="version")
    check_name(model.description, where=where, field="description")
    for asset_class in model.classes:
        check_identifier(asset_class.name, where=where, field="classes")
        for holding in asset_class.holdings:
            check_identifier(holding.symbol, where=where, field="symbol")
            check_name(holding.name, where=where, field="name")


def _validate_holdings(asset_class: AssetClass, where: str, seen_symbols: dict[str, str]) -> None:
    for holding in asset_class.holdings:
        if not holding.symbol.strip():
            raise InvalidInput("empty symbol", where=where, field="symbol", value=holding.symbol)
        if holding.symbol in seen_symbols:
            raise InvalidInput(f"duplicate ticker (also in '{seen_symbols[holding.symbol]}')", where=where,
                               field="symbol", value=holding.symbol)
        seen_symbols[holding.symbol] = asset_class.name
        if holding.weight < ZERO:
            raise InvalidInput(f"negative weight for {holding.symbol}", where=where, field="weight",
                               value=format_percent(holding.weight))
    _check_sum(sum((h.weight for h in asset_class.holdings), ZERO), where=where, field_name="holdings.weight")
