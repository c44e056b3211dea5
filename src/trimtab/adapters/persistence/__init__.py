"""Persistence adapter: SQLAlchemy tables, Alembic migrations and repositories for SQLite and PostgreSQL."""

from trimtab.adapters.persistence.accounts import SqlAccountRepository
from trimtab.adapters.persistence.database import default_database_url, make_engine, migrate
from trimtab.adapters.persistence.paper_state import SqlPaperStateStore
from trimtab.adapters.persistence.portfolios import SqlModelRepository
from trimtab.adapters.persistence.rebalancing_config import SqlConfigRepository
from trimtab.adapters.persistence.records import (
    Account,
    DailySummary,
    ModelAssignment,
    ModelVersionInfo,
    RebalancingConfig,
)
from trimtab.adapters.persistence.runs import SqlRunRepository
from trimtab.adapters.persistence.summaries import SqlSummaryRepository

__all__ = [
    "Account",
    "DailySummary",
    "ModelAssignment",
    "ModelVersionInfo",
    "RebalancingConfig",
    "SqlAccountRepository",
    "SqlConfigRepository",
    "SqlModelRepository",
    "SqlPaperStateStore",
    "SqlRunRepository",
    "SqlSummaryRepository",
    "default_database_url",
    "make_engine",
    "migrate",
]
