"""Use case: plan a rebalance for one account without sending anything."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from trimtab.domain.planning import Allocator, Plan, PlanSettings, plan_rebalance

if TYPE_CHECKING:
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.snapshot import AccountSnapshot


def preview_rebalance(
    model: ModelPortfolio, snapshot: AccountSnapshot, settings: PlanSettings, exact: Allocator | None = None
) -> Plan:
    """Plan a rebalance of one account against its model (a dry run: no order leaves trimtab)."""
    plan = plan_rebalance(model, snapshot, settings, exact)
    # Logging not imported: nothing configured a handler, and the record would go nowhere (`trimtab plan` from
    # files saves the 1 ms of importing it).
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(__name__).info(
            "planned account=%s model=%s method=%s rebalance_needed=%s orders=%d skipped=%d",
            plan.account_id, plan.model_name, plan.method.value, plan.rebalance_needed, len(plan.orders),
            len(plan.skipped),
        )
    return plan
