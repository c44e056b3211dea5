"""Commands: bands (show, set)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

from trimtab.entrypoints.cli.common import console, facade
from trimtab.entrypoints.cli.guard import guarded, minimum_trade, percent

if TYPE_CHECKING:
    from trimtab.application.records import RebalancingConfig

bands_app = typer.Typer(
    help="Drift bands and planning settings per account.", no_args_is_help=True, rich_markup_mode=None)


@bands_app.command("set")
def set_bands(
    account: str,
    class_band: Annotated[str | None, typer.Option(help="Percentage points.")] = None,
    ticker_band: Annotated[str | None, typer.Option(help="Percentage points.")] = None,
    relative_band: Annotated[str | None, typer.Option(help="Percent of target; 'none' to clear.")] = None,
    cash_buffer: Annotated[str | None, typer.Option(help="Percent of equity.")] = None,
    min_trade: Annotated[str | None, typer.Option(help="Account currency.")] = None,
    ticks: Annotated[int | None, typer.Option(help="Limit offset in ticks.")] = None,
) -> None:
    """Change an account's bands and planning settings (unnamed ones keep their value)."""

    def run() -> None:
        from trimtab.application.facade import BandChanges

        clear = relative_band == "none"
        changes = BandChanges(
            class_band=_fraction(class_band, "class-band"), ticker_band=_fraction(ticker_band, "ticker-band"),
            relative_band=None if clear else _fraction(relative_band, "relative-band"), clear_relative_band=clear,
            cash_buffer=_fraction(cash_buffer, "cash-buffer"),
            minimum_trade_value=None if min_trade is None else minimum_trade(min_trade), price_ticks=ticks)
        trimtab = facade()
        show(account, trimtab.set_bands(account, changes), trimtab.account(account).account.currency)

    guarded(run)


def _fraction(text: str | None, option: str) -> Decimal | None:
    return None if text is None else percent(text, option)


@bands_app.command("show")
def show_bands(account: str) -> None:
    """Show an account's bands and planning settings."""
    def run() -> None:
        trimtab = facade()
        show(account, trimtab.bands(account), trimtab.account(account).account.currency)

    guarded(run)


def show(account: str, config: RebalancingConfig, currency: str) -> None:
    """One line with every setting, in percent; the minimum trade in the account's currency."""
    from trimtab.domain.money_format import format_money

    relative = "none" if config.relative_band is None else f"{config.relative_band * 100}%"
    console().print(f"{account}: class band {config.class_band * 100} pp, ticker band {config.ticker_band * 100} pp, "
                    f"relative band {relative}, cash buffer {config.cash_buffer * 100}%, "
                    f"minimum trade {format_money(config.minimum_trade_value, currency)} {currency}, "
                    f"limit offset {config.price_ticks} tick(s)")
