"""Create the persistence tables: accounts, models, config, runs, trades, fills, locks, summaries, paper.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trimtab.adapters.persistence import types as column_types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (  # in creation order; dropped in reverse
    "accounts", "model_portfolios", "account_assignments", "rebalancing_config", "rebalancing_runs",
    "active_runs", "rebalancing_trades", "fills", "daily_account_summaries", "paper_accounts",
)


def _text(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _integer(name: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _decimal(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, column_types.ExactDecimal(), nullable=nullable)


def _instant(name: str) -> sa.Column[object]:
    return sa.Column(name, column_types.UtcDateTime(), nullable=False)


def _document(name: str) -> sa.Column[object]:
    return sa.Column(name, column_types.JsonDocument(), nullable=False)


def _serial() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def _foreign_key(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    target_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], name=op.f(f"fk_{table}_{column}_{target_table}"))


def _primary_key(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _create_accounts_and_models() -> None:
    op.create_table("accounts", _text("id"), _text("name"), _text("currency"), _text("broker"),
                    _instant("created_at"), _primary_key("accounts", "id"))
    op.create_table("model_portfolios", _serial(), _text("name"), _integer("version"), _text("content_hash"),
                    _document("document"), _text("description"), _instant("created_at"),
                    _primary_key("model_portfolios", "id"),
                    sa.UniqueConstraint("name", "version", name="uq_model_portfolios_name_version"))
    op.create_table("account_assignments", _text("account_id"), _text("model_name"),
                    _integer("pinned_version", nullable=True), _instant("assigned_at"),
                    _foreign_key("account_assignments", "account_id", "accounts.id"),
                    _primary_key("account_assignments", "account_id"))
    op.create_table("rebalancing_config", _text("account_id"), _decimal("class_band"), _decimal("ticker_band"),
                    _decimal("relative_band", nullable=True), _decimal("cash_buffer"), _decimal("min_trade_value"),
                    _integer("price_ticks"), _instant("updated_at"),
                    _foreign_key("rebalancing_config", "account_id", "accounts.id"),
                    _primary_key("rebalancing_config", "account_id"))


def _create_runs() -> None:
    op.create_table("rebalancing_runs", _text("run_id"), _text("account_id"), _text("model_name"),
                    _text("model_version"), _text("broker"), _text("status"), _text("step"),
                    sa.Column("execute", sa.Boolean(), nullable=False),
                    sa.Column("force", sa.Boolean(), nullable=False), _text("reason"), _document("snapshot"),
                    _document("plan"), _document("buy_plan"), _document("post"), _document("attempts"),
                    _instant("created_at"), _instant("updated_at"), _primary_key("rebalancing_runs", "run_id"))
    op.create_index("ix_rebalancing_runs_account_created", "rebalancing_runs", ["account_id", "created_at"])
    # The per-account lock: a second row for an account fails on the primary key, on every database.
    op.create_table("active_runs", _text("account_id"), _text("run_id"),
                    _foreign_key("active_runs", "run_id", "rebalancing_runs.run_id"),
                    _primary_key("active_runs", "account_id"))


def _create_trades_and_fills() -> None:
    op.create_table("rebalancing_trades", _serial(), _text("run_id"), _text("client_order_id"), _text("account_id"),
                    _text("symbol"), _text("side"), _decimal("quantity"), _text("order_type"),
                    _decimal("limit_price", nullable=True), _text("status"), _text("broker_order_id"),
                    _decimal("filled_quantity"), _decimal("filled_value"), _decimal("costs"),
                    _text("reject_reason"), _document("fill_ids"), _text("leg"), _instant("created_at"),
                    _instant("updated_at"), _foreign_key("rebalancing_trades", "run_id", "rebalancing_runs.run_id"),
                    _primary_key("rebalancing_trades", "id"),
                    sa.UniqueConstraint("client_order_id", name=op.f("uq_rebalancing_trades_client_order_id")))
    op.create_index(op.f("ix_rebalancing_trades_run_id"), "rebalancing_trades", ["run_id"])
    op.create_table("fills", _text("fill_id"), _text("client_order_id"), _text("run_id"), _text("symbol"),
                    _text("side"), _decimal("quantity"), _decimal("price"), _decimal("commission"), _decimal("tax"),
                    _instant("filled_at"), _foreign_key("fills", "run_id", "rebalancing_runs.run_id"),
                    _primary_key("fills", "fill_id"))
    op.create_index(op.f("ix_fills_client_order_id"), "fills", ["client_order_id"])
    op.create_index(op.f("ix_fills_run_id"), "fills", ["run_id"])


def _create_summaries_and_paper() -> None:
    op.create_table("daily_account_summaries", _serial(), _text("account_id"),
                    sa.Column("trade_date", sa.Date(), nullable=False), _text("market_type"), _decimal("cash"),
                    _decimal("equity"), _instant("created_at"), _instant("updated_at"),
                    _primary_key("daily_account_summaries", "id"),
                    sa.UniqueConstraint("account_id", "trade_date", "market_type",
                                        name="uq_daily_account_summaries_account_date_market"))
    op.create_table("paper_accounts", _text("account_id"), _document("state"), _instant("updated_at"),
                    _primary_key("paper_accounts", "account_id"))


def upgrade() -> None:
    """Create every table of the first schema."""
    _create_accounts_and_models()
    _create_runs()
    _create_trades_and_fills()
    _create_summaries_and_paper()


def downgrade() -> None:
    """Drop every table of the first schema (indexes go with their tables)."""
    for table in reversed(TABLES):
        op.drop_table(table)
