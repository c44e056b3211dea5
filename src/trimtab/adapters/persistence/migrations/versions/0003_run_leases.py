"""Runs get a lease (owner, fencing token, expiry) and a progress document (each leg's phase and deadline).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the lease columns (nobody holds existing runs) and an empty progress document."""
    with op.batch_alter_table("rebalancing_runs") as batch:
        batch.add_column(sa.Column("progress", column_types.JsonDocument(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("lease_owner", sa.Text(), nullable=True))
        batch.add_column(sa.Column("lease_token", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("lease_expires_at", column_types.UtcDateTime(), nullable=True))
    with op.batch_alter_table("rebalancing_runs") as batch:  # defaults served the existing rows only
        batch.alter_column("progress", server_default=None)
        batch.alter_column("lease_token", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("rebalancing_runs") as batch:
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_token")
        batch.drop_column("lease_owner")
        batch.drop_column("progress")
