"""Plans from files alone: a model file and a snapshot file planned, nothing sent, the database read only for a
model that names ISINs (the security master gives their symbols).

The facade's `plan_files` is this service. `trimtab plan --model FILE --snapshot FILE` calls it directly
(`trimtab.bootstrap.build_file_plans`): a read-only command that loads none of the facade's other operations,
whose imports would cost more than the plan (benchmarks/cli_bench.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from trimtab.application.ports import Clock
    from trimtab.application.repositories import ModelFiles, SecurityRepository
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.planning import Allocator, Plan, PlanSettings

# A snapshot file without a date is valued on today's Korean date (tax rates). Korea has kept UTC+9, without
# daylight saving, since 1988: a fixed offset, not the tz database (zoneinfo costs a plan from files 1 ms).
TAX_ZONE = dt.timezone(dt.timedelta(hours=9), "KST")


def tax_date(clock: Clock) -> dt.date:
    """Today's date in Korea, which values a snapshot file that names no date."""
    return clock.now().astimezone(TAX_ZONE).date()


def resolve_isins(model: ModelPortfolio, securities: Callable[[], SecurityRepository]) -> ModelPortfolio:
    """The model with its ISIN lines under the security master's symbols (the master read only when it has
    ISINs); an ISIN the master does not know is InvalidInput naming it."""
    from trimtab.domain.isin import model_isins

    isins = model_isins(model)
    if not isins:
        return model
    from trimtab.domain.securities import resolve_model

    return resolve_model(model, securities().find(isins))


class FilePlans:
    """Plans from a model file and a snapshot file, over the file readers, a clock and the exact allocator."""

    def __init__(self, files: Callable[[], ModelFiles], clock: Clock, exact_allocator: Callable[[float], Allocator],
                 securities: Callable[[], SecurityRepository]) -> None:
        self._files, self._clock, self._exact_allocator, self._securities = files, clock, exact_allocator, securities

    def plan(self, model_path: Path, model_name: str | None, snapshot_path: Path, settings: PlanSettings,
             exact_time_limit_seconds: float = 10.0) -> Plan:
        """Read a model and a snapshot from files and plan the rebalance (nothing sent)."""
        from trimtab.application.preview_rebalance import preview_rebalance

        files = self._files()
        model = resolve_isins(files.load_model(model_path, model_name), self._securities)
        snapshot = files.load_snapshot(snapshot_path, tax_date(self._clock))
        return preview_rebalance(model, snapshot, settings, self._exact_allocator(exact_time_limit_seconds))
