"""Add performance_snapshots (daily equity and cash per strategy and per account).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create performance_snapshots."""
    op.create_table(
        "performance_snapshots",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("strategy_id", sa.Text(), nullable=False),
        sa.Column("market_date", sa.Date(), nullable=False),
        sa.Column("equity", column_types.ExactDecimal(), nullable=False),
        sa.Column("cash", column_types.ExactDecimal(), nullable=False),
        sa.Column("funding", column_types.ExactDecimal(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("taken_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "strategy_id", "market_date", name="pk_performance_snapshots"),
    )


def downgrade() -> None:
    op.drop_table("performance_snapshots")
