"""The KOSPI core engine: top-N KOSPI names by market cap, equal weight capped, behind a regime filter.

A pure function of its inputs (a universe snapshot, the index's daily closes, the parameters): no clock, no IO.

- **Universe**: rows listed on KOSPI, not flagged as excluded, with a positive market cap and price; ranked by
  market cap, largest first, ties broken by symbol (ascending) so the choice never depends on file order.
- **Weights**: equal, 1/N each, capped at ``cap`` (15 %). When the cap binds (N × cap < 1, i.e. fewer than 7
  names at 15 %) every name gets exactly the cap and the rest is held as cash: the model is two-level, an
  ``EQUITY`` class (N × cap) and a ``CASH`` class (the rest). Redistributing is impossible then — every name is
  already at the cap. Otherwise the model is flat, and the weights are rounded to 1e-6 and sum to exactly 1
  (the units left over by rounding go one each to the largest names).
- **Regime filter** on the index closes up to ``as_of``: the last close above its ``trend_days`` (200) simple
  average, the ``momentum_days`` (63) simple return above 0, and the standard deviation of the last
  ``short_vol_days`` (20) daily simple returns below ``vol_ratio`` (1.2) × that of the last ``long_vol_days``
  (60) (sample standard deviation, :func:`statistics.stdev`, on Decimal).
- **Risk-off** (any test fails): the whole model goes to the ``defensive`` symbol when one is given, else to
  cash (a model of one ``CASH`` class of weight 1): accounts following it sell the equities.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import InstrumentType, Market
from trimtab.domain.models import CASH_CLASS, AssetClass, ModelHolding, ModelPortfolio, flat_model, two_level_model
from trimtab.domain.numbers import ONE, ZERO

WEIGHT_STEP = Decimal("0.000001")
EQUITY_CLASS = "EQUITY"
KOSPI = "KOSPI"


@dataclass(frozen=True, slots=True)
class UniverseRow:
    """One listed company of the universe snapshot."""

    symbol: str
    name: str
    market_cap: Decimal
    price: Decimal
    market: str  # the listing market, e.g. KOSPI or KOSDAQ
    excluded: str = ""  # why the name may not be held (halted, managed, warning...); empty when it may


@dataclass(frozen=True, slots=True)
class IndexClose:
    """The index's close on one trading day."""

    on: dt.date
    close: Decimal


@dataclass(frozen=True, slots=True)
class KospiCoreParameters:
    """The engine's settings (fractions for the cap, trading days for the lookbacks)."""

    top_n: int = 10
    cap: Decimal = Decimal("0.15")
    trend_days: int = 200
    momentum_days: int = 63
    short_vol_days: int = 20
    long_vol_days: int = 60
    vol_ratio: Decimal = Decimal("1.2")
    defensive: str | None = None  # where a risk-off model goes (None: cash)

    @property
    def closes_needed(self) -> int:
        """How many closes the regime filter reads (the returns need one close more than their count)."""
        return max(self.trend_days, self.momentum_days + 1, self.short_vol_days + 1, self.long_vol_days + 1)


@dataclass(frozen=True, slots=True)
class Regime:
    """The regime filter's figures and verdict."""

    as_of: dt.date
    close: Decimal
    trend_average: Decimal
    momentum: Decimal  # the simple return over momentum_days
    short_vol: Decimal
    long_vol: Decimal
    vol_ratio: Decimal

    @property
    def above_trend(self) -> bool:
        return self.close > self.trend_average

    @property
    def positive_momentum(self) -> bool:
        return self.momentum > ZERO

    @property
    def calm(self) -> bool:
        return self.short_vol < self.vol_ratio * self.long_vol

    @property
    def is_risk_on(self) -> bool:
        return self.above_trend and self.positive_momentum and self.calm


@dataclass(frozen=True, slots=True)
class EngineResult:
    """The model an engine produced and why: one line per decision."""

    model: ModelPortfolio
    regime: Regime
    selected: tuple[UniverseRow, ...]
    weights: dict[str, Decimal]  # the engine's decision, cash under CASH: exactly 1 in all, none above the cap
    explanation: tuple[str, ...]


def check_parameters(parameters: KospiCoreParameters) -> None:
    """Refuse parameters the engine cannot use."""
    where = "KOSPI core engine parameters"
    if parameters.top_n < 1:
        raise InvalidInput("top_n must be at least 1", where=where, field="top_n", value=parameters.top_n)
    if not ZERO < parameters.cap <= ONE:
        raise InvalidInput("the cap is a fraction above 0 and at most 1", where=where, field="cap",
                           value=str(parameters.cap))
    for field_name in ("trend_days", "momentum_days", "short_vol_days", "long_vol_days"):
        if getattr(parameters, field_name) < 2:  # a standard deviation needs two returns
            raise InvalidInput("a lookback is at least 2 days", where=where, field=field_name,
                               value=getattr(parameters, field_name))
    if parameters.vol_ratio <= ZERO:
        raise InvalidInput("the volatility ratio must be positive", where=where, field="vol_ratio",
                           value=str(parameters.vol_ratio))


def measure_regime(closes: tuple[IndexClose, ...], as_of: dt.date, parameters: KospiCoreParameters) -> Regime:
    """The regime filter's figures on the closes up to and including ``as_of`` (dates ascending)."""
    for earlier, later in itertools.pairwise(closes):
        if later.on <= earlier.on:
            raise InvalidInput("index closes must be in ascending date order, one per day", where="index closes",
                               field="date", value=later.on.isoformat())
    known = [item.close for item in closes if item.on <= as_of]
    if len(known) < parameters.closes_needed:
        raise InvalidInput(f"the regime filter needs {parameters.closes_needed} closes up to {as_of.isoformat()}, "
                           f"found {len(known)}", where="index closes", field="close", value=len(known))
    returns = [today / yesterday - ONE for yesterday, today in itertools.pairwise(known)]
    trend = known[-parameters.trend_days:]
    return Regime(
        as_of=as_of, close=known[-1], trend_average=sum(trend, ZERO) / len(trend),
        momentum=known[-1] / known[-1 - parameters.momentum_days] - ONE,
        short_vol=statistics.stdev(returns[-parameters.short_vol_days:]),
        long_vol=statistics.stdev(returns[-parameters.long_vol_days:]),
        vol_ratio=parameters.vol_ratio)


def rank_universe(universe: tuple[UniverseRow, ...], top_n: int) -> tuple[tuple[UniverseRow, ...], list[str]]:
    """The top-N eligible names (market cap descending, then symbol) and a line for each name left out."""
    notes: list[str] = []
    eligible: list[UniverseRow] = []
    seen: set[str] = set()
    for row in universe:
        if row.symbol in seen:
            raise InvalidInput("the symbol is given twice", where="universe", field="symbol", value=row.symbol)
        seen.add(row.symbol)
        if row.market.upper() != KOSPI:
            continue  # another market's listing: not part of this universe, not worth a line each
        if row.excluded:
            notes.append(f"{row.symbol} {row.name}: excluded ({row.excluded})")
        elif row.market_cap <= ZERO or row.price <= ZERO:
            notes.append(f"{row.symbol} {row.name}: excluded (no market cap or price)")
        else:
            eligible.append(row)
    eligible.sort(key=lambda row: (-row.market_cap, row.symbol))
    return tuple(eligible[:top_n]), notes


def equal_weights(count: int, cap: Decimal) -> tuple[list[Decimal], Decimal]:
    """Each name's weight (equal, at most ``cap``) and the cash left over; the total is exactly 1."""
    if count * cap < ONE:
        return [cap] * count, ONE - count * cap
    base = (ONE / count).quantize(WEIGHT_STEP, rounding=ROUND_DOWN)
    left = int((ONE - base * count) / WEIGHT_STEP)
    return [base + WEIGHT_STEP if index < left else base for index in range(count)], ZERO


def run_kospi_core(universe: tuple[UniverseRow, ...], closes: tuple[IndexClose, ...], *, as_of: dt.date,
                   name: str, parameters: KospiCoreParameters | None = None) -> EngineResult:
    """The KOSPI core model as of a date: risk-on, the top-N names equal-weighted; risk-off, defensive."""
    parameters = parameters or KospiCoreParameters()
    check_parameters(parameters)
    regime = measure_regime(closes, as_of, parameters)
    lines = list(describe_regime(regime, parameters))
    version = as_of.isoformat()
    if not regime.is_risk_on:
        target = parameters.defensive or "cash"
        lines.append(f"risk-off: the regime filter failed -> 100% {target}")
        return EngineResult(_defensive_model(name, version, parameters.defensive), regime, (),
                            {parameters.defensive or CASH_CLASS: ONE}, tuple(lines))
    selected, notes = rank_universe(universe, parameters.top_n)
    if not selected:
        raise InvalidInput("no eligible KOSPI name in the universe (listed on KOSPI, not excluded, market cap "
                           "and price above 0)", where="universe", field="market")
    weights, cash = equal_weights(len(selected), parameters.cap)
    for rank, (row, weight) in enumerate(zip(selected, weights, strict=True), start=1):
        lines.append(f"#{rank} {row.symbol} {row.name}: market cap {row.market_cap}, weight {_percent(weight)}")
    lines.extend(notes)
    if cash:
        lines.append(f"the {_percent(parameters.cap)} cap binds with {len(selected)} names: {_percent(cash)} cash")
    model = _equity_model(name, version, selected, weights, cash)
    decided = {row.symbol: weight for row, weight in zip(selected, weights, strict=True)}
    if cash:
        decided[CASH_CLASS] = cash
    return EngineResult(model, regime, selected, decided, tuple(lines))


def _equity_model(name: str, version: str, selected: tuple[UniverseRow, ...], weights: list[Decimal],
                  cash: Decimal) -> ModelPortfolio:
    """Flat when fully invested; else two-level, EQUITY (the names) and CASH (what the cap leaves)."""
    holdings = tuple(ModelHolding(row.symbol, weight, name=row.name, instrument_type=InstrumentType.STOCK,
                                  market=Market.KOSPI, currency="KRW")
                     for row, weight in zip(selected, weights, strict=True))
    if cash == ZERO:
        return flat_model(name, holdings, version=version, effective_on=version, description=_DESCRIPTION)
    # Inside the class the names share 1 (rounded to 1e-6, summing to exactly 1): a name's overall weight is
    # the cap within N x cap x 1e-6 < 1e-6 (the cap binds only when N x cap < 1); the model's tolerance is 1e-4.
    inside = tuple(ModelHolding(h.symbol, weight, h.name, h.instrument_type, h.market, h.currency)
                   for h, weight in zip(holdings, equal_weights(len(holdings), ONE)[0], strict=True))
    return two_level_model(name, (AssetClass(EQUITY_CLASS, ONE - cash, inside), AssetClass(CASH_CLASS, cash, ())),
                           version=version, effective_on=version, description=_DESCRIPTION)


_DESCRIPTION = "KOSPI core engine: top-N by market cap, equal weight, capped, behind a regime filter"


def describe_regime(regime: Regime, parameters: KospiCoreParameters) -> tuple[str, ...]:
    """The regime figures, one test a line, each with its verdict."""

    def verdict(passed: bool) -> str:
        return "pass" if passed else "FAIL"

    return (
        f"regime as of {regime.as_of.isoformat()}: {'risk-on' if regime.is_risk_on else 'risk-off'}",
        f"  close {regime.close} vs {parameters.trend_days}-day average {_round(regime.trend_average)}: "
        f"{verdict(regime.above_trend)}",
        f"  {parameters.momentum_days}-day return {_percent(regime.momentum)} > 0: {verdict(regime.positive_momentum)}",
        f"  {parameters.short_vol_days}-day volatility {_percent(regime.short_vol)} < {regime.vol_ratio} x "
        f"{parameters.long_vol_days}-day {_percent(regime.long_vol)}: {verdict(regime.calm)}",
    )


def _defensive_model(name: str, version: str, defensive: str | None) -> ModelPortfolio:
    if defensive is None:
        return two_level_model(name, (AssetClass(CASH_CLASS, ONE, ()),), version=version, effective_on=version,
                               description=_DESCRIPTION)
    return flat_model(name, (ModelHolding(defensive, ONE),), version=version, effective_on=version,
                      description=_DESCRIPTION)


def _percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).quantize(Decimal('0.01'))}%"


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))
