"""Runs started once per idempotency key (mixed into the facade): what the HTTP API's `POST /runs` calls.

A key is bound, before anything is sent, to the request's fingerprint and to the id the run will have. The same
key with the same request answers with that run (however far it has got); with another request it is refused
(`IdempotencyConflict`). Two requests with one key at the same time start one run: the database's unique key
lets one of them reserve it, and the other waits for the run to appear. A request that ends before its run
exists (the kill switch, a bad amount) releases the key, so that the request may be made again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Protocol

from trimtab.application.progress import Progress, no_progress
from trimtab.domain.errors import Busy, DomainError, InvalidInput

if TYPE_CHECKING:
    from trimtab.application.brokers import BrokerChoice
    from trimtab.application.ports import Clock, RunRecord
    from trimtab.application.repositories import Storage
    from trimtab.domain.cash_flows import CashFlow

MAX_KEY = 255
REPLAY_WAIT_SECONDS = 10.0  # how long a replay waits for the first request's run to be created
POLL_SECONDS = 0.05
STALE_SECONDS = 60.0  # a key whose run never appeared this long after it was reserved is free again (a crash)
KEY_FIELD = "Idempotency-Key"


class IdempotencyConflict(DomainError):
    """An idempotency key used before for another request (HTTP 409)."""


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """An idempotency key: the request it was first used for and the run it names."""

    key: str
    fingerprint: str
    run_id: str
    created_at: dt.datetime


class IdempotencyRepository(Protocol):
    """Idempotency keys of requests that start runs."""

    def reserve(self, record: KeyRecord) -> KeyRecord:
        """Store the key unless it is stored; return the stored record (this one when it was free)."""
        ...

    def find(self, key: str) -> KeyRecord | None: ...

    def release(self, key: str, run_id: str) -> None:
        """Forget the key if it still names this run."""
        ...


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What a request to start a run asks for; its fingerprint tells two requests apart."""

    account_id: str
    execute: bool = False
    force: bool = False
    deposit: str | None = None
    withdraw: str | None = None

    def fingerprint(self) -> str:
        """A digest of the request's fields (equal requests, equal digests)."""
        text = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class StartedRun:
    """The run a request started, or the one its key named before (`replayed`)."""

    record: RunRecord
    replayed: bool = False


def check_key(key: str) -> str:
    """An idempotency key: 1 to 255 printable ASCII characters."""
    if not 0 < len(key) <= MAX_KEY or not key.isascii() or not key.isprintable():
        raise InvalidInput(f"must be 1 to {MAX_KEY} printable ASCII characters", where="header", field=KEY_FIELD,
                           value=key)
    return key


class RunRequestOperations:
    """`start_run` (mixed into the facade)."""

    if TYPE_CHECKING:

        @property
        def storage(self) -> Storage: ...

        clock: Clock

        async def rebalance(self, account_id: str, *, execute: bool, force: bool, progress: Progress,
                            choice: BrokerChoice | None = None, cash_flow: CashFlow | None = None,
                            run_id: str | None = None) -> RunRecord: ...

    async def start_run(self, request: RunRequest, *, key: str | None = None,
                        progress: Progress = no_progress) -> StartedRun:
        """Start a run as `rebalance` does; with a key, at most one run per key (see the module)."""
        from trimtab.application.cash_flow_options import cash_flow_option
        from trimtab.application.run_rebalance import new_run_id

        flow = cash_flow_option(request.deposit, request.withdraw, in_cash=True)
        if key is None:
            return StartedRun(await self.rebalance(request.account_id, execute=request.execute, force=request.force,
                                                   progress=progress, cash_flow=flow))
        check_key(key)
        fingerprint = request.fingerprint()
        for _ in range(3):  # a key released by the request that held it is reserved again
            wanted = KeyRecord(key, fingerprint, new_run_id(), self.clock.now())
            stored = self.storage.idempotency.reserve(wanted)
            if stored.fingerprint != fingerprint:
                raise IdempotencyConflict("this Idempotency-Key was used for another request")
            if stored.run_id == wanted.run_id:
                return StartedRun(await self._start_reserved(request, stored, flow, progress))
            replay = await self._replay(stored)
            if replay is not None:
                return StartedRun(replay, replayed=True)
        raise Busy("a request with this Idempotency-Key is still in progress; try again later")

    async def _start_reserved(self, request: RunRequest, reserved: KeyRecord, flow: CashFlow | None,
                              progress: Progress) -> RunRecord:
        try:
            return await self.rebalance(request.account_id, execute=request.execute, force=request.force,
                                        progress=progress, cash_flow=flow, run_id=reserved.run_id)
        except BaseException:
            if self._find_run(reserved.run_id) is None:
                self.storage.idempotency.release(reserved.key, reserved.run_id)
            raise

    async def _replay(self, stored: KeyRecord) -> RunRecord | None:
        """The run a key names, once it exists; None when the key was released (or went stale) meanwhile."""
        waited = 0.0
        while waited < REPLAY_WAIT_SECONDS:
            run = self._find_run(stored.run_id)
            if run is not None:
                return run
            if (self.clock.now() - stored.created_at).total_seconds() > STALE_SECONDS:
                self.storage.idempotency.release(stored.key, stored.run_id)
                return None
            current = self.storage.idempotency.find(stored.key)
            if current is None or current.run_id != stored.run_id:  # released: this request may reserve it
                return None
            await asyncio.sleep(POLL_SECONDS)
            waited += POLL_SECONDS
        raise Busy("a request with this Idempotency-Key is still in progress; try again later")

    def _find_run(self, run_id: str) -> RunRecord | None:
        from trimtab.application.lookup import find_run

        return find_run(self.storage, run_id)
