"""Accounts, models, an account's settings and runs as plain JSON-ready documents, shared by the CLI's
``--json`` and later the HTTP API.

The conventions of ``plan --json`` and ``runs show --json``: money and quantities are strings of exact
Decimals, bands and buffers fractions as strings (``"0.03"`` = 3 %), times ISO 8601, absent values null.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trimtab.application.ports import RunRecord
    from trimtab.application.rebalancing_config import RebalancingConfig
    from trimtab.application.records import AccountOverview, ModelVersionInfo


def exact(value: Decimal) -> str:
    """A Decimal as text, exactly and without an exponent (0.030 -> "0.03", 1E+3 -> "1000")."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def accounts_document(overviews: list[AccountOverview]) -> dict[str, Any]:
    """Every account with its model (and pinned version) and active run."""
    accounts = []
    for overview in overviews:
        account, assignment = overview.account, overview.assignment
        accounts.append({
            "account_id": account.account_id, "name": account.name, "currency": account.currency,
            "broker": account.broker, "created_at": account.created_at.isoformat(),
            "model": None if assignment is None else assignment.model_name,
            "pinned_version": None if assignment is None else assignment.pinned_version,
            "active_run": overview.active_run,
        })
    return {"accounts": accounts}


def models_document(versions: list[ModelVersionInfo]) -> dict[str, Any]:
    """Every stored version of every model, by name then version."""
    return {"models": [{"name": info.name, "version": info.version, "label": info.label,
                        "description": info.description, "created_at": info.created_at.isoformat()}
                       for info in versions]}


def bands_document(account_id: str, config: RebalancingConfig) -> dict[str, Any]:
    """An account's bands and planning settings: fractions and amounts as exact strings, ticks a number."""
    return {
        "account_id": account_id, "class_band": exact(config.class_band), "ticker_band": exact(config.ticker_band),
        "relative_band": None if config.relative_band is None else exact(config.relative_band),
        "cash_buffer": exact(config.cash_buffer), "minimum_trade_value": exact(config.minimum_trade_value),
        "price_ticks": config.price_ticks, "confirm_days": config.confirm_days, "split_days": config.split_days,
    }


def runs_document(runs: list[RunRecord]) -> dict[str, Any]:
    """Runs, newest first, with the fields ``runs show --json`` gives them (orders counted, not listed)."""
    return {"runs": [{
        "run_id": run.run_id, "account_id": run.account_id, "model": run.model_name,
        "model_version": run.model_version, "broker": run.broker, "status": run.status.value, "step": run.step.value,
        "execute": run.execute, "force": run.force, "reason": run.reason, "order_count": len(run.orders),
        "created_at": run.created_at.isoformat(), "updated_at": run.updated_at.isoformat(),
    } for run in runs]}
