"""Commands: engines run ENGINE: a model portfolio from market data (files or KIS quotations), printed, and
stored on request."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from trimtab.entrypoints.cli.common import Command, JsonOption, console, facade, print_json
from trimtab.entrypoints.cli.guard import COMMAND_LINE, guarded, percent

if TYPE_CHECKING:
    import datetime as dt

    from trimtab.application.engines import EngineRun

ENGINES = ("kospi-core",)

engines_app = typer.Typer(help="Engines as target sources: a model portfolio computed from market data.",
                          no_args_is_help=True, rich_markup_mode=None, add_completion=False)


@engines_app.command("run", cls=Command)
def run_engine(
        engine: Annotated[str, typer.Argument(metavar="ENGINE", help="The engine: kospi-core.")],
        universe: Annotated[Path | None, typer.Option("--universe", metavar="FILE", help=(
            "The universe snapshot: CSV (symbol,name,market_cap,price,market[,excluded]) or YAML (a list under "
            "universe)."))] = None,
        index: Annotated[Path | None, typer.Option("--index", metavar="FILE", help=(
            "The index's daily closes: CSV with the header date,close, dates ascending."))] = None,
        source: Annotated[str, typer.Option("--source", metavar="SOURCE", help=(
            "files (--universe and --index) or kis: KIS quotations, the largest KOSPI companies now and the "
            "KOSPI's closes (the KIS settings; nothing is ordered)."))] = "files",
        env: Annotated[str | None, typer.Option("--env", metavar="ENV", help=(
            "With --source kis: real or virtual (default: TRIMTAB_KIS_ENV). The market-cap ranking is on real "
            "only."))] = None,
        as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE", help=(
            "The date the model is for (YYYY-MM-DD; default: the index's last close)."))] = None,
        import_as: Annotated[str | None, typer.Option("--import-as", metavar="MODEL", help=(
            "Store the model as a new version of MODEL: accounts and strategies following it move to it."))] = None,
        top_n: Annotated[int, typer.Option("--top-n", metavar="N", help="How many names to hold.")] = 10,
        cap: Annotated[str, typer.Option("--cap", metavar="PERCENT", help="The most one name may weigh.")] = "15",
        defensive: Annotated[str | None, typer.Option("--defensive", metavar="SYMBOL", help=(
            "What a risk-off model holds (default: cash)."))] = None,
        as_json: JsonOption = False,
) -> None:
    """Run an engine on market data and print its model (and why); --import-as stores it."""

    def run() -> None:
        import asyncio

        from trimtab.application.brokers import BrokerChoice
        from trimtab.domain.engines.kospi_core import KospiCoreParameters
        from trimtab.domain.errors import InvalidInput

        if engine not in ENGINES:
            raise InvalidInput(f"unknown engine (known: {', '.join(ENGINES)})", where=COMMAND_LINE, field="ENGINE",
                               value=engine)
        parameters = KospiCoreParameters(top_n=top_n, cap=percent(cap, "cap"), defensive=defensive)
        day = _date(as_of)
        if source == "kis":
            if universe is not None or index is not None:
                raise InvalidInput("--source kis reads no files: leave out --universe and --index",
                                   where=COMMAND_LINE, field="--source", value=source)
            done = asyncio.run(facade().run_kospi_core_quoted(BrokerChoice("kis", env), as_of=day,
                                                              parameters=parameters, import_as=import_as))
        elif source != "files":
            raise InvalidInput("choose files or kis", where=COMMAND_LINE, field="--source", value=source)
        elif universe is None or index is None:
            raise InvalidInput("--source files needs --universe FILE and --index FILE", where=COMMAND_LINE,
                               field="--universe" if universe is None else "--index", value=None)
        else:
            done = facade().run_kospi_core(universe, index, as_of=day, parameters=parameters, import_as=import_as)
        if as_json:
            print_json(_document(done))
        else:
            _show(done)

    guarded(run)


def _date(text: str | None) -> dt.date | None:
    import datetime as dt

    from trimtab.domain.errors import InvalidInput

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("expected a date as YYYY-MM-DD", where=COMMAND_LINE, field="--as-of", value=text) from None


def _show(done: EngineRun) -> None:
    out = console()
    result = done.result
    for line in result.explanation:
        out.print(line)
    out.print(f"model {result.model.name} (version {result.model.version}):")
    for symbol, weight in result.weights.items():
        out.print(f"  {symbol:<12} {weight * 100:>8.2f}%")
    if done.imported is not None:
        imported = done.imported
        state = "stored as version" if imported.new else "unchanged: already version"
        out.print(f"{imported.name}: {state} {imported.version}")
        if imported.moved:
            out.print(f"  now followed by: {', '.join(imported.moved)}")


def _document(done: EngineRun) -> dict[str, object]:
    result = done.result
    regime = result.regime
    imported = done.imported
    return {
        "model": result.model.name, "version": result.model.version, "risk_on": regime.is_risk_on,
        "weights": {symbol: str(weight) for symbol, weight in result.weights.items()},
        "regime": {"as_of": regime.as_of.isoformat(), "close": str(regime.close),
                   "trend_average": str(regime.trend_average), "momentum": str(regime.momentum),
                   "short_vol": str(regime.short_vol), "long_vol": str(regime.long_vol),
                   "vol_ratio": str(regime.vol_ratio)},
        "explanation": list(result.explanation),
        "imported": None if imported is None else {"name": imported.name, "version": imported.version,
                                                   "new": imported.new, "moved": list(imported.moved)},
    }
