"""The security master: what an ISIN is at a broker (symbol, contract id, exchange, currency, minimum tick).

Model lines may name a security by its ISIN only (MP_Master.csv rows without a Ticker). Planning needs the
symbol the broker trades, so such a model is resolved through the master first: every ISIN becomes its
symbol, and an ISIN the master does not know stops planning with one line naming it and how to resolve it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from trimtab.domain.errors import InvalidInput
from trimtab.domain.isin import is_isin, model_isins
from trimtab.domain.models import ModelPortfolio, validate_model

RESOLVE_HINT = ("add {it} with `trimtab securities import FILE` (CSV or YAML), or look {it} up at IBKR with "
                "`trimtab securities lookup ISIN`")


@dataclass(frozen=True, slots=True)
class Security:
    """One ISIN at a broker: the symbol it trades as, and the contract facts planning and baskets use."""

    isin: str
    symbol: str
    currency: str
    exchange: str = "SMART"
    con_id: int | None = None
    min_tick: Decimal | None = None
    name: str = ""
    source: str = "file"  # "file" or the broker that described it ("IBKR")
    updated_at: dt.datetime | None = None


def check_isin(value: str, *, where: str) -> str:
    """The ISIN, upper case; anything else is InvalidInput."""
    isin = value.strip().upper()
    if not is_isin(isin):
        raise InvalidInput("not an ISIN (two letters, nine letters or digits, a check digit)", where=where,
                           field="isin", value=value)
    return isin


def resolve_model(model: ModelPortfolio, master: Mapping[str, Security]) -> ModelPortfolio:
    """The model with every ISIN replaced by its symbol; an unknown ISIN is InvalidInput naming it.

    A model without ISINs comes back as it is. Two lines that resolve to one symbol are refused (duplicate).
    """
    isins = model_isins(model)
    if not isins:
        return model
    missing = [isin for isin in isins if isin not in master]
    if missing:
        listed = ", ".join(missing)
        what = f"ISIN {listed} is" if len(missing) == 1 else f"ISINs {listed} are"
        hint = RESOLVE_HINT.format(it="it" if len(missing) == 1 else "them")
        raise InvalidInput(f"{what} not in the security master; {hint}",
                           where=f"model '{model.name}'", field="isin", value=missing[0])
    classes = tuple(replace(asset_class, holdings=tuple(
        replace(holding, symbol=master[holding.symbol].symbol,
                currency=holding.currency or master[holding.symbol].currency)
        if holding.symbol in master else holding for holding in asset_class.holdings))
        for asset_class in model.classes)
    resolved = replace(model, classes=classes)
    validate_model(resolved)
    return resolved
