"""An in-memory PaperStateStore for tests and throw-away demos."""

from __future__ import annotations

import json
from typing import Any


class InMemoryPaperStateStore:
    """Keep each paper account's state as a JSON string, so callers never share mutable documents."""

    def __init__(self) -> None:
        self._documents: dict[str, str] = {}
        self.saves = 0

    def load(self, account_id: str) -> dict[str, Any] | None:
        """Return a fresh copy of the account's state, or None when it was never saved."""
        text = self._documents.get(account_id)
        if text is None:
            return None
        document: dict[str, Any] = json.loads(text)
        return document

    def save(self, account_id: str, state: dict[str, Any]) -> None:
        """Replace the account's state; refuse a document that is not plain JSON."""
        self._documents[account_id] = json.dumps(state, ensure_ascii=False, allow_nan=False)
        self.saves += 1

    def account_ids(self) -> list[str]:
        """Return the ids of every stored account."""
        return list(self._documents)

    def delete(self, account_id: str) -> None:
        """Forget the account's state."""
        self._documents.pop(account_id, None)
