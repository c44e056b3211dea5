"""Add execution policies: confirm_days and split_days on rebalancing_config, breach_observations and
split_executions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Two settings (1: off) on every account's settings, and the state the policies keep."""
    with op.batch_alter_table("rebalancing_config") as batch:
        batch.add_column(sa.Column("confirm_days", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("split_days", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "breach_observations",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("market_date", sa.Date(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("observed_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "market_date", name="pk_breach_observations"),
    )
    op.create_table(
        "split_executions",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("document", column_types.JsonDocument(), nullable=False),
        sa.Column("updated_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_split_executions"),
    )


def downgrade() -> None:
    op.drop_table("split_executions")
    op.drop_table("breach_observations")
    with op.batch_alter_table("rebalancing_config") as batch:
        batch.drop_column("split_days")
        batch.drop_column("confirm_days")
