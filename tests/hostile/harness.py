"""Load a (possibly hostile) file the way the CLI does, then plan with it: the in-process layer's driver."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.hostile import documents
from trimtab.adapters.files.models_file import load_models
from trimtab.adapters.files.snapshot_file import load_snapshot
from trimtab.domain import bounds
from trimtab.domain.allocation import AllocationMethod
from trimtab.domain.errors import EXCERPT_LENGTH, MESSAGE_LENGTH, WHERE_LENGTH, InvalidInput
from trimtab.domain.models import ModelPortfolio
from trimtab.domain.planning import PlanSettings, plan_rebalance
from trimtab.domain.snapshot import AccountSnapshot

TODAY = dt.date(2026, 11, 20)
# "where, field 'f', value 'v': message": each part is bounded, whatever the input.
MAX_MESSAGE = WHERE_LENGTH + 2 * EXCERPT_LENGTH + MESSAGE_LENGTH + 40


@dataclass(frozen=True)
class Base:
    """A valid document and its partner (a model's account, an account's model)."""

    kind: str  # "model" or "snapshot"
    build: Callable[[], dict[str, Any]]
    partner: Callable[[], dict[str, Any]]


BASES = {
    "two-level": Base("model", documents.two_level_model, documents.korean_snapshot),
    "flat": Base("model", documents.flat_model, documents.us_snapshot),
    "somp": Base("model", documents.somp_model, documents.us_snapshot),
    "kr-snapshot": Base("snapshot", documents.korean_snapshot, documents.two_level_model),
    "us-snapshot": Base("snapshot", documents.us_snapshot, documents.flat_model),
}


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


def load_and_plan(kind: str, path: Path, partner: dict[str, Any], folder: Path) -> None:
    """Load the file, then plan it against its partner (greedy and floor); only InvalidInput may escape."""
    partner_path = write(folder, "partner.json", documents.render(partner))
    if kind == "model":
        models, snapshot = load_models(path), load_snapshot(partner_path, today=TODAY)
    else:
        snapshot = load_snapshot(path, today=TODAY)
        models = load_models(partner_path)
    assert_within_bounds(snapshot)
    for model in models:
        plan_both_ways(model, snapshot)


def plan_both_ways(model: ModelPortfolio, snapshot: AccountSnapshot) -> None:
    for method in (AllocationMethod.GREEDY, AllocationMethod.FLOOR):
        plan_rebalance(model, snapshot, PlanSettings(method=method, force=True))


def assert_within_bounds(snapshot: AccountSnapshot) -> None:
    """What a loader accepted is inside the documented bounds (never silently out of range)."""
    assert bounds.CASH.contains(snapshot.cash)
    assert bounds.COMMISSION_RATE.contains(snapshot.costs.commission_rate)
    assert bounds.COMMISSION_MINIMUM.contains(snapshot.costs.commission_minimum)
    for holding in snapshot.holdings:
        assert bounds.QUANTITY.contains(holding.quantity)
        assert bounds.QUANTITY.contains(holding.orderable_quantity)
    for quote in snapshot.quotes.values():
        assert bounds.PRICE.contains(quote.price)
        assert quote.base_price is None or bounds.PRICE.contains(quote.base_price)
        assert bounds.LOT_SIZE.contains(quote.instrument.lot_size)
        assert quote.instrument.tick_size is None or bounds.TICK_SIZE.contains(quote.instrument.tick_size)


def outcome(call: Callable[[], object]) -> InvalidInput | None:
    """Run a load-and-plan; return its InvalidInput (checked short and on one line) or None when accepted."""
    try:
        call()
    except InvalidInput as error:
        message = str(error)
        assert len(message) <= MAX_MESSAGE, message[:200]
        return error
    return None


def decimal_of(text: str) -> Decimal:
    return Decimal(text.replace(",", "").replace("_", ""))
