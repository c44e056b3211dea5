"""Signals in: TradingView-style webhooks that are recorded and, by policy, start runs (mixed into the facade).

A signal is a JSON object:

    {"id": "tv-2026-06-02-0905", "token": "ttk_…", "account": "DEMO-KR", "action": "rebalance"}

- ``id`` (required): the sender's id; a signal whose id was seen before is ignored (a webhook's retry).
- ``account`` or ``strategy`` (one of them): the account, or every account following the model named
  ``strategy`` (a model is the strategy trimtab follows; strategies of their own arrive with issue 13).
- ``action``: ``rebalance`` (start a run by policy), ``check`` (plan, nothing sent: which accounts are out of
  band), ``assign`` (with ``model``: follow that model's latest version, then rebalance by policy), or
  ``order``: a strategy's signal (issue 13 item 5) with ``account``, ``strategy`` (a strategy of that account),
  ``symbol`` and ``qty_per`` or ``qty`` (and ``side``), sized from the strategy's capital, position and cash
  reservation and traded by policy in a durable run (signal_runs.py; docs/strategies.md).
- ``symbol``, ``price``, ``time`` and other fields a TradingView alert adds are kept with the signal, unused.
- ``token``: the webhook's token, a token with the ``signal`` scope (TradingView cannot set headers; a bearer
  header or ``?token=`` work too). It is never recorded.

The policy (`TRIMTAB_SIGNAL_RUNS`) says what a rebalance signal starts: ``record`` (nothing), ``dry`` (a dry
run, the default) or ``execute`` (orders, with every guard of the command line: the kill switch, live trading).
Every signal is recorded, a bad one too (status ``rejected``, with the field at fault), and answered.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from trimtab.application.access import Scope
from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    from pathlib import Path

    from trimtab.application.access import TokenInfo
    from trimtab.application.batch import BatchPlan, RunLine, Selection
    from trimtab.application.brokers import BrokerChoice
    from trimtab.application.facade import RunSettings
    from trimtab.application.ports import Clock, RunRecord
    from trimtab.application.progress import Progress
    from trimtab.application.records import Account, ModelAssignment
    from trimtab.application.repositories import Storage
    from trimtab.domain.signal_sizing import SignalQuantity

SignalPolicy = Literal["record", "dry", "execute"]
ACTIONS = ("rebalance", "check", "assign", "order")
SECRET_FIELDS = frozenset({"token", "password", "secret"})
MAX_ID = 100


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """A signal as kept: what came (without its token), when, and what became of it."""

    signal_id: str
    received_at: dt.datetime
    payload: dict[str, Any]
    status: str  # received, done, failed, rejected
    detail: str = ""
    run_ids: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class SignalOutcome:
    record: SignalRecord
    duplicate: bool = False


class SignalRepository(Protocol):
    def add(self, record: SignalRecord) -> bool:
        """Keep a new signal; False when one with this id is kept already (nothing changes)."""
        ...

    def get(self, signal_id: str) -> SignalRecord | None: ...

    def update(self, record: SignalRecord) -> None: ...

    def list(self, limit: int = 50) -> list[SignalRecord]:
        """The latest signals, newest first."""
        ...


@dataclass(frozen=True, slots=True)
class _Parsed:
    signal_id: str
    action: str
    account: str | None
    strategy: str | None
    model: str | None
    symbol: str = ""  # an order signal's
    wanted: SignalQuantity | None = None  # an order signal's qty_per / qty / side


class SignalOperations:
    """`receive_signal` and `signals` (mixed into the facade)."""

    if TYPE_CHECKING:
        clock: Clock

        @property
        def storage(self) -> Storage: ...

        @property
        def run_settings(self) -> RunSettings: ...

        def authorise(self, secret: str | None, scope: Scope) -> TokenInfo: ...

        def assign(self, account_id: str, model: str, version: str | None = None) -> ModelAssignment: ...

        async def plan_batch(self, selection: Selection, *, force: bool = False, basket_day: int | None = None,
                             basket_path: Path | None = None, choice: BrokerChoice | None = None,
                             progress: Progress = ...) -> BatchPlan: ...

        async def rebalance_many(self, selection: Selection, *, execute: bool, force: bool,
                                 choice: BrokerChoice | None = None, progress: Progress = ...) -> list[RunLine]: ...

        def select(self, selection: Selection) -> list[Account]: ...

        async def trade_signal(self, account_id: str, strategy_id: str, symbol: str, wanted: SignalQuantity, *,
                               execute: bool, signal_id: str = "", progress: Progress = ...,
                               choice: BrokerChoice | None = None, run_id: str | None = None) -> RunRecord: ...

    def signals(self, limit: int = 50) -> list[SignalRecord]:
        return self.storage.signals.list(limit)

    async def receive_signal(self, payload: object, token: str | None) -> SignalOutcome:
        """Authorise, record and act on one signal (see the module's text). A bad payload is recorded as
        rejected, then raised as InvalidInput naming the field."""
        self.authorise(token, Scope.SIGNAL)
        kept = _without_secrets(payload)
        try:
            parsed = _parse(payload)
        except InvalidInput as error:
            given = payload.get("id") if isinstance(payload, Mapping) else None
            signal_id = f"rejected-{secrets.token_hex(6)}" if not _valid_id(given) else f"{given}#rejected"
            self.storage.signals.add(SignalRecord(signal_id, self.clock.now(), kept, "rejected",
                                                  f"{error.field}: {error}"))
            raise
        record = SignalRecord(parsed.signal_id, self.clock.now(), kept, "received")
        if not self.storage.signals.add(record):
            known = self.storage.signals.get(parsed.signal_id)
            return SignalOutcome(known or record, duplicate=True)
        try:
            status, detail, runs = await self._act(parsed)
        except Exception as error:  # the signal's outcome; the sender gets it as the answer
            status, detail, runs = "failed", (str(error) or type(error).__name__)[:500], ()
        done = SignalRecord(record.signal_id, record.received_at, kept, status, detail, runs)
        self.storage.signals.update(done)
        return SignalOutcome(done)

    async def _act(self, signal: _Parsed) -> tuple[str, str, tuple[str, ...]]:
        from trimtab.application.batch import Selection

        if signal.action == "order":
            return await self._order(signal)
        selection = Selection(accounts=(signal.account,) if signal.account else (), model=signal.strategy)
        if signal.action == "check":
            plans = await self.plan_batch(selection)
            out = [line.account_id for line in plans.lines if line.status != "in band"]
            return "done", f"{len(plans.lines)} accounts checked; out of band: {', '.join(out) or 'none'}", ()
        if signal.action == "assign" and signal.model is not None:
            targets = [signal.account] if signal.account else [a.account_id for a in self.select(selection)]
            for account_id in targets:
                self.assign(account_id, signal.model)
            selection = Selection(accounts=tuple(targets))
        policy = self.run_settings.signal_runs
        if policy == "record":
            return "done", "recorded; TRIMTAB_SIGNAL_RUNS=record starts no run", ()
        lines = await self.rebalance_many(selection, execute=policy == "execute", force=False)
        runs = tuple(line.record.run_id for line in lines if line.record is not None)
        said = "; ".join(f"{line.account_id}: {line.record.status.value if line.record else line.error}"
                         for line in lines)
        failed = any(line.record is None for line in lines)
        return ("failed" if failed else "done"), f"{policy} runs: {said}", runs


    async def _order(self, signal: _Parsed) -> tuple[str, str, tuple[str, ...]]:
        """A strategy's signal: a run sized from its slice, by policy (record: nothing)."""
        policy = self.run_settings.signal_runs
        if policy == "record":
            return "done", "recorded; TRIMTAB_SIGNAL_RUNS=record starts no run", ()
        if signal.wanted is None:  # _order_signal always reads it
            raise InvalidInput("qty_per or qty is expected", where="signal", field="qty_per", value=None)
        run = await self.trade_signal(signal.account or "", signal.strategy or "", signal.symbol, signal.wanted,
                                      execute=policy == "execute", signal_id=signal.signal_id)
        said = f"{policy} run of {signal.strategy}: {run.status.value}" + (f" ({run.reason})" if run.reason else "")
        return ("failed" if run.status.value == "failed" else "done"), said[:500], (run.run_id,)


def _valid_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID and value.isprintable()


def _parse(payload: object) -> _Parsed:
    def bad(field_name: str, problem: str, value: object = None) -> InvalidInput:
        shown = value if value is None or isinstance(value, (str, int, float, bool)) else type(value).__name__
        return InvalidInput(problem, where="signal", field=field_name, value=shown)

    if not isinstance(payload, Mapping):
        raise bad("body", "a signal is a JSON object", type(payload).__name__)
    signal_id = payload.get("id")
    if not _valid_id(signal_id):
        raise bad("id", f"the sender's id is required: printable text of at most {MAX_ID} characters", signal_id)
    action = payload.get("action")
    if action not in ACTIONS:
        raise bad("action", f"choose {', '.join(ACTIONS)}", action)
    account, strategy, model = (payload.get(key) for key in ("account", "strategy", "model"))
    for name, value in (("account", account), ("strategy", strategy), ("model", model)):
        if value is not None and not _valid_id(value):
            raise bad(name, "printable text of at most 100 characters", value)
    if action == "order":
        return _order_signal(payload, str(signal_id), account, strategy)
    if (account is None) == (strategy is None):
        raise bad("account", "give an account or a strategy (one of them)", account)
    if action == "assign" and model is None:
        raise bad("model", "an assign signal names the model to follow")
    return _Parsed(str(signal_id), str(action), account, strategy, model)


def _order_signal(payload: Mapping[str, Any], signal_id: str, account: object, strategy: object) -> _Parsed:
    """An order signal: an account, one of its strategies, a symbol and how much (qty_per or qty, side)."""
    from trimtab.domain.signal_sizing import read_signal_quantity

    for name, value in (("account", account), ("strategy", strategy)):
        if value is None:
            raise InvalidInput("an order signal names the account and its strategy", where="signal", field=name,
                               value=None)
    symbol = payload.get("symbol")
    if not isinstance(symbol, str) or not _valid_id(symbol.strip()):
        raise InvalidInput("an order signal names the symbol to trade", where="signal", field="symbol",
                           value=symbol if symbol is None or isinstance(symbol, str) else type(symbol).__name__)
    wanted = read_signal_quantity(payload)
    return _Parsed(signal_id, "order", str(account), str(strategy), None, symbol.strip(), wanted)


def _without_secrets(payload: object) -> dict[str, Any]:
    if not isinstance(payload, Mapping):
        return {"body": str(payload)[:200]}
    return {str(key): value for key, value in payload.items() if str(key).lower() not in SECRET_FIELDS}
