"""Rule out, many accounts at once, the ones surely inside their bands (NumPy, float64).

A sweep values every account of a model in one matrix operation: each account's value per symbol (quantity
x price), its cash, equity and the weight of every class and ticker against the buffered targets and the
tolerances of `drift.measure_drift` (class band for classes and cash, ticker band inside a class or overall,
the relative band when tighter, anything held outside the model a breach). The screen only *rules out*: an
account whose every drift is inside its tolerance by more than MARGIN is in band; every other one is a
candidate, judged again exactly by the domain's Decimal drift before it is called breached or planned. A float
decides no breach, price or quantity: float64 errs on a weight by about 1e-15, a million times below MARGIN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from trimtab.domain.drift import Bands
from trimtab.domain.models import ModelPortfolio
from trimtab.domain.targets import buffered_targets

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[Any]
BoolArray = npt.NDArray[np.bool_]

MARGIN = 1e-9  # a drift this close to its tolerance is judged exactly


@dataclass(frozen=True, slots=True)
class ClassScreen:
    """One asset class of a two-level model: its columns, target and tolerance, its tickers' in-class ones."""

    columns: IntArray
    target: float
    tolerance: float
    weighted: bool  # a class weighted 0 has no in-class mix to keep
    in_class_targets: FloatArray
    in_class_tolerances: FloatArray


@dataclass(frozen=True, slots=True)
class ScreenSpec:
    """A model under one account setting, in float: where its tickers are and what each may drift."""

    columns: IntArray  # the model's tickers' columns in the value matrix
    targets: FloatArray  # each ticker's overall (buffered) target
    overall_tolerances: FloatArray | None  # a flat model's tickers are banded overall
    classes: tuple[ClassScreen, ...]  # a two-level model's classes
    cash_target: float
    cash_band: float


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """Per account: a candidate for an exact look, the largest ticker drift, equity (<= 0: cannot plan)."""

    candidate: BoolArray
    largest_drift: FloatArray
    equity: FloatArray


def screen_spec(model: ModelPortfolio, bands: Bands, cash_buffer: Decimal, column_of: Mapping[str, int]) -> ScreenSpec:
    """The float figures of a model's targets and tolerances; every model symbol must have a column."""
    targets = buffered_targets(model, cash_buffer)
    symbols = list(model.target_weights())
    columns = np.array([column_of[symbol] for symbol in symbols], dtype=np.int64)
    overall = np.array([float(targets.tickers[symbol]) for symbol in symbols], dtype=np.float64)
    classes: list[ClassScreen] = []
    flat_tolerances: FloatArray | None = None
    if model.two_level:
        for asset_class in model.classes:
            if asset_class.is_cash:
                continue
            target = targets.classes[asset_class.name]
            classes.append(ClassScreen(
                np.array([column_of[h.symbol] for h in asset_class.holdings], dtype=np.int64), float(target),
                float(bands.tolerance(target, bands.class_band)), asset_class.weight > 0,
                np.array([float(h.weight) for h in asset_class.holdings], dtype=np.float64),
                np.array([float(bands.tolerance(h.weight, bands.ticker_band)) for h in asset_class.holdings],
                         dtype=np.float64)))
    else:
        flat_tolerances = np.array([float(bands.tolerance(targets.tickers[symbol], bands.ticker_band))
                                    for symbol in symbols], dtype=np.float64)
    return ScreenSpec(columns, overall, flat_tolerances, tuple(classes), float(targets.cash), float(bands.class_band))


def screen(spec: ScreenSpec, values: FloatArray, cash: FloatArray) -> ScreenResult:
    """Screen accounts (rows of `values`: value per symbol column, `cash` per row) against one spec."""
    held = values.sum(axis=1)
    equity = cash + held
    safe = np.where(equity > 0, equity, 1.0)
    model_values = values[:, spec.columns]
    weights = model_values / safe[:, None]
    ticker_drift = np.abs(weights - spec.targets)
    outside = values.copy()
    outside[:, spec.columns] = 0.0
    outside_weight = outside.max(axis=1, initial=0.0) / safe
    largest = np.maximum(ticker_drift.max(axis=1, initial=0.0), outside_weight)
    excess = np.abs(cash / safe - spec.cash_target) - spec.cash_band
    if spec.overall_tolerances is not None:
        excess = np.maximum(excess, (ticker_drift - spec.overall_tolerances).max(axis=1, initial=-1.0))
    for asset_class in spec.classes:
        excess = np.maximum(excess, _class_excess(asset_class, values, safe))
    candidate = (excess > -MARGIN) | (outside_weight > 0) | (equity <= 0)
    return ScreenResult(candidate, largest, equity)


def _class_excess(asset_class: ClassScreen, values: FloatArray, equity: FloatArray) -> FloatArray:
    """How far beyond its tolerance the class, or a ticker inside it, is (negative: inside)."""
    members = values[:, asset_class.columns]
    class_value = members.sum(axis=1)
    excess: FloatArray = np.abs(class_value / equity - asset_class.target) - asset_class.tolerance
    if asset_class.weighted:
        safe = np.where(class_value > 0, class_value, 1.0)
        in_class = np.where(class_value[:, None] > 0, members / safe[:, None], 0.0)
        tickers = (np.abs(in_class - asset_class.in_class_targets) - asset_class.in_class_tolerances).max(axis=1)
        excess = np.maximum(excess, tickers)
    return excess
