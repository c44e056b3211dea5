"""Commands: schedules add|list|show|remove|tick|run (jobs in market time, docs/schedules.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from trimtab.entrypoints.cli.common import Command, JsonOption, console, facade, print_json
from trimtab.entrypoints.cli.guard import guarded
from trimtab.entrypoints.cli.report import AccountsOption, account_list

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from trimtab.application.schedules import Schedule, SlotRecord

T = TypeVar("T")

schedules_app = typer.Typer(help="Jobs in market time: drift checks, rebalances, reports on a cron schedule.",
                            no_args_is_help=True, rich_markup_mode=None, add_completion=False)

NameArgument = Annotated[str, typer.Argument(metavar="NAME", help="The schedule's name.")]


@schedules_app.command("add", cls=Command)
def add(
    name: NameArgument,
    job: Annotated[str, typer.Option("--job", metavar="JOB", help=(
        "drift-check, rebalance, report, engine or enqueue (a rebalance on the task queue: docs/scale.md)."))],
    cron: Annotated[str, typer.Option("--cron", metavar="EXPR", help=(
        "Five cron fields in the zone: minute hour day month weekday, e.g. '5 9 * * mon-fri'."))],
    zone: Annotated[str, typer.Option("--zone", metavar="ZONE", help="IANA time zone, e.g. Asia/Seoul.")],
    calendar: Annotated[str, typer.Option("--calendar", metavar="CAL", help=(
        "Run only on this exchange's business days: XKRX, XNYS, XSES, or none."))],
    every: Annotated[bool, typer.Option("--all", help="Every account that follows a model.")] = False,
    accounts: AccountsOption = None,
    model: Annotated[str | None, typer.Option("--model", metavar="MODEL", help=(
        "The accounts that follow this model."))] = None,
    execute: Annotated[bool, typer.Option("--execute", help=(
        "rebalance, enqueue: send orders (default: a dry run)."))] = False,
    output: Annotated[Path | None, typer.Option("--output", metavar="DIR", help=(
        "report: the folder the workbook is written to (default: the current folder)."))] = None,
    base: Annotated[str | None, typer.Option("--base", metavar="CCY", help="report: the base currency.")] = None,
    universe: Annotated[Path | None, typer.Option("--universe", metavar="FILE", help=(
        "engine: the universe file (the KOSPI core engine's model is imported as --model)."))] = None,
    index: Annotated[Path | None, typer.Option("--index", metavar="FILE", help="engine: the index closes.")] = None,
    grace: Annotated[int, typer.Option("--grace", metavar="MINUTES", help=(
        "A slot found later than this after its time is recorded as missed, not run."))] = 360,
) -> None:
    """Add a schedule; slots before now never run."""

    def run() -> None:
        from trimtab.application.schedules import JobKind, Schedule
        from trimtab.domain.errors import InvalidInput

        if job not in JobKind.__members__.values():
            raise InvalidInput("choose drift-check, rebalance, report, engine or enqueue", where="command line",
                               field="job", value=job)
        schedule = Schedule(name=name, job=JobKind(job), cron=cron, time_zone=zone,
                            calendar=None if calendar.lower() == "none" else calendar.upper(), every=every,
                            accounts=tuple(account_list(accounts)), model=model, execute=execute,
                            output=str(output) if output else None, base=base, grace_seconds=grace * 60,
                            universe=str(universe.resolve()) if universe else None,
                            index=str(index.resolve()) if index else None)
        stored = facade().add_schedule(schedule)
        console().print(f"added {_describe(stored)}", markup=False, highlight=False)

    guarded(run)


@schedules_app.command("list", cls=Command)
def list_schedules(as_json: JsonOption = False) -> None:
    """The schedules, with what they do and when."""

    guarded(lambda: _show(facade().schedules(), as_json, _document, _describe,
                          "no schedules (trimtab schedules add …)"))


@schedules_app.command("show", cls=Command)
def show(name: NameArgument, as_json: JsonOption = False) -> None:
    """A schedule's latest slots: run, failed, closed (exchange holiday) or missed."""

    guarded(lambda: _show(facade().schedule_slots(name), as_json, _slot_document, _slot_line,
                          f"{name}: no slot has come yet"))


@schedules_app.command("remove", cls=Command)
def remove(name: NameArgument) -> None:
    """Remove a schedule and its slots' history."""

    def run() -> None:
        facade().remove_schedule(name)
        console().print(f"removed {name}", markup=False, highlight=False)

    guarded(run)


@schedules_app.command("tick", cls=Command)
def tick(as_json: JsonOption = False) -> None:
    """Handle every schedule's due slots once, now (for a system cron; `run` does this every interval)."""

    def run() -> None:
        import asyncio

        _show(asyncio.run(facade().tick()), as_json, _slot_document, _slot_line, "")

    guarded(run)


@schedules_app.command("run", cls=Command)
def run_scheduler(interval: Annotated[float, typer.Option("--interval", metavar="SECONDS", min=1, max=3600, help=(
        "How often the schedules are looked at."))] = 30.0) -> None:
    """Run the scheduler in the foreground until interrupted (several may run: each slot runs once)."""

    def run() -> None:
        import asyncio

        from trimtab.bootstrap import run_schedules

        console().print(f"scheduler running; schedules are looked at every {interval:g} s (Ctrl-C stops)")
        try:
            asyncio.run(run_schedules(facade(), interval, lambda r: console().print(
                _slot_line(r), markup=False, highlight=False)))
        except KeyboardInterrupt:
            console().print("scheduler stopped")

    guarded(run)


def _show(rows: Sequence[T], as_json: bool, document: Callable[[T], dict[str, object]], line: Callable[[T], str],
          empty: str) -> None:
    """Rows as a JSON list, or a line each (and `empty` when there are none)."""
    if as_json:
        print_json([document(row) for row in rows])
        return
    out = console()
    for row in rows:
        out.print(line(row), markup=False, highlight=False)
    if not rows and empty:
        out.print(empty, markup=False, highlight=False)


def _describe(schedule: Schedule) -> str:
    who = "every account" if schedule.every else (
        f"model {schedule.model}" if schedule.model else ", ".join(schedule.accounts))
    mode = " --execute" if schedule.execute else ""
    days = f" on {schedule.calendar} business days" if schedule.calendar else ""
    return f"{schedule.name}: {schedule.job.value}{mode} for {who} at '{schedule.cron}' {schedule.time_zone}{days}"


def _document(schedule: Schedule) -> dict[str, object]:
    return {"name": schedule.name, "job": schedule.job.value, "cron": schedule.cron, "zone": schedule.time_zone,
            "calendar": schedule.calendar, "all": schedule.every, "accounts": list(schedule.accounts),
            "model": schedule.model, "execute": schedule.execute, "output": schedule.output, "base": schedule.base,
            "universe": schedule.universe, "index": schedule.index, "grace_minutes": schedule.grace_seconds // 60,
            "created_at": schedule.created_at.isoformat() if schedule.created_at else None}


def _slot_document(record: SlotRecord) -> dict[str, object]:
    return {"schedule": record.schedule, "slot": record.slot.isoformat(), "outcome": record.outcome.value,
            "owner": record.owner, "detail": record.detail}


def _slot_line(record: SlotRecord) -> str:
    return f"{record.schedule} {record.slot.isoformat()} {record.outcome.value}" + (
        f": {record.detail}" if record.detail else "")
