"""Commands: bands (show, set)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

from trimtab.domain.numbers import percent_number
from trimtab.entrypoints.cli.common import AccountArgument, Command, JsonOption, console, facade, print_json
from trimtab.entrypoints.cli.guard import guarded, in_option_terms, minimum_trade, percent

if TYPE_CHECKING:
    from trimtab.application.rebalancing_config import RebalancingConfig

bands_app = typer.Typer(
    help="Drift bands and planning settings per account.", no_args_is_help=True, rich_markup_mode=None)


@bands_app.command("set", cls=Command)
def set_bands(
    account: AccountArgument,
    class_band: Annotated[str | None, typer.Option(metavar="PP", help=(
        "Asset-class band, percentage points: 3, 3% or 3 pp."))] = None,
    ticker_band: Annotated[str | None, typer.Option(metavar="PP", help=(
        "Ticker band, percentage points: 5, 5% or 5 pp."))] = None,
    relative_band: Annotated[str | None, typer.Option(metavar="PERCENT", help=(
        "Relative band, percent of the target weight (25 or 25%); 'none' to clear."))] = None,
    cash_buffer: Annotated[str | None, typer.Option(metavar="PERCENT", help=(
        "Cash kept back, percent of equity (1 or 1%)."))] = None,
    min_trade: Annotated[str | None, typer.Option(metavar="AMOUNT", help=(
        "Skip trades worth less than this, in the account's currency."))] = None,
    ticks: Annotated[int | None, typer.Option(metavar="N", help="Limit price offset, in ticks (0 to 50).")] = None,
    confirm_days: Annotated[int | None, typer.Option(metavar="N", help=(
        "Act on a breach only once it has held N consecutive trading days (1: at once; up to 20)."))] = None,
    split_days: Annotated[int | None, typer.Option(metavar="N", help=(
        "Spread an executed rebalance over N trading days (1: all at once; up to 20)."))] = None,
) -> None:
    """Change an account's bands and planning settings (unnamed ones keep their value)."""

    def run() -> None:
        from trimtab.application.facade import BandChanges

        clear = relative_band is not None and relative_band.strip().lower() == "none"
        changes = BandChanges(
            class_band=_fraction(class_band, "class-band"), ticker_band=_fraction(ticker_band, "ticker-band"),
            relative_band=None if clear else _fraction(relative_band, "relative-band"), clear_relative_band=clear,
            cash_buffer=_fraction(cash_buffer, "cash-buffer"),
            minimum_trade_value=None if min_trade is None else minimum_trade(min_trade), price_ticks=ticks,
            confirm_days=confirm_days, split_days=split_days)
        typed = {"--class-band": class_band, "--ticker-band": ticker_band, "--relative-band": relative_band,
                 "--cash-buffer": cash_buffer, "--min-trade": min_trade, "--ticks": ticks,
                 "--confirm-days": confirm_days, "--split-days": split_days}
        trimtab = facade()
        with in_option_terms(typed):
            config = trimtab.set_bands(account, changes)
        show(account, config, trimtab.account(account).account.currency)

    guarded(run)


def _fraction(text: str | None, option: str) -> Decimal | None:
    return None if text is None else percent(text, option)


@bands_app.command("show", cls=Command)
def show_bands(account: AccountArgument, as_json: JsonOption = False) -> None:
    """Show an account's bands and planning settings."""

    def run() -> None:
        trimtab = facade()
        config = trimtab.bands(account)
        if as_json:
            from trimtab.application.listings import bands_document

            print_json(bands_document(account, config))
        else:
            show(account, config, trimtab.account(account).account.currency)

    guarded(run)


def show(account: str, config: RebalancingConfig, currency: str) -> None:
    """One line with every setting, in the units the options take (pp, percent); the minimum trade in the account's
    currency."""
    from trimtab.domain.money_format import format_money

    relative = "none" if config.relative_band is None else f"{percent_number(config.relative_band)}%"
    console().print(f"{account}: class band {percent_number(config.class_band)} pp, "
                    f"ticker band {percent_number(config.ticker_band)} pp, relative band {relative}, "
                    f"cash buffer {percent_number(config.cash_buffer)}%, "
                    f"minimum trade {format_money(config.minimum_trade_value, currency)} {currency}, "
                    f"limit offset {config.price_ticks} tick(s)" + _policies(config))


def _policies(config: RebalancingConfig) -> str:
    """The execution policies, when any is on."""
    parts = ([f"breach confirmed over {config.confirm_days} trading days"] if config.confirm_days > 1 else []) + (
        [f"split over {config.split_days} trading days"] if config.split_days > 1 else [])
    return "".join(f", {part}" for part in parts)
