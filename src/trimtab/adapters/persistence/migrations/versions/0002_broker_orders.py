"""Add broker_orders: the client-order-id ↔ broker-order-number map of brokers without client ids (KIS).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create broker_orders; one broker order number belongs to at most one client order id."""
    op.create_table(
        "broker_orders",
        sa.Column("broker", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("client_order_id", sa.Text(), nullable=False),
        sa.Column("broker_order_id", sa.Text(), nullable=True),
        sa.Column("document", column_types.JsonDocument(), nullable=False),
        sa.Column("updated_at", column_types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("broker", "account_id", "client_order_id", name="pk_broker_orders"),
        sa.UniqueConstraint("broker", "account_id", "broker_order_id", name="uq_broker_orders_broker_account_order"),
    )


def downgrade() -> None:
    op.drop_table("broker_orders")
