"""Add strategies (sleeves of an account) and ledger_entries (each strategy's fills, imports, reconciliations).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create strategies and ledger_entries."""
    op.create_table(
        "strategies",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("strategy_id", sa.Text(), nullable=False),
        sa.Column("weight", column_types.ExactDecimal(), nullable=False),
        sa.Column("market_type", sa.Text(), nullable=False),
        sa.Column("leverage", column_types.ExactDecimal(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("created_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "strategy_id", name="pk_strategies"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Text(), nullable=False),
        sa.Column("strategy_id", sa.Text(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("quantity", column_types.ExactDecimal(), nullable=False),
        sa.Column("price", column_types.ExactDecimal(), nullable=False),
        sa.Column("fees", column_types.ExactDecimal(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("occurred_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "entry_id", name="pk_ledger_entries"),
    )


def downgrade() -> None:
    op.drop_table("ledger_entries")
    op.drop_table("strategies")
