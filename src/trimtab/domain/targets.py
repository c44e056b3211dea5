"""What an account aims at: the model's weights with the cash buffer carved out.

With overall model weights ``w_k`` (class weight x weight inside the class), ``S = sum(w_k)`` (one minus
the model's own CASH weight) and a cash buffer ``b`` (a fraction of equity), every ticker and every class
is scaled by one factor

    f = min(1, (1 - b) / S)        (0 when the model holds nothing but cash)

so the target of ticker k is ``w_k x f``, of an asset class of weight W ``W x f``, and of cash
``1 - f x S = max(b, model cash)``. The buffer comes out of the model's own cash first: a model with 5 %
CASH and a 1 % buffer invests 95 %, not 95 % x 99 %; without a CASH class every weight becomes
``w x (1 - b)`` and cash ``b``. Weights inside a class are not scaled.

Drift, bands and the allocation all measure against these targets, so an account sitting on them
breaches nothing, whatever the buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.models import ModelPortfolio
from trimtab.domain.numbers import ONE, ZERO


@dataclass(frozen=True, slots=True)
class Targets:
    """Target weights of an account (fractions of equity) once the cash buffer is kept back."""

    scale: Decimal  # f: the share of every model weight that is invested
    tickers: dict[str, Decimal]  # overall weight x f
    classes: dict[str, Decimal]  # class weight x f, for every class but cash
    cash: Decimal  # what is not invested: max(buffer, the model's cash)


def invested_fraction(securities: Decimal, cash_buffer: Decimal) -> Decimal:
    """Scale the model's weights so that the buffer stays free, taking it from the model's own cash first."""
    if securities <= ZERO:
        return ZERO
    return min(ONE, (ONE - cash_buffer) / securities)


def buffered_targets(model: ModelPortfolio, cash_buffer: Decimal) -> Targets:
    """Compute the targets drift and planning aim at: each model weight x f, the rest in cash."""
    weights = model.target_weights()
    securities = sum(weights.values(), ZERO)
    scale = invested_fraction(securities, cash_buffer)
    tickers = {symbol: weight * scale for symbol, weight in weights.items()}
    classes = {c.name: c.weight * scale for c in model.classes if not c.is_cash}
    # 1 - f x S written exactly: (1 - b) / S rounds in the 28th digit, the buffer itself must not
    return Targets(scale=scale, tickers=tickers, classes=classes, cash=max(cash_buffer, ONE - securities))
