"""In-memory API tokens, idempotency keys and queued runs (the SQL repositories' doubles)."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from trimtab.application.access import TokenInfo
from trimtab.application.run_queue import QueuedRun
from trimtab.application.run_requests import KeyRecord


@dataclass
class MemoryTokens:
    """Tokens by id, with the digests of their secrets."""

    tokens: dict[str, tuple[TokenInfo, str]] = field(default_factory=dict)

    def add(self, info: TokenInfo, digest: str) -> None:
        self.tokens[info.token_id] = (info, digest)

    def find_by_digest(self, digest: str) -> TokenInfo | None:
        return next((info for info, stored in self.tokens.values() if stored == digest), None)

    def list(self) -> builtins.list[TokenInfo]:
        return sorted((info for info, _ in self.tokens.values()), key=lambda info: (info.created_at, info.token_id))

    def revoke(self, token_id: str, at: dt.datetime) -> TokenInfo | None:
        if token_id not in self.tokens:
            return None
        info, digest = self.tokens[token_id]
        if info.revoked_at is None:
            info = replace(info, revoked_at=at)
            self.tokens[token_id] = (info, digest)
        return info


@dataclass
class MemoryIdempotency:
    """Idempotency keys."""

    keys: dict[str, KeyRecord] = field(default_factory=dict)

    def reserve(self, record: KeyRecord) -> KeyRecord:
        return self.keys.setdefault(record.key, record)

    def find(self, key: str) -> KeyRecord | None:
        return self.keys.get(key)

    def release(self, key: str, run_id: str) -> None:
        if key in self.keys and self.keys[key].run_id == run_id:
            del self.keys[key]


@dataclass
class MemoryQueuedRuns:
    """Runs named when they were put on the task queue, with why each never started (when it did not)."""

    runs: dict[str, QueuedRun] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)

    def add_many(self, runs: Sequence[QueuedRun]) -> None:
        for run in runs:
            if run.run_id in self.runs:
                raise ValueError(f"queued run {run.run_id} exists")
        self.runs.update((run.run_id, run) for run in runs)

    def get(self, run_id: str) -> QueuedRun | None:
        return self.runs.get(run_id)

    def set_outcome(self, run_id: str, outcome: str) -> None:
        if run_id in self.runs:
            self.outcomes[run_id] = outcome
