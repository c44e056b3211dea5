"""Execution policies (from seed 000): signal confirmation and split execution.

*Signal confirmation.* A breach is acted on only when the same breach has held for N consecutive trading days.
"The same breach" is the account out of its bands against the same target (model name and version): the
seed confirms a target signature the same way. The list of breached weights is not the signature: near a band's
edge a ticker flickers in and out from one day's prices to the next (seen on the demo account), and a breach that
holds must not be reset by it. Each trading day keeps one observation (the day's last); the streak counts back
from today while each earlier trading day has an observation with the same signature.

*Split execution.* A rebalance is spread over N trading days. Day d of N aims at an intermediate target: each
weight moves from where it is now by 1/(N - d + 1) of the way to its target, recomputed from the live account
every day, so a day's unfilled remainder is carried to the next and the last day aims at the target itself.
Holdings outside the model are sold the same way, a share a day; holdings the account excludes stay untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal

from trimtab.domain.drift import DriftReport
from trimtab.domain.models import CASH_CLASS, AssetClass, ModelHolding, ModelPortfolio, two_level_model
from trimtab.domain.numbers import ONE, ZERO
from trimtab.domain.snapshot import AccountSnapshot
from trimtab.domain.targets import buffered_targets

OUTSIDE_CLASS = "HELD_OUTSIDE_MODEL"


def breach_signature(model: ModelPortfolio, drift: DriftReport) -> str:
    """The breach as a comparable text: the target it breaches, '' when no band is breached."""
    return f"{model.name} {model.version}" if drift.rebalance_needed else ""


def streak(observations: Mapping[dt.date, str], today: dt.date, signature: str,
           previous_trading_day: Callable[[dt.date], dt.date]) -> int:
    """How many consecutive trading days, ending today, observed this signature (0 for no breach)."""
    if not signature:
        return 0
    count, day = 0, today
    while observations.get(day) == signature:
        count += 1
        day = previous_trading_day(day)
    return count


def intermediate_model(model: ModelPortfolio, snapshot: AccountSnapshot, cash_buffer: Decimal,
                       days_left: int) -> ModelPortfolio:
    """The model of one split day: every weight 1/days_left of the way from the account to its target."""
    if days_left < 1:
        raise ValueError("days_left must be at least 1")
    step = ONE / days_left
    values = {h.symbol: h.quantity * h.quote.price for h in snapshot.holdings}
    equity = snapshot.cash + sum(values.values(), ZERO)
    current = {symbol: (value / equity if equity > ZERO else ZERO) for symbol, value in values.items()}
    targets = buffered_targets(model, cash_buffer).tickers
    classes: list[AssetClass] = []
    for asset_class in model.classes:
        if asset_class.is_cash:
            continue
        weights = {h.symbol: current.get(h.symbol, ZERO) + (targets[h.symbol] - current.get(h.symbol, ZERO)) * step
                   for h in asset_class.holdings}
        classes.append(_class(asset_class.name, asset_class.holdings, weights))
    outside = [h for h in snapshot.holdings if h.symbol not in targets and h.symbol not in snapshot.excluded]
    if outside and days_left > 1:
        holdings = tuple(ModelHolding(h.symbol, ZERO, instrument_type=h.quote.instrument.instrument_type,
                                      market=h.quote.instrument.market) for h in outside)
        classes.append(_class(OUTSIDE_CLASS, holdings, {h.symbol: current[h.symbol] * (ONE - step) for h in outside}))
    invested = sum((c.weight for c in classes), ZERO)
    classes.append(AssetClass(CASH_CLASS, ONE - invested, ()))
    return two_level_model(model.name, tuple(classes), version=model.version,
                           description=f"{model.name}: 1/{days_left} of the way to target")


def _class(name: str, holdings: tuple[ModelHolding, ...], weights: Mapping[str, Decimal]) -> AssetClass:
    total = sum(weights.values(), ZERO)
    if total <= ZERO:  # nothing of this class is aimed at today: keep the class's own mix at weight 0
        even = ONE / len(holdings)
        inside = [(h, h.weight if h.weight > ZERO else even) for h in holdings]
        scale = sum((weight for _h, weight in inside), ZERO)
        return AssetClass(name, ZERO, tuple(_with_weight(h, weight / scale) for h, weight in inside))
    return AssetClass(name, total, tuple(_with_weight(h, weights[h.symbol] / total) for h in holdings))


def _with_weight(holding: ModelHolding, weight: Decimal) -> ModelHolding:
    return ModelHolding(holding.symbol, weight, holding.name, holding.instrument_type, holding.market,
                        holding.currency)
