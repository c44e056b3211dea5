"""Model portfolios, versioned: importing changed content stores the next version, the same content none."""

from __future__ import annotations

import builtins

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trimtab.adapters.clock import SystemClock
from trimtab.adapters.persistence.mapping import content_hash, model_document, row_to_model
from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.tables import ModelPortfolioRow
from trimtab.application.ports import Clock
from trimtab.application.records import ModelVersionInfo
from trimtab.domain.errors import DomainError, InvalidInput
from trimtab.domain.models import ModelPortfolio, validate_model

# Two imports of one model at once may pick the same next version; the loser reads again and retries.
_IMPORT_ATTEMPTS = 3


class SqlModelRepository:
    """Versioned model portfolios; every public method is one committed transaction."""

    def __init__(self, bind: Bind, clock: Clock | None = None) -> None:
        self._sessions = session_factory(bind)
        self._clock = clock or SystemClock()

    def import_model(self, model: ModelPortfolio) -> str:
        """Store a model and return its version ("1", "2", ...); unchanged content keeps the latest version."""
        validate_model(model)
        for _ in range(_IMPORT_ATTEMPTS):
            try:
                return self._import_once(model)
            except IntegrityError:
                continue
        raise DomainError(f"could not store model '{model.name}': concurrent imports; try again")

    def _import_once(self, model: ModelPortfolio) -> str:
        document = model_document(model)
        digest = content_hash(document, model.description)
        label = model_label(model.version)
        with self._sessions.begin() as session:
            latest = _latest(session, model.name)
            if latest is not None and latest.content_hash == digest:
                return str(latest.version)
            if label is not None:
                taken = _labelled(session, model.name, label)
                if taken is not None:
                    raise InvalidInput(f"model '{model.name}' already has a version {taken.version} labelled "
                                       f"'{label}' with other content; give the new content a new label",
                                       where="models", field="version", value=label)
            number = 1 if latest is None else latest.version + 1
            session.add(ModelPortfolioRow(name=model.name, version=number, label=label, content_hash=digest,
                                          document=document, description=model.description,
                                          created_at=self._clock.now()))
            session.flush()
            return str(number)

    def get(self, name: str, version: str | None = None) -> ModelPortfolio:
        """Return the latest version of a model, or the given one; raise InvalidInput when unknown."""
        with self._sessions() as session:
            number = None if version is None else version_number(session, name, version)
            return row_to_model(require_model(session, name, number))

    def list(self, name: str | None = None) -> builtins.list[ModelVersionInfo]:
        """Return every stored version, by model name then version."""
        query = select(ModelPortfolioRow).order_by(ModelPortfolioRow.name, ModelPortfolioRow.version)
        if name is not None:
            query = query.where(ModelPortfolioRow.name == name)
        with self._sessions() as session:
            return [ModelVersionInfo(name=row.name, version=str(row.version), description=row.description,
                                     created_at=row.created_at, label=row.label) for row in session.scalars(query)]


def _latest(session: Session, name: str) -> ModelPortfolioRow | None:
    query = (select(ModelPortfolioRow).where(ModelPortfolioRow.name == name)
             .order_by(ModelPortfolioRow.version.desc()).limit(1))
    return session.scalars(query).first()


def model_label(version: str) -> str | None:
    """The label a model file gave its version, or None: plain numbers are trimtab's own numbering."""
    text = version.strip()
    return None if not text or (text.isascii() and text.isdigit()) else text


def _labelled(session: Session, name: str, label: str) -> ModelPortfolioRow | None:
    query = select(ModelPortfolioRow).where(ModelPortfolioRow.name == name, ModelPortfolioRow.label == label)
    return session.scalars(query).first()


def version_number(session: Session, name: str, version: str) -> int:
    """The number of a model's version given as a number ("3") or as its file's label ("2026-01")."""
    text = version.strip()
    if text.isascii() and text.isdigit() and int(text) >= 1:
        return int(text)
    row = _labelled(session, name, text) if text else None
    if row is None:
        raise InvalidInput(f"model '{name}' has no version numbered or labelled so (`trimtab models list`)",
                           where="models", field="version", value=version)
    return row.version


def require_model(session: Session, name: str, version: int | None) -> ModelPortfolioRow:
    """Return a model's latest or given version; raise InvalidInput when it is not stored."""
    if version is None:
        row = _latest(session, name)
    else:
        query = select(ModelPortfolioRow).where(ModelPortfolioRow.name == name, ModelPortfolioRow.version == version)
        row = session.scalars(query).first()
    if row is None and version is None:
        raise InvalidInput("unknown model", where="models", field="name", value=name)
    if row is None:
        raise InvalidInput(f"model '{name}' has no such version", where="models", field="version", value=str(version))
    return row
