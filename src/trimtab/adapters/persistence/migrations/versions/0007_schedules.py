"""Add schedules (jobs in market time) and schedule_slots (each slot claimed once, with its outcome).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create schedules and schedule_slots."""
    op.create_table(
        "schedules",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("document", column_types.JsonDocument(), nullable=False),
        sa.Column("created_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_schedules"),
    )
    op.create_table(
        "schedule_slots",
        sa.Column("schedule", sa.Text(), nullable=False),
        sa.Column("slot", column_types.UtcDateTime(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("updated_at", column_types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["schedule"], ["schedules.name"], ondelete="CASCADE",
                                name="fk_schedule_slots_schedule_schedules"),
        sa.PrimaryKeyConstraint("schedule", "slot", name="pk_schedule_slots"),
    )


def downgrade() -> None:
    op.drop_table("schedule_slots")
    op.drop_table("schedules")
