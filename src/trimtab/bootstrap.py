"""The one place that chooses adapters and reads the clock for the entry points."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from trimtab.adapters.files.models_file import load_model
from trimtab.adapters.files.snapshot_file import load_snapshot
from trimtab.application.plan_document import plan_to_document
from trimtab.application.preview_rebalance import preview_rebalance
from trimtab.domain.allocation import AllocationBatch, IntArray
from trimtab.domain.models import ModelPortfolio
from trimtab.domain.planning import Allocator, Plan, PlanSettings
from trimtab.domain.snapshot import AccountSnapshot

MARKET_ZONE = ZoneInfo("Asia/Seoul")  # dates decide Korean tax rates; see shared/ARCHITECTURE.md "Time"

__all__ = ["plan_files", "plan_to_document", "read_model", "read_snapshot"]


def market_today() -> dt.date:
    """Today's date in the market's time zone."""
    return dt.datetime.now(MARKET_ZONE).date()


def read_model(path: Path, name: str | None) -> ModelPortfolio:
    """Load one model portfolio from a file in any supported format."""
    return load_model(path, name)


def read_snapshot(path: Path) -> AccountSnapshot:
    """Load an account snapshot file (JSON or YAML)."""
    return load_snapshot(path, today=market_today())


def exact_allocator(time_limit_seconds: float) -> Allocator:
    """The MILP allocator with a time limit per account (scipy loads only when it is used)."""

    def allocate(batch: AllocationBatch) -> IntArray:
        from trimtab.adapters.solvers.milp import allocate_exact

        return allocate_exact(batch, time_limit_seconds=time_limit_seconds)

    return allocate


def plan_files(
    model_path: Path, model_name: str | None, snapshot_path: Path, settings: PlanSettings,
    exact_time_limit_seconds: float = 10.0,
) -> Plan:
    """Read a model and a snapshot from files and plan the rebalance."""
    model = read_model(model_path, model_name)
    snapshot = read_snapshot(snapshot_path)
    return preview_rebalance(model, snapshot, settings, exact_allocator(exact_time_limit_seconds))
