"""Every wait of a run reports through the one progress port: fills awaited, cancels awaited (and the CLI's side
of the port is silent when its output is not a terminal)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from decimal import Decimal

from rich.console import Console
from sqlalchemy import Engine

from tests.fakes.broker import ScriptedBroker
from tests.fakes.builders import flat, krx
from trimtab.adapters.persistence.runs import SqlRunRepository
from trimtab.adapters.simclock import FastForwardClock
from trimtab.application.ports import RunStatus
from trimtab.application.run_journal import LeasePolicy
from trimtab.application.run_rebalance import RebalanceRunner
from trimtab.application.safety import TradingSafety
from trimtab.application.supervise import ExecutionPolicy
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.planning import PlanSettings
from trimtab.entrypoints.cli.progress import progress_line

START = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


def _run(engine: Engine, behaviour: dict[str, str], cancels: dict[str, str]) -> tuple[RunStatus, list[str]]:
    instruments = {s: krx(s, InstrumentType.ETF) for s in ("A", "B", "Z")}
    broker = ScriptedBroker(cash=Decimal(100000), positions={"A": Decimal(80), "Z": Decimal(20)},
                            instruments=instruments,
                            prices={"A": Decimal(10000), "B": Decimal(10000), "Z": Decimal(5000)},
                            behaviour=behaviour, cancels=cancels)
    clock = FastForwardClock(START)
    told: list[str] = []
    runner = RebalanceRunner(broker, "scripted", SqlRunRepository(engine), clock, clock.sleep, TradingSafety(),
                             ExecutionPolicy(fill_timeout_seconds=5, poll_interval_seconds=1, max_reprices=0,
                                             cancel_timeout_seconds=5),
                             told.append, lease=LeasePolicy(owner="p1", wall=clock))
    run = asyncio.run(runner.start("ACC", flat("M", {"A": "50", "B": "50"}), PlanSettings(), execute=True))
    return run.status, told


def test_waiting_for_fills_reports_what_is_open_filled_and_how_long_is_left(engine: Engine) -> None:
    _status, told = _run(engine, {"Z": "never"}, {})
    assert told[:5] == [  # one line before each poll: the status line moves while the run waits
        "waiting for fills of the sells (S): 2 open, 0 filled, 5 s left",
        "waiting for fills of the sells (S): 1 open, 31 filled, 4 s left",
        "waiting for fills of the sells (S): 1 open, 31 filled, 3 s left",
        "waiting for fills of the sells (S): 1 open, 31 filled, 2 s left",
        "waiting for fills of the sells (S): 1 open, 31 filled, 1 s left",
    ]
    assert "waiting for fills of the buys (B1): 1 open, 0 filled, 5 s left" in told


def test_waiting_for_the_broker_to_confirm_cancels_is_reported(engine: Engine) -> None:
    _status, told = _run(engine, {"Z": "never"}, {"Z": "pending"})
    assert "waiting for the broker to confirm 1 cancel(s) (S), 5 s left" in told


def test_the_cli_progress_line_is_silent_off_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False)
    with progress_line(console, "planning") as progress:
        progress("waiting for fills of the sells (S): 1 open, 0 filled, 5 s left")
    assert out.getvalue() == ""
    shown = io.StringIO()
    with progress_line(Console(file=shown, force_terminal=True), "planning") as progress:
        progress("reading KIS quotes: 1 of 3")
    assert "reading KIS quotes: 1 of 3" in shown.getvalue()
