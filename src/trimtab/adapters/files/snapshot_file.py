"""Load an account snapshot (cash, holdings, prices) from a YAML or JSON file.

```yaml
account_id: KIS-DEMO-01
currency: KRW
as_of: 2026-11-20            # optional; defaults to `today`
cash: 12345000               # orderable cash, settlement-aware
costs: {commission_rate: 0.015, commission_minimum: 0}   # optional; rate in PERCENT
holdings:                    # symbol, quantity and price are required
  - {symbol: "069500", quantity: 120, orderable_quantity: 120, price: 35420, instrument_type: etf}
prices:                      # model symbols not held: a number or {price: ..., <instrument fields>}
  "005930": 55000
excluded: ["000660"]         # optional: held symbols kept outside the model
```

Instrument fields (holdings and prices): name, instrument_type (default stock), market (default from the
currency: KRW -> KRX, USD -> US; required for other currencies), currency (must equal the account's),
lot_size (default 1), tick_size (required for CRYPTO), base_price (previous close).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from trimtab.adapters.files.loader import (
    check_keys,
    parse_iso_date,
    parse_number,
    parse_percentage,
    read_document,
    require_identifier,
    require_list,
    require_mapping,
    require_symbol,
    require_text,
)
from trimtab.domain.bounds import (
    CASH,
    COMMISSION_MINIMUM,
    COMMISSION_RATE,
    LOT_SIZE,
    PRICE,
    QUANTITY,
    TICK_SIZE,
    Bound,
    check_bound,
)
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import (
    DEFAULT_MARKET_BY_CURRENCY,
    Instrument,
    InstrumentType,
    Market,
    parse_currency,
    parse_instrument_type,
    parse_market,
)
from trimtab.domain.numbers import ZERO
from trimtab.domain.snapshot import AccountSnapshot, CostSettings, Holding, Quote

SNAPSHOT_KEYS = ("account_id", "currency", "as_of", "cash", "costs", "holdings", "prices", "excluded")
COST_KEYS = ("commission_rate", "commission_minimum")
INSTRUMENT_KEYS = ("name", "instrument_type", "market", "currency", "lot_size", "tick_size", "base_price")
HOLDING_KEYS = ("symbol", "quantity", "orderable_quantity", "price", *INSTRUMENT_KEYS)
PRICE_KEYS = ("price", *INSTRUMENT_KEYS)


def load_snapshot(path: Path, *, today: dt.date) -> AccountSnapshot:
    """Read an account snapshot; ``today`` is the date used when the file has no ``as_of``."""
    top = require_mapping(read_document(path), where=str(path), field="(top level)")
    check_keys(top, SNAPSHOT_KEYS, where=str(path), required=("account_id", "currency", "cash"))
    account_id = require_identifier(top["account_id"], where=str(path), field="account_id")
    where = f"{path.name}, account '{account_id}'"
    currency = parse_currency(top["currency"], where=where)
    as_of = today if top.get("as_of") is None else parse_iso_date(top["as_of"], where=where, field="as_of")
    holdings = _holdings(top.get("holdings"), where, currency)
    return AccountSnapshot(
        account_id=account_id,
        currency=currency,
        cash=_bounded(top["cash"], CASH, where=where, field="cash"),
        holdings=holdings,
        quotes=_quotes(holdings, _prices(top.get("prices"), where, currency), where),
        as_of=as_of,
        excluded=_excluded(top.get("excluded"), where, holdings),
        costs=_costs(top.get("costs"), where),
    )


def _bounded(value: object, bound: Bound, *, where: str, field: str) -> Decimal:
    """A number inside its bound; a negative one says so plainly."""
    number = parse_number(value, where=where, field=field)
    if number < ZERO:
        raise InvalidInput("must not be negative", where=where, field=field, value=value)
    if number == ZERO and bound.above_minimum:
        raise InvalidInput("must be positive", where=where, field=field, value=value)
    return check_bound(number, bound, where=where, field=field, value=value)


def _costs(value: object, where: str) -> CostSettings:
    if value is None:
        return CostSettings()
    where = f"{where}, costs"
    spec = require_mapping(value, where=where, field="costs")
    check_keys(spec, COST_KEYS, where=where)
    defaults = CostSettings()
    rate = defaults.commission_rate
    if spec.get("commission_rate") is not None:
        rate = parse_percentage(spec["commission_rate"], where=where, field="commission_rate")
        if rate < ZERO:
            raise InvalidInput("must not be negative", where=where, field="commission_rate",
                               value=spec["commission_rate"])
        check_bound(rate, COMMISSION_RATE, where=where, field="commission_rate", value=spec["commission_rate"])
    minimum = defaults.commission_minimum
    if spec.get("commission_minimum") is not None:
        minimum = _bounded(spec["commission_minimum"], COMMISSION_MINIMUM, where=where,
                           field="commission_minimum")
    return CostSettings(commission_rate=rate, commission_minimum=minimum)


def _holdings(value: object, where: str, currency: str) -> tuple[Holding, ...]:
    if value is None:
        return ()
    result: dict[str, Holding] = {}
    for index, item in enumerate(require_list(value, where=where, field="holdings"), start=1):
        holding = _holding(item, index, where, currency)
        if holding.symbol in result:
            raise InvalidInput("the symbol is held twice; list each holding once", where=where,
                               field="holdings.symbol", value=holding.symbol)
        result[holding.symbol] = holding
    return tuple(result.values())


def _holding(value: object, index: int, where: str, currency: str) -> Holding:
    item_where = f"{where}, holdings item {index}"
    spec = require_mapping(value, where=item_where, field="holdings")
    symbol = require_symbol(spec, where=item_where)
    where = f"{where}, holding '{symbol}'"
    check_keys(spec, HOLDING_KEYS, where=where, required=("quantity", "price"))
    quantity = _bounded(spec["quantity"], QUANTITY, where=where, field="quantity")
    orderable = quantity
    if spec.get("orderable_quantity") is not None:
        orderable = _bounded(spec["orderable_quantity"], QUANTITY, where=where, field="orderable_quantity")
        if orderable > quantity:
            raise InvalidInput(f"more than the quantity held ({quantity})", where=where,
                               field="orderable_quantity", value=spec["orderable_quantity"])
    return Holding(quote=_quote(symbol, spec, where, currency), quantity=quantity,
                   orderable_quantity=orderable)


def _prices(value: object, where: str, currency: str) -> dict[str, Quote]:
    if value is None:
        return {}
    quotes: dict[str, Quote] = {}
    for key, item in require_mapping(value, where=where, field="prices").items():
        symbol = require_identifier(key, where=where, field="prices")
        price_where = f"{where}, price '{symbol}'"
        if isinstance(item, dict):
            spec = require_mapping(item, where=price_where, field="prices")
            check_keys(spec, PRICE_KEYS, where=price_where, required=("price",))
        else:
            spec = {"price": item}
        quotes[symbol] = _quote(symbol, spec, price_where, currency)
    return quotes


def _quote(symbol: str, spec: dict[str, object], where: str, currency: str) -> Quote:
    base = spec.get("base_price")
    return Quote(instrument=_instrument(symbol, spec, where, currency),
                 price=_bounded(spec.get("price"), PRICE, where=where, field="price"),
                 base_price=None if base is None else _bounded(base, PRICE, where=where, field="base_price"))


def _instrument(symbol: str, spec: dict[str, object], where: str, currency: str) -> Instrument:
    if spec.get("currency") is not None and parse_currency(spec["currency"], where=where) != currency:
        raise InvalidInput(f"the account is in {currency}; convert the price first", where=where,
                           field="currency", value=spec["currency"])
    market = _market(spec, where, currency)
    tick = spec.get("tick_size")
    tick_size = None if tick is None else _bounded(tick, TICK_SIZE, where=where, field="tick_size")
    if market is Market.CRYPTO and tick_size is None:
        raise InvalidInput("tick_size is required for CRYPTO", where=where, field="tick_size")
    kind = spec.get("instrument_type")
    name = spec.get("name")
    return Instrument(
        symbol=symbol,
        market=market,
        instrument_type=InstrumentType.STOCK if kind is None else parse_instrument_type(kind, where=where),
        currency=currency,
        lot_size=_bounded(spec.get("lot_size", "1"), LOT_SIZE, where=where, field="lot_size"),
        tick_size=tick_size,
        name="" if name is None else require_text(name, where=where, field="name", allow_empty=True),
    )


def _market(spec: dict[str, object], where: str, currency: str) -> Market:
    if spec.get("market") is not None:
        return parse_market(spec["market"], where=where)
    if currency in DEFAULT_MARKET_BY_CURRENCY:
        return DEFAULT_MARKET_BY_CURRENCY[currency]
    known = ", ".join(sorted(DEFAULT_MARKET_BY_CURRENCY))
    raise InvalidInput(f"market is required for {currency} accounts (a default exists only for {known})",
                       where=where, field="market")


def _quotes(holdings: tuple[Holding, ...], prices: dict[str, Quote], where: str) -> dict[str, Quote]:
    quotes = {holding.symbol: holding.quote for holding in holdings}
    for symbol, quote in prices.items():
        if symbol in quotes:
            raise InvalidInput("the symbol is held and also listed under 'prices'; give its price once, "
                               "in its holding", where=where, field="prices", value=symbol)
        quotes[symbol] = quote
    return quotes


def _excluded(value: object, where: str, holdings: tuple[Holding, ...]) -> frozenset[str]:
    if value is None:
        return frozenset()
    held = {holding.symbol for holding in holdings}
    excluded: set[str] = set()
    for item in require_list(value, where=where, field="excluded"):
        symbol = require_identifier(item, where=where, field="excluded")
        if symbol not in held:
            raise InvalidInput("only held symbols can be excluded", where=where, field="excluded",
                               value=symbol)
        if symbol in excluded:
            raise InvalidInput("listed twice", where=where, field="excluded", value=symbol)
        excluded.add(symbol)
    return frozenset(excluded)
