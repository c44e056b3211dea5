"""Model versions keep the label their file gave them ("2026-01"), unique per model.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the label column (existing versions have none) and its uniqueness per model."""
    with op.batch_alter_table("model_portfolios") as batch:
        batch.add_column(sa.Column("label", sa.Text(), nullable=True))
        batch.create_unique_constraint("uq_model_portfolios_name_label", ["name", "label"])


def downgrade() -> None:
    with op.batch_alter_table("model_portfolios") as batch:
        batch.drop_constraint("uq_model_portfolios_name_label", type_="unique")
        batch.drop_column("label")
