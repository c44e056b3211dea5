"""Add the sweep's tables: account_balances, account_holdings, last_quotes, sweep_runs, sweep_results.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the positions and quotes a sweep reads, and the runs and results it writes."""
    op.create_table(
        "account_balances",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("cash", column_types.ExactDecimal(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("commission_rate", column_types.ExactDecimal(), nullable=False),
        sa.Column("commission_minimum", column_types.ExactDecimal(), nullable=False),
        sa.Column("read_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_account_balances"),
    )
    op.create_table(
        "account_holdings",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("quantity", column_types.ExactDecimal(), nullable=False),
        sa.Column("orderable_quantity", column_types.ExactDecimal(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "symbol", name="pk_account_holdings"),
    )
    op.create_table(
        "last_quotes",
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("price", column_types.ExactDecimal(), nullable=False),
        sa.Column("base_price", column_types.ExactDecimal(), nullable=True),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("market", sa.Text(), nullable=False),
        sa.Column("instrument_type", sa.Text(), nullable=False),
        sa.Column("lot_size", column_types.ExactDecimal(), nullable=False),
        sa.Column("tick_size", column_types.ExactDecimal(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("read_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("symbol", name="pk_last_quotes"),
    )
    op.create_table(
        "sweep_runs",
        sa.Column("run_id", sa.Text(), nullable=False),
        sa.Column("started_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("finished_at", column_types.UtcDateTime(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("models", column_types.JsonDocument(), nullable=False),
        sa.Column("plan", sa.Boolean(), nullable=False),
        sa.Column("summary", column_types.JsonDocument(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_sweep_runs"),
    )
    op.create_table(
        "sweep_results",
        sa.Column("run_id", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("model_name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("breaches", sa.Integer(), nullable=False),
        sa.Column("largest_drift", column_types.ExactDecimal(), nullable=True),
        sa.Column("equity", column_types.ExactDecimal(), nullable=True),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("turnover", column_types.ExactDecimal(), nullable=True),
        sa.Column("plan", column_types.JsonDocument(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "account_id", name="pk_sweep_results"),
    )
    op.create_index("ix_sweep_results_run_status", "sweep_results", ["run_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_sweep_results_run_status", table_name="sweep_results")
    for table in ("sweep_results", "sweep_runs", "last_quotes", "account_holdings", "account_balances"):
        op.drop_table(table)
