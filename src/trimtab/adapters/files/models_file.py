"""Load model portfolios from a file; the format is detected automatically.

Three formats are read:

* **trimtab YAML/JSON**: a top-level ``models`` mapping (name -> model). Weights are PERCENT numbers
  (``33.34``) or text with ``%`` (``"33.34%"``). A model has either ``holdings`` (flat) or ``classes``
  (two-level; each class has a ``weight`` and ``holdings``; a ``CASH`` class may have only a weight).
  Holdings are a mapping ``symbol -> weight`` / ``symbol -> {weight, name, ...}`` or a list of mappings
  with ``symbol`` and ``weight``.
* **simple-order-management-platform YAML**: a top-level ``model_portfolios`` mapping; each model has a
  ``holdings`` list with ``symbol`` and ``target_weight`` as a FRACTION (``0.3334``), plus
  ``security_type`` (``STK`` -> stock), ``exchange`` (``SMART`` -> US) and ``currency``. The top-level
  ``rebalancing_settings`` are accepted and ignored.
* Both YAML/JSON formats may have a top-level ``account_mappings``: account id -> model name (a model of the
  file, or one already stored); :func:`load_account_mappings` reads it, the import assigns the models.
* **MP_Master CSV** (``.csv``): columns ``Portfolio ID, Bucket Name, ISIN, Ticker, Weight, Effective
  Date``; weights in percent; dates ``DD/MM/YY`` (or ``DD/MM/YYYY``). One flat model per Portfolio ID:
  name = the ID, description = the Bucket Name, effective_on = the ISO date, symbol = the Ticker or the
  ISIN when the Ticker is empty. When one Portfolio ID has rows with different effective dates, only the
  rows of the LATEST date are kept (older rows are earlier versions of the same model).

The domain builders (:func:`flat_model`, :func:`two_level_model`) check sums (100 % within 0.01 pp),
negative weights and duplicate tickers.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from trimtab.adapters.files.loader import (
    JSON_SUFFIXES,
    YAML_SUFFIXES,
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
from trimtab.domain.bounds import WEIGHT
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import parse_currency, parse_instrument_type, parse_market
from trimtab.domain.models import AssetClass, ModelHolding, ModelPortfolio, flat_model, two_level_model

TOP_KEYS = ("models", "account_mappings")
MODEL_KEYS = ("description", "version", "effective_on", "holdings", "classes")
CLASS_KEYS = ("weight", "holdings")
HOLDING_KEYS = ("weight", "name", "instrument_type", "market", "currency")
SOMP_TOP_KEYS = ("model_portfolios", "account_mappings", "rebalancing_settings")
SOMP_MODEL_KEYS = ("name", "description", "holdings")
SOMP_HOLDING_KEYS = ("symbol", "target_weight", "security_type", "exchange", "currency")

T = TypeVar("T")


def load_models(path: Path) -> list[ModelPortfolio]:
    """Read every model of a trimtab YAML/JSON, simple-order-management YAML or MP_Master CSV file."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        from trimtab.adapters.files.mp_master import load_mp_master  # here: YAML model files need none of it

        return load_mp_master(path)
    if suffix not in YAML_SUFFIXES | JSON_SUFFIXES:
        raise InvalidInput("unsupported model file type (use .yaml, .yml, .json or .csv)", where=str(path),
                           field="suffix", value=path.suffix)
    top = require_mapping(read_document(path), where=str(path), field="(top level)")
    if "models" in top:
        check_keys(top, TOP_KEYS, where=str(path))
        return _each_model(top["models"], source=path.name, field="models", build=_trimtab_model)
    if "model_portfolios" in top:
        check_keys(top, SOMP_TOP_KEYS, where=str(path))
        return _each_model(top["model_portfolios"], source=path.name, field="model_portfolios", build=_somp_model)
    raise InvalidInput("no models: expected a top-level 'models' (trimtab) or 'model_portfolios' key",
                       where=str(path), field="(top level)", value=", ".join(top) or None)


def load_account_mappings(path: Path) -> dict[str, str]:
    """The file's ``account_mappings`` (account id -> model name); none in a CSV file or without the key."""
    if path.suffix.lower() == ".csv":
        return {}
    top = require_mapping(read_document(path), where=str(path), field="(top level)")
    value = top.get("account_mappings")
    if value is None:  # absent, or the seed's key with only comments under it
        return {}
    where = f"{path.name}, account_mappings"
    mappings = require_mapping(value, where=where, field="account_mappings")
    return {require_identifier(str(account), where=where, field="account"):
            require_identifier(model, where=f"{where}, account '{account}'", field="model")
            for account, model in mappings.items()}


def load_model(path: Path, name: str | None) -> ModelPortfolio:
    """Read one model by name; without a name the file must hold exactly one model."""
    models = load_models(path)
    available = ", ".join(model.name for model in models)
    if name is None:
        if len(models) == 1:
            return models[0]
        raise InvalidInput(f"the file holds {len(models)} models; choose one of: {available}",
                           where=str(path), field="model")
    for model in models:
        if model.name == name:
            return model
    raise InvalidInput(f"no such model (available: {available})", where=str(path), field="model",
                       value=name)


def _optional(spec: dict[str, object], key: str, parse: Callable[[object], T]) -> T | None:
    """Parse ``spec[key]`` when it is present and not null."""
    value = spec.get(key)
    return None if value is None else parse(value)


def _each_model(value: object, *, source: str, field: str,
                build: Callable[[str, object, str], ModelPortfolio]) -> list[ModelPortfolio]:
    """Build every model of a file's mapping of models (name -> spec); an empty mapping is an error."""
    models = require_mapping(value, where=source, field=field)
    if not models:
        raise InvalidInput("no models defined", where=source, field=field, value=models)
    return [build(require_identifier(name, where=source, field=field), spec, source) for name, spec in models.items()]


# --- trimtab format ---------------------------------------------------------------------------------


def _trimtab_model(name: str, value: object, source: str) -> ModelPortfolio:
    where = f"{source}, model '{name}'"
    spec = require_mapping(value, where=where, field="models")
    check_keys(spec, MODEL_KEYS, where=where)
    metadata = _metadata(spec, where)
    if "holdings" in spec and "classes" in spec:
        raise InvalidInput("a model has either 'holdings' (flat) or 'classes' (two-level), not both",
                           where=where, field="classes", value="holdings + classes")
    if "classes" in spec:
        return two_level_model(name, _classes(spec["classes"], where), **metadata)
    if "holdings" not in spec:
        raise InvalidInput("a model needs 'holdings' (flat) or 'classes' (two-level)", where=where,
                           field="holdings")
    return flat_model(name, _holdings(spec["holdings"], where), **metadata)


def _metadata(spec: dict[str, object], where: str) -> dict[str, str | None]:
    description = _optional(spec, "description",
                            lambda v: require_text(v, where=where, field="description", allow_empty=True))
    version = _optional(spec, "version", lambda v: require_identifier(v, where=where, field="version"))
    effective = _optional(spec, "effective_on",
                          lambda v: parse_iso_date(v, where=where, field="effective_on").isoformat())
    return {"description": description or "", "version": version or "1", "effective_on": effective}


def _classes(value: object, where: str) -> tuple[AssetClass, ...]:
    classes = require_mapping(value, where=where, field="classes")
    result = []
    for key, class_value in classes.items():
        name = require_identifier(key, where=where, field="classes")
        class_where = f"{where}, class '{name}'"
        spec = require_mapping(class_value, where=class_where, field="classes")
        check_keys(spec, CLASS_KEYS, where=class_where, required=("weight",))
        weight = parse_percentage(spec["weight"], where=class_where, field="weight", bound=WEIGHT)
        holdings = _holdings(spec["holdings"], class_where) if spec.get("holdings") is not None else ()
        result.append(AssetClass(name=name, weight=weight, holdings=holdings))
    return tuple(result)


def _holdings(value: object, where: str) -> tuple[ModelHolding, ...]:
    if isinstance(value, list):
        return tuple(_listed_holding(item, index, where) for index, item in enumerate(value, start=1))
    holdings = require_mapping(value, where=where, field="holdings")
    return tuple(_mapped_holding(symbol, spec, where) for symbol, spec in holdings.items())


def _mapped_holding(symbol: str, value: object, where: str) -> ModelHolding:
    symbol = require_identifier(symbol, where=where, field="holdings")
    holding_where = f"{where}, holding '{symbol}'"
    if not isinstance(value, dict):
        weight = parse_percentage(value, where=holding_where, field="weight", bound=WEIGHT)
        return ModelHolding(symbol=symbol, weight=weight)
    spec = require_mapping(value, where=holding_where, field="holdings")
    check_keys(spec, HOLDING_KEYS, where=holding_where, required=("weight",))
    return _holding(symbol, spec, holding_where)


def _listed_holding(value: object, index: int, where: str) -> ModelHolding:
    item_where = f"{where}, holdings item {index}"
    spec = require_mapping(value, where=item_where, field="holdings")
    symbol = require_symbol(spec, where=item_where)
    holding_where = f"{where}, holding '{symbol}'"
    check_keys(spec, ("symbol", *HOLDING_KEYS), where=holding_where, required=("weight",))
    return _holding(symbol, spec, holding_where)


def _holding(symbol: str, spec: dict[str, object], where: str) -> ModelHolding:
    return ModelHolding(
        symbol=symbol,
        weight=parse_percentage(spec["weight"], where=where, field="weight", bound=WEIGHT),
        name=_optional(spec, "name", lambda v: require_text(v, where=where, field="name", allow_empty=True))
        or "",
        instrument_type=_optional(spec, "instrument_type", lambda v: parse_instrument_type(v, where=where)),
        market=_optional(spec, "market", lambda v: parse_market(v, where=where)),
        currency=_optional(spec, "currency", lambda v: parse_currency(v, where=where)),
    )


# --- simple-order-management-platform format --------------------------------------------------------


def _somp_model(key: str, value: object, source: str) -> ModelPortfolio:
    where = f"{source}, model '{key}'"
    spec = require_mapping(value, where=where, field="model_portfolios")
    check_keys(spec, SOMP_MODEL_KEYS, where=where, required=("holdings",))
    name = _optional(spec, "name", lambda v: require_identifier(v, where=where, field="name"))
    if name is not None and name != key:
        raise InvalidInput(f"the name differs from the model's key '{key}'", where=where, field="name",
                           value=name)
    description = _optional(spec, "description",
                            lambda v: require_text(v, where=where, field="description", allow_empty=True))
    items = require_list(spec["holdings"], where=where, field="holdings")
    holdings = tuple(_somp_holding(item, index, where) for index, item in enumerate(items, start=1))
    return flat_model(key, holdings, description=description or "")


def _somp_holding(value: object, index: int, where: str) -> ModelHolding:
    item_where = f"{where}, holdings item {index}"
    spec = require_mapping(value, where=item_where, field="holdings")
    symbol = require_symbol(spec, where=item_where)
    holding_where = f"{where}, holding '{symbol}'"
    check_keys(spec, SOMP_HOLDING_KEYS, where=holding_where, required=("target_weight",))
    return ModelHolding(
        symbol=symbol,
        weight=_fraction(spec["target_weight"], where=holding_where, field="target_weight"),
        instrument_type=_optional(spec, "security_type",
                                  lambda v: parse_instrument_type(v, where=holding_where)),
        market=_optional(spec, "exchange", lambda v: parse_market(v, where=holding_where)),
        currency=_optional(spec, "currency", lambda v: parse_currency(v, where=holding_where)),
    )


def _fraction(value: object, *, where: str, field: str) -> Decimal:
    """A weight given as a fraction (0.3334); text ending in % is read as a percentage."""
    if isinstance(value, str) and value.strip().endswith("%"):
        return parse_percentage(value, where=where, field=field, bound=WEIGHT)
    return parse_number(value, where=where, field=field, bound=WEIGHT)
