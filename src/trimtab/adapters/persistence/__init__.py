"""Persistence adapter: SQLAlchemy tables, Alembic migrations and repositories for SQLite and PostgreSQL."""
