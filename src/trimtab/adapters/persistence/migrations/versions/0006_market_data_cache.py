"""Add the market-data cache: snapshots read from brokers (market_snapshots) and their prices (quotes).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create market_snapshots (one per broker read) and quotes (one per price of a snapshot)."""
    op.create_table(
        "market_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("broker", sa.Text(), nullable=False),
        sa.Column("read_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("market_date", sa.Date(), nullable=False),
        sa.Column("document", column_types.JsonDocument(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_market_snapshots"),
    )
    op.create_index("ix_market_snapshots_account_read", "market_snapshots", ["account_id", "read_at"])
    op.create_table(
        "quotes",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.Text(), nullable=False),
        sa.Column("price", column_types.ExactDecimal(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("read_at", column_types.UtcDateTime(), nullable=False),
        sa.Column("broker", sa.Text(), nullable=False),
        sa.Column("market_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["market_snapshots.id"], ondelete="CASCADE",
                                name="fk_quotes_snapshot_id_market_snapshots"),
        sa.PrimaryKeyConstraint("snapshot_id", "symbol", name="pk_quotes"),
    )
    op.create_index("ix_quotes_symbol_read", "quotes", ["symbol", "read_at"])


def downgrade() -> None:
    op.drop_index("ix_quotes_symbol_read", table_name="quotes")
    op.drop_table("quotes")
    op.drop_index("ix_market_snapshots_account_read", table_name="market_snapshots")
    op.drop_table("market_snapshots")
