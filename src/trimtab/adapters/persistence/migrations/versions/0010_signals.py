"""Add signals: webhooks received (without their token), by the sender's id, and what became of them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create signals."""
    op.create_table(
        "signals",
        sa.Column("signal_id", sa.Text(), nullable=False),
        sa.Column("received_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("payload", column_types.JsonDocument(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("run_ids", column_types.JsonDocument(), nullable=False),
        sa.PrimaryKeyConstraint("signal_id", name="pk_signals"),
    )
    op.create_index("ix_signals_received_at", "signals", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_signals_received_at", table_name="signals")
    op.drop_table("signals")
