"""Where the database is, read without loading SQLAlchemy (a command that never touches it pays nothing)."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_VARIABLE = "TRIMTAB_DATABASE_URL"


def default_database_url() -> str:
    """Return TRIMTAB_DATABASE_URL, or a SQLite file under ~/.local/share/trimtab (creating the folder)."""
    configured = os.environ.get(DATABASE_URL_VARIABLE, "").strip()
    if configured:
        return configured
    folder = Path.home() / ".local" / "share" / "trimtab"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'trimtab.db'}"
