"""Add queued_runs: runs named when they were put on the task queue (docs/scale.md).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create queued_runs."""
    op.create_table(
        "queued_runs",
        sa.Column("run_id", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("execute", sa.Boolean(), nullable=False),
        sa.Column("enqueued_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name="pk_queued_runs"),
    )


def downgrade() -> None:
    op.drop_table("queued_runs")
