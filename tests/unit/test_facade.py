"""The application facade on in-memory doubles of its ports: every operation without a database or a network."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.broker import ScriptedBroker
from tests.fakes.builders import flat, krx
from trimtab.adapters.simclock import FastForwardClock
from trimtab.application.brokers import BrokerChoice, BrokerConnection, BrokerFactory
from trimtab.application.facade import BandChanges, RunSettings, Trimtab
from trimtab.application.notifications import Announcer
from trimtab.application.ports import RunLeaseHeld, RunStatus
from trimtab.application.progress import Progress, no_progress
from trimtab.application.records import Account, DemoAccount
from trimtab.application.repositories import Storage
from trimtab.application.run_journal import LeasePolicy
from trimtab.application.safety import TradingDisabled, TradingSafety
from trimtab.application.supervise import ExecutionPolicy
from trimtab.domain.errors import Busy, InvalidInput
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.models import ModelPortfolio
from trimtab.domain.planning import Allocator, PlanSettings
from trimtab.domain.securities import Security
from trimtab.domain.snapshot import AccountSnapshot
from trimtab_testkit.memory import MemoryPaper, MemoryRuns, memory_storage

START = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
MODEL = flat("M", {"A": "50", "B": "50"})


@dataclass
class FixedWall:
    at: dt.datetime = START

    def now(self) -> dt.datetime:
        return self.at


@dataclass
class Files:
    """A file reader that knows one model file and no snapshot file."""

    models: dict[str, list[ModelPortfolio]] = field(default_factory=lambda: {"m.yaml": [MODEL]})
    mappings: dict[str, dict[str, str]] = field(default_factory=dict)

    def load_models(self, path: Path) -> list[ModelPortfolio]:
        if str(path) not in self.models:
            raise InvalidInput("file not found", where=str(path), field="path", value=str(path))
        return self.models[str(path)]

    def load_model(self, path: Path, name: str | None) -> ModelPortfolio:
        return self.load_models(path)[0]

    def load_account_mappings(self, path: Path) -> dict[str, str]:
        return self.mappings.get(str(path), {})

    def load_snapshot(self, path: Path, today: dt.date) -> AccountSnapshot:
        raise InvalidInput("no snapshots here", where=str(path), field="path", value=str(path))

    def demo_models(self) -> list[ModelPortfolio]:
        return [MODEL]

    def load_securities(self, path: Path) -> list[Security]:
        raise InvalidInput("no security files here", where=str(path), field="path", value=str(path))


@dataclass
class ScriptedFactory:
    """Connects every account to one scripted broker on a simulated clock."""

    broker: ScriptedBroker
    connections: list[dt.datetime | None] = field(default_factory=list)

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        self.connections.append(resume_from)
        clock = FastForwardClock(resume_from or START)
        yield BrokerConnection(self.broker, "scripted", clock, clock.sleep)


def _broker(**kwargs: object) -> ScriptedBroker:
    instruments = {s: krx(s, InstrumentType.ETF) for s in ("A", "B", "Z")}
    return ScriptedBroker(cash=Decimal(100000), positions={"A": Decimal(80), "Z": Decimal(20)},
                          instruments=instruments, prices={"A": Decimal(10000), "B": Decimal(10000),
                                                           "Z": Decimal(5000)}, **kwargs)  # type: ignore[arg-type]


def _no_exact(_seconds: float) -> Allocator:
    raise AssertionError("not used")


def _facade(storage: Storage | None = None, broker: ScriptedBroker | None = None, owner: str = "process-1",
            safety: TradingSafety | None = None, opened: list[int] | None = None,
            announcer: Announcer | None = None) -> tuple[Trimtab, ScriptedFactory]:
    store = storage or memory_storage()
    factory = ScriptedFactory(broker or _broker())
    brokers: dict[str, BrokerFactory] = {"paper": factory, "scripted": factory}

    def open_storage() -> Storage:
        if opened is not None:
            opened.append(1)
        return store

    run_settings = RunSettings(policy=ExecutionPolicy(fill_timeout_seconds=5, poll_interval_seconds=1),
                               safety=safety or TradingSafety(), lease=LeasePolicy(owner=owner, wall=FixedWall()),
                               announcer=announcer or Announcer())
    trimtab = Trimtab(open_storage=open_storage, open_files=Files, brokers=brokers,
                      open_run_settings=lambda: run_settings, clock=FixedWall(), exact_allocator=_no_exact,
                      demo_accounts=(DemoAccount("DEMO", "KRW", "M", Decimal(1000), {"A": Decimal(1)}),))
    return trimtab, factory


def _with_account(trimtab: Trimtab, broker: str = "scripted") -> None:
    trimtab.import_models(Path("m.yaml"))
    trimtab.add_account("ACC", name="", currency="KRW", broker=broker)
    trimtab.assign("ACC", "M")


def test_database_is_opened_only_when_an_operation_needs_it() -> None:
    opened: list[int] = []
    trimtab, _ = _facade(opened=opened)
    assert opened == []
    trimtab.accounts()
    trimtab.models()
    assert opened == [1]


def test_init_without_demo_adds_nothing_and_with_demo_adds_the_demo_once() -> None:
    trimtab, _ = _facade()
    assert trimtab.init(demo=False) == []
    assert trimtab.accounts() == []
    assert trimtab.init(demo=True) == ["DEMO"]
    assert trimtab.init(demo=True) == []  # already there
    (overview,) = trimtab.accounts()
    assert overview.assignment is not None
    assert overview.assignment.model_name == "M"
    paper = trimtab.storage.paper
    assert isinstance(paper, MemoryPaper)
    assert paper.accounts["DEMO"] == ("KRW", Decimal(1000), {"A": Decimal(1)})


def test_add_account_on_an_unknown_broker_names_the_choices() -> None:
    trimtab, _ = _facade()
    with pytest.raises(InvalidInput, match=r"field 'broker', value 'ibkr': unknown broker \(choose one of paper"):
        trimtab.add_account("X", name="", currency="USD", broker="ibkr")


def test_unknown_account_is_an_error_for_bands_runs_and_assign() -> None:
    trimtab, _ = _facade()
    for call in (lambda: trimtab.bands("NOPE"), lambda: trimtab.runs("NOPE"), lambda: trimtab.assign("NOPE", "M"),
                 lambda: trimtab.set_bands("NOPE", BandChanges(class_band=Decimal("0.02")))):
        with pytest.raises(InvalidInput, match="unknown account"):
            call()


def test_set_bands_changes_only_what_is_named_and_validates() -> None:
    trimtab, _ = _facade()
    _with_account(trimtab)
    updated = trimtab.set_bands("ACC", BandChanges(class_band=Decimal("0.025"), relative_band=Decimal("0.25")))
    assert updated.class_band == Decimal("0.025")
    assert updated.ticker_band == Decimal("0.05")  # kept
    assert updated.relative_band == Decimal("0.25")
    cleared = trimtab.set_bands("ACC", BandChanges(clear_relative_band=True))
    assert cleared.relative_band is None
    assert cleared.class_band == Decimal("0.025")
    with pytest.raises(InvalidInput, match="class_band"):
        trimtab.set_bands("ACC", BandChanges(class_band=Decimal(3)))
    assert trimtab.bands("ACC").class_band == Decimal("0.025")  # nothing half-written


def test_rebalance_runs_on_the_accounts_broker_and_keeps_a_summary() -> None:
    trimtab, factory = _facade()
    _with_account(trimtab)
    run = asyncio.run(trimtab.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    assert run.status is RunStatus.COMPLETED, run.reason
    assert factory.broker.positions["B"] > 0
    assert trimtab.run(run.run_id).status is RunStatus.COMPLETED
    assert [r.run_id for r in trimtab.runs("ACC")] == [run.run_id]
    assert sum(f.quantity for f in trimtab.fills(run.run_id)) == sum(o.filled_quantity for o in run.orders)
    summaries = trimtab.storage.summaries.summaries  # type: ignore[attr-defined]
    assert len(summaries) == 1
    assert summaries[0].cash == factory.broker.cash
    assert trimtab.accounts()[0].active_run is None


def test_rebalance_on_another_broker_than_the_accounts_is_refused() -> None:
    trimtab, factory = _facade()
    _with_account(trimtab)
    with pytest.raises(InvalidInput, match="is on broker 'scripted'"):
        asyncio.run(trimtab.rebalance("ACC", execute=False, force=False, progress=lambda _m: None,
                                      choice=BrokerChoice(broker="paper")))
    assert factory.connections == []


def test_kill_switch_blocks_an_executed_rebalance_before_any_order() -> None:
    trimtab, factory = _facade(safety=TradingSafety(kill_switch=True))
    _with_account(trimtab)
    with pytest.raises(TradingDisabled, match="kill switch"):
        asyncio.run(trimtab.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    assert factory.broker.submitted == []


def test_resume_continues_from_the_runs_saved_instant_and_refuses_while_another_drives() -> None:
    storage = memory_storage()
    broker = _broker(behaviour={"B": "reject"})
    first, _ = _facade(storage, broker)
    _with_account(first)
    run = asyncio.run(first.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    assert run.status is RunStatus.NEEDS_ATTENTION
    runs = storage.runs
    assert isinstance(runs, MemoryRuns)
    runs.runs[run.run_id].lease = runs.acquire(run.run_id, LeasePolicy("process-9", FixedWall()).new_lease(),
                                               START).lease  # another live process drives it now
    second, factory = _facade(storage, broker, owner="process-2")
    with pytest.raises(RunLeaseHeld, match="process-9"):
        asyncio.run(second.resume(run.run_id, progress=lambda _m: None))
    runs.runs[run.run_id].lease = None  # it stopped
    broker.behaviour = {}
    resumed = asyncio.run(second.resume(run.run_id, progress=lambda _m: None))
    assert resumed.status is RunStatus.COMPLETED, resumed.reason
    assert factory.connections == [run.updated_at, run.updated_at]


def test_remove_account_refuses_while_a_run_holds_it_then_forgets_it() -> None:
    trimtab, _ = _facade(broker=_broker(behaviour={"B": "reject"}))
    _with_account(trimtab, broker="paper")
    trimtab.open_paper("ACC", Decimal(500), {})
    run = asyncio.run(trimtab.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    with pytest.raises(Busy, match=run.run_id):
        trimtab.remove_account("ACC")
    trimtab.storage.runs.release(trimtab.storage.runs.get(run.run_id))
    trimtab.remove_account("ACC")
    assert trimtab.accounts() == []
    paper = trimtab.storage.paper
    assert isinstance(paper, MemoryPaper)
    assert "ACC" not in paper.accounts


def test_paper_funding_is_for_paper_accounts_only() -> None:
    trimtab, _ = _facade()
    _with_account(trimtab, broker="paper")
    assert trimtab.open_paper("ACC", Decimal(1000), {"A": Decimal(3)})
    assert trimtab.deposit("ACC", Decimal(250)) == Decimal(1250)
    trimtab.add_account("K", name="", currency="KRW", broker="scripted")
    with pytest.raises(InvalidInput, match="only paper accounts are funded"):
        trimtab.deposit("K", Decimal(1))


def test_unassign_then_rebalance_says_no_model_is_assigned() -> None:
    trimtab, _ = _facade()
    _with_account(trimtab)
    trimtab.unassign("ACC")
    with pytest.raises(InvalidInput, match="no model is assigned"):
        asyncio.run(trimtab.rebalance("ACC", execute=False, force=False, progress=lambda _m: None))


def test_plan_settings_come_from_the_accounts_bands() -> None:
    trimtab, _ = _facade()
    _with_account(trimtab)
    trimtab.set_bands("ACC", BandChanges(cash_buffer=Decimal("0.02"), price_ticks=3))
    settings = trimtab.plan_settings("ACC", force=True)
    assert settings == PlanSettings(bands=settings.bands, cash_buffer=Decimal("0.02"), price_ticks=3, force=True,
                                    minimum_trade_value=Decimal(0))


def test_runs_are_named_by_a_unique_prefix_git_style() -> None:
    trimtab, _ = _facade()
    _with_account(trimtab)
    runs = trimtab.storage.runs
    assert isinstance(runs, MemoryRuns)
    run = asyncio.run(trimtab.rebalance("ACC", execute=False, force=True, progress=lambda _m: None))
    for run_id in ("abcd1111", "abcd2222"):
        runs.runs[run_id] = replace(run, run_id=run_id)
    assert trimtab.run(run.run_id[:6]).run_id == run.run_id
    assert trimtab.run("abcd1").run_id == "abcd1111"
    with pytest.raises(InvalidInput, match="ambiguous run id prefix: it starts abcd1111, abcd2222"):
        trimtab.run("abcd")
    with pytest.raises(InvalidInput, match="unknown run"):
        trimtab.run("zzzz")
    with pytest.raises(InvalidInput, match="unknown run"):
        trimtab.run("abc")  # shorter than 4: only a whole id


def _mapped_facade(mappings: dict[str, str]) -> Trimtab:
    store = memory_storage()
    trimtab, _ = _facade(store)
    files = Files(models={"m.yaml": [MODEL, flat("G", {"A": "100"})]}, mappings={"m.yaml": mappings})
    trimtab.open_files = lambda: files
    return trimtab


def test_import_assigns_the_mapped_models_and_reports_unknown_accounts() -> None:
    trimtab = _mapped_facade({"ACC": "M", "OTHER": "G", "KEPT": "M", "DU404": "G"})
    trimtab.add_account("ACC", name="", currency="KRW", broker="scripted")
    trimtab.add_account("OTHER", name="", currency="KRW", broker="scripted")
    trimtab.add_account("KEPT", name="", currency="KRW", broker="scripted")
    trimtab.import_models(Path("m.yaml"))  # first import: stores M and G (and assigns)
    trimtab.assign("OTHER", "M")
    trimtab.assign("KEPT", "M", "1")  # pinned: the mapping to the same model keeps the pin
    result = trimtab.import_models(Path("m.yaml"))
    outcomes = {line.account_id: (line.outcome.value, line.previous) for line in result.mappings}
    assert outcomes == {"ACC": ("unchanged", None), "OTHER": ("reassigned", "M"), "KEPT": ("unchanged", None),
                        "DU404": ("unknown account", None)}
    assert result.unknown_accounts == ("DU404",)
    assigned = {o.account.account_id: o.assignment for o in trimtab.accounts()}
    assert {account: a.model_name if a else None for account, a in assigned.items()} == {
        "ACC": "M", "OTHER": "G", "KEPT": "M"}
    assert assigned["KEPT"] is not None
    assert assigned["KEPT"].pinned_version == "1"
    assert trimtab.storage.accounts.find("DU404") is None  # reported, not invented


def test_import_creates_mapped_accounts_only_when_asked() -> None:
    from trimtab.application.model_import import NewAccounts

    trimtab = _mapped_facade({"DU1": "G"})
    with pytest.raises(InvalidInput, match="unknown broker"):
        trimtab.import_models(Path("m.yaml"), create=NewAccounts("nope", "SGD"))
    assert trimtab.models() == []  # refused before anything was written
    result = trimtab.import_models(Path("m.yaml"), create=NewAccounts("Scripted", "sgd"))
    assert [(line.account_id, line.outcome.value) for line in result.mappings] == [("DU1", "created")]
    overview = trimtab.account("DU1")
    assert (overview.account.broker, overview.account.currency) == ("scripted", "SGD")
    assert overview.assignment is not None
    assert overview.assignment.model_name == "G"


def test_a_mapping_to_an_unknown_model_refuses_the_import() -> None:
    trimtab = _mapped_facade({"ACC": "NOPE"})
    with pytest.raises(InvalidInput, match="neither in the file nor stored"):
        trimtab.import_models(Path("m.yaml"))
    assert trimtab.models() == []


def test_rebalancing_several_accounts_goes_on_after_a_broker_failure() -> None:
    from trimtab.application.batch import Selection
    from trimtab.domain.errors import BrokerUnavailable

    trimtab, factory = _facade()
    _with_account(trimtab)
    for account_id in ("BAD", "LAST"):
        trimtab.add_account(account_id, name="", currency="KRW", broker="scripted")
        trimtab.assign(account_id, "M")
    connect = factory.connect

    def failing(account: Account, *args: object, **kwargs: object) -> object:
        if account.account_id == "BAD":
            raise BrokerUnavailable("the broker is down")
        return connect(account, *args, **kwargs)  # type: ignore[arg-type]

    factory.connect = failing  # type: ignore[assignment, method-assign]
    lines = asyncio.run(trimtab.rebalance_many(Selection(model="M"), execute=True, force=False))
    assert [line.account_id for line in lines] == ["ACC", "BAD", "LAST"]
    assert [line.needs_attention for line in lines] == [False, True, False]
    assert lines[1].error == "the broker is down"
    # one scripted broker behind every account: the first run rebalanced it, the last finds it inside its bands
    assert [line.record.status for line in (lines[0], lines[2]) if line.record] == [RunStatus.COMPLETED,
                                                                                  RunStatus.SKIPPED]
    assert len(trimtab.runs()) == 2  # both stored
