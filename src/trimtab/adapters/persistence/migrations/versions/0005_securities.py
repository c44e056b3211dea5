"""Add securities: the security master (ISIN → symbol, contract id, exchange, currency, minimum tick).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create securities, one row per ISIN."""
    op.create_table(
        "securities",
        sa.Column("isin", sa.Text(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("exchange", sa.Text(), nullable=False),
        sa.Column("con_id", sa.Integer(), nullable=True),
        sa.Column("min_tick", column_types.ExactDecimal(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("isin", name="pk_securities"),
    )


def downgrade() -> None:
    op.drop_table("securities")
