"""What every repository takes: an Engine or a ready session factory."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from trimtab.adapters.persistence.database import make_sessions

Bind = Engine | sessionmaker[Session]


def session_factory(bind: Bind) -> sessionmaker[Session]:
    """Return the session factory for an engine, or the factory itself."""
    return bind if isinstance(bind, sessionmaker) else make_sessions(bind)
