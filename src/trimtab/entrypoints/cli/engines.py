"""Commands: engines run ENGINE: a model portfolio from market data files, printed, and stored on request."""

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
        universe: Annotated[Path, typer.Option("--universe", metavar="FILE", help=(
            "The universe snapshot: CSV (symbol,name,market_cap,price,market[,excluded]) or YAML (a list under "
            "universe)."))],
        index: Annotated[Path, typer.Option("--index", metavar="FILE", help=(
            "The index's daily closes: CSV with the header date,close, dates ascending."))],
        as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE", help=(
            "The date the model is for (YYYY-MM-DD; default: the index file's last date)."))] = None,
        import_as: Annotated[str | None, typer.Option("--import-as", metavar="MODEL", help=(
            "Store the model as a new version of MODEL: accounts and strategies following it move to it."))] = None,
        top_n: Annotated[int, typer.Option("--top-n", metavar="N", help="How many names to hold.")] = 10,
        cap: Annotated[str, typer.Option("--cap", metavar="PERCENT", help="The most one name may weigh.")] = "15",
        defensive: Annotated[str | None, typer.Option("--defensive", metavar="SYMBOL", help=(
            "What a risk-off model holds (default: cash)."))] = None,
        as_json: JsonOption = False,
) -> None:
    """Run an engine on market data files and print its model (and why); --import-as stores it."""

    def run() -> None:
        from trimtab.domain.engines.kospi_core import KospiCoreParameters
        from trimtab.domain.errors import InvalidInput

        if engine not in ENGINES:
            raise InvalidInput(f"unknown engine (known: {', '.join(ENGINES)})", where=COMMAND_LINE, field="ENGINE",
                               value=engine)
        parameters = KospiCoreParameters(top_n=top_n, cap=percent(cap, "cap"), defensive=defensive)
        done = facade().run_kospi_core(universe, index, as_of=_date(as_of), parameters=parameters,
                                       import_as=import_as)
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
