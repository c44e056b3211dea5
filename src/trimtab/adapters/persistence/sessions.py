"""What every ORM repository takes: an Engine or a ready session factory."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

Bind = Engine | sessionmaker[Session]


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory the repositories use (objects stay readable after commit)."""
    return sessionmaker(engine, expire_on_commit=False)


def session_factory(bind: Bind) -> sessionmaker[Session]:
    """Return the session factory for an engine, or the factory itself."""
    return bind if isinstance(bind, sessionmaker) else make_sessions(bind)
