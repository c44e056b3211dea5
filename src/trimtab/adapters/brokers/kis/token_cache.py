"""A KIS access-token cache shared across processes: one JSON file, mode 0600, written atomically.

KIS allows one issuance a minute and alerts the user on every one (BROKERS.md §1.2), so every process must
reuse the token another process already holds. Entries are keyed by environment and a hash of the app key, so
the file never holds the app key itself. An exclusive lock on a sibling lock file (filelock: fcntl where it
exists, Windows' own locking elsewhere) serialises the read-check-issue-write sequence between processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import AsyncFileLock, Timeout


@dataclass(frozen=True, slots=True)
class CachedToken:
    """A token with its expiry and issuance instants (epoch seconds)."""

    value: str
    expires_at: float
    issued_at: float

    def __repr__(self) -> str:
        return f"CachedToken(value='**********', expires_at={self.expires_at}, issued_at={self.issued_at})"


def cache_key(environment: str, app_key: str) -> str:
    """Return the entry key: environment plus a short hash of the app key."""
    return f"{environment}:{hashlib.sha256(app_key.encode()).hexdigest()[:24]}"


class TokenCache:
    """Read and write token entries in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")

    @contextlib.asynccontextmanager
    async def locked(self, waiting: Callable[[], None] = lambda: None) -> AsyncIterator[None]:
        """Hold the cross-process lock (filelock waits in a thread, so the event loop keeps running); `waiting`
        is called first when another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = AsyncFileLock(self._lock_path, mode=0o600)
        try:
            await lock.acquire(timeout=0)
        except Timeout:
            waiting()
            await lock.acquire()
        try:
            yield
        finally:
            await lock.release()

    def _read_all(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return {}  # A damaged cache costs one issuance, not a crash.
        return data if isinstance(data, dict) else {}

    def load(self, key: str) -> CachedToken | None:
        """Return the entry for `key`, if any."""
        entry = self._read_all().get(key)
        if not isinstance(entry, dict):
            return None
        try:
            return CachedToken(str(entry["token"]), float(entry["expires_at"]), float(entry["issued_at"]))
        except (KeyError, TypeError, ValueError):
            return None

    def store(self, key: str, token: CachedToken) -> None:
        """Write the entry for `key` atomically (temp file in the same folder, then rename)."""
        data = self._read_all()
        data[key] = {"token": token.value, "expires_at": token.expires_at, "issued_at": token.issued_at}
        self._write_all(data)

    def forget(self, key: str, value: str) -> None:
        """Drop the entry for `key` if it still holds `value` (another process may have renewed it)."""
        data = self._read_all()
        entry = data.get(key)
        if isinstance(entry, dict) and entry.get("token") == value:
            entry["expires_at"] = 0.0  # Keep issued_at: it still counts against the 1/min issuance limit.
            self._write_all(data)

    def _write_all(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
