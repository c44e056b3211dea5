"""The API's request bodies and the response documents it declares (pydantic: the OpenAPI document's schemas).

Responses follow the CLI's ``--json``: money, quantities and fractions are strings of exact Decimals
(``"0.03"`` = 3 %), times ISO 8601, absent values null. Plans and runs are large documents, declared as objects.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Identifier = Annotated[str, Field(min_length=1, max_length=64)]
Amount = Annotated[str, Field(min_length=1, max_length=40, examples=["1000000"])]
Fraction = Annotated[Decimal, Field(allow_inf_nan=False, examples=["0.03"])]
Document = dict[str, Any]


class Strict(BaseModel):
    """A request body: unknown fields are refused (422 naming them)."""

    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: str
    version: str


class AccountItem(BaseModel):
    account_id: str
    name: str
    currency: str
    broker: str
    created_at: str
    model: str | None
    pinned_version: str | None
    active_run: str | None


class Accounts(BaseModel):
    accounts: list[AccountItem]


class ModelVersion(BaseModel):
    name: str
    version: str
    label: str | None
    description: str
    created_at: str


class Models(BaseModel):
    models: list[ModelVersion]


class ImportedModel(BaseModel):
    name: str
    version: str
    new: bool
    moved_accounts: list[str]


class MappedAccount(BaseModel):
    account_id: str
    model: str
    outcome: str
    previous: str | None


class ModelImportResult(BaseModel):
    models: list[ImportedModel]
    account_mappings: list[MappedAccount]


class ModelFile(Strict):
    """A model file's text, as `trimtab models import FILE` reads it: trimtab YAML, model_portfolios.yaml (with
    account_mappings), JSON, or MP_Master.csv; the name's suffix tells the format."""

    filename: Annotated[str, Field(min_length=1, max_length=200, examples=["models.yaml"])]
    content: Annotated[str, Field(max_length=2_000_000)]


class AssignmentRequest(Strict):
    model: Identifier
    version: Annotated[str | None, Field(max_length=64)] = None


class Assignment(BaseModel):
    account_id: str
    model: str
    pinned_version: str | None
    assigned_at: str


class Bands(BaseModel):
    """An account's bands and settings; ``mp_threshold_percent`` and ``sub_mp_threshold_percent`` are seed 000's
    ``rebalancing_config`` (the class and ticker bands in percent)."""

    account_id: str
    class_band: str
    ticker_band: str
    relative_band: str | None
    cash_buffer: str
    minimum_trade_value: str
    price_ticks: int
    confirm_days: int
    split_days: int
    mp_threshold_percent: str
    sub_mp_threshold_percent: str


class BandsUpdate(Strict):
    """The settings to change (fractions: 0.03 = 3 %); the others keep their value. ``relative_band: null``
    clears it. Seed 000's ``mp_threshold_percent`` / ``sub_mp_threshold_percent`` (percent: 3.0 = 3 %) may
    stand for ``class_band`` / ``ticker_band``."""

    class_band: Fraction | None = None
    ticker_band: Fraction | None = None
    relative_band: Fraction | None = None
    cash_buffer: Fraction | None = None
    minimum_trade_value: Fraction | None = None
    price_ticks: int | None = None
    confirm_days: int | None = None
    split_days: int | None = None
    mp_threshold_percent: Fraction | None = None
    sub_mp_threshold_percent: Fraction | None = None


class RunStart(Strict):
    """Start a run: a dry run (plan and checks, nothing sent) or, with ``execute``, one that sends orders."""

    account_id: Identifier
    execute: bool = False
    force: bool = False
    deposit: Amount | None = None
    withdraw: Amount | None = None


class RunItem(BaseModel):
    run_id: str
    account_id: str
    model: str
    model_version: str
    broker: str
    status: str
    step: str
    execute: bool
    force: bool
    reason: str
    order_count: int
    created_at: str
    updated_at: str


class Runs(BaseModel):
    runs: list[RunItem]


class SignalAnswer(BaseModel):
    """What became of a signal: done, failed, or recorded only; `duplicate` when its id was seen before."""

    signal_id: str
    status: str
    detail: str
    run_ids: list[str]
    duplicate: bool


class SignalItem(BaseModel):
    signal_id: str
    received_at: str
    status: str
    detail: str
    run_ids: list[str]
    payload: dict[str, Any]


class Signals(BaseModel):
    signals: list[SignalItem]
