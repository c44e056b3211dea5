"""Endpoints of accounts: the list, holdings, assignment, bands, drift and plan previews."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from trimtab.application.listings import accounts_document, bands_document, exact
from trimtab.domain.errors import InvalidInput
from trimtab.entrypoints.api.errors import error_responses
from trimtab.entrypoints.api.schemas import (
    AccountItem,
    Accounts,
    Assignment,
    AssignmentRequest,
    Bands,
    BandsUpdate,
    Document,
)
from trimtab.entrypoints.api.security import Admin, Facade, Reader, wait_for

router = APIRouter(tags=["accounts"])
AccountId = Annotated[str, Path(min_length=1, max_length=64, description="trimtab's id of the account")]
READ_ERRORS = error_responses(401, 404, 422, 503)
WRITE_ERRORS = error_responses(401, 403, 404, 422, 503)
BROKER_ERRORS = error_responses(401, 404, 409, 422, 502, 503)
HUNDRED = Decimal(100)
SEED_BANDS = {"mp_threshold_percent": "class_band", "sub_mp_threshold_percent": "ticker_band"}


@router.get("/accounts", response_model=Accounts, responses=error_responses(401, 503))
def list_accounts(trimtab: Facade, _token: Reader) -> dict[str, Any]:
    """Every account with its model (and pinned version) and active run."""
    return accounts_document(trimtab.accounts())


@router.get("/accounts/{account_id}", response_model=AccountItem, responses=READ_ERRORS)
def show_account(account_id: AccountId, trimtab: Facade, _token: Reader) -> dict[str, Any]:
    """One account with its model and active run."""
    document: dict[str, Any] = accounts_document([trimtab.account(account_id)])["accounts"][0]
    return document


@router.get("/accounts/{account_id}/holdings", response_model=Document, responses=BROKER_ERRORS)
def holdings(account_id: AccountId, trimtab: Facade, _token: Reader,
             cached: Annotated[bool, Query(description="The last snapshot kept; the broker is not asked.")] = False,
             ) -> dict[str, Any]:
    """What the broker reports for the account now: holdings, orderable quantities, prices, cash."""
    from trimtab.application.documents import snapshot_document

    reading = wait_for(trimtab.holdings_reading(account_id, cached=cached))
    return {**snapshot_document(reading.snapshot), "read_at": reading.read_at.isoformat(), "cached": reading.cached,
            "prices_age": trimtab.describe_age(reading)}


@router.put("/accounts/{account_id}/assignment", response_model=Assignment, responses=WRITE_ERRORS)
def assign(account_id: AccountId, body: AssignmentRequest, trimtab: Facade, _token: Admin) -> dict[str, Any]:
    """Make the account follow a model: its latest version, or the version named (number or label)."""
    assignment = trimtab.assign(account_id, body.model, body.version)
    return {"account_id": assignment.account_id, "model": assignment.model_name,
            "pinned_version": assignment.pinned_version, "assigned_at": assignment.assigned_at.isoformat()}


@router.delete("/accounts/{account_id}/assignment", status_code=204, response_class=Response,
               responses=WRITE_ERRORS)
def unassign(account_id: AccountId, trimtab: Facade, _token: Admin) -> Response:
    """Let the account follow no model."""
    trimtab.unassign(account_id)
    return Response(status_code=204)


def _bands(account_id: str, trimtab: Facade) -> dict[str, Any]:
    config = trimtab.bands(account_id)
    return {**bands_document(account_id, config), "mp_threshold_percent": exact(config.class_band * HUNDRED),
            "sub_mp_threshold_percent": exact(config.ticker_band * HUNDRED)}


@router.get("/accounts/{account_id}/bands", response_model=Bands, responses=READ_ERRORS)
def show_bands(account_id: AccountId, trimtab: Facade, _token: Reader) -> dict[str, Any]:
    """The account's bands and planning settings (fractions as exact strings; seed 000's names in percent)."""
    return _bands(account_id, trimtab)


@router.put("/accounts/{account_id}/bands", response_model=Bands, responses=WRITE_ERRORS)
def set_bands(account_id: AccountId, body: BandsUpdate, trimtab: Facade, _token: Admin) -> dict[str, Any]:
    """Change some of the account's settings; the ones not given keep their value. Values outside their rule
    are refused with the field and value named (422), as `trimtab bands set` refuses them."""
    from trimtab.application.facade import BandChanges

    given = body.model_dump(include=body.model_fields_set)
    for seed_name, name in SEED_BANDS.items():
        if given.get(seed_name) is not None:
            if given.get(name) is not None:
                raise InvalidInput(f"give {name} or {seed_name}, not both", where="request", field=seed_name,
                                   value=str(given[seed_name]))
            given[name] = given[seed_name] / HUNDRED
    changes = BandChanges(class_band=given.get("class_band"), ticker_band=given.get("ticker_band"),
                          relative_band=given.get("relative_band"),
                          clear_relative_band="relative_band" in given and given["relative_band"] is None,
                          cash_buffer=given.get("cash_buffer"), minimum_trade_value=given.get("minimum_trade_value"),
                          price_ticks=given.get("price_ticks"), confirm_days=given.get("confirm_days"),
                          split_days=given.get("split_days"))
    trimtab.set_bands(account_id, changes)
    return _bands(account_id, trimtab)


@router.get("/accounts/{account_id}/drift", response_model=Document, responses=BROKER_ERRORS)
def drift(account_id: AccountId, trimtab: Facade, _token: Reader) -> dict[str, Any]:
    """The account's drift against its model and bands, from what its broker holds now (nothing is sent)."""
    from trimtab.application.plan_document import plan_to_document

    document = plan_to_document(wait_for(trimtab.plan_account(account_id)).plan)
    return {key: document[key] for key in ("account_id", "model", "currency", "equity", "rebalance_needed",
                                           "breaches", "breach_details", "drift")}


@router.get("/drift", response_model=Document, responses=error_responses(401, 404, 422, 503))
def drift_of_all(trimtab: Facade, _token: Reader,
                 model: Annotated[str | None, Query(max_length=64, description="Only accounts on it.")] = None,
                 ) -> dict[str, Any]:
    """Every account with a model (or those following `model`), planned in one batch: status, largest drift
    before and after, reason; an account that cannot be read is its own line."""
    from trimtab.application.batch import Selection, batch_document

    selection = Selection(every=model is None, model=model)
    return batch_document(wait_for(trimtab.plan_batch(selection)))


@router.get("/accounts/{account_id}/plan", response_model=Document, responses=BROKER_ERRORS)
def plan(account_id: AccountId, trimtab: Facade, _token: Reader,
         force: Annotated[bool, Query(description="Trade even when no band is breached.")] = False,
         deposit: Annotated[str | None, Query(max_length=40, description="Plan as if this cash came in.")] = None,
         withdraw: Annotated[str | None, Query(max_length=40, description="Plan raising this cash.")] = None,
         ) -> dict[str, Any]:
    """A plan preview: drift, every order, every trade not made and its reason, checks (nothing is sent)."""
    from trimtab.application.cash_flow_options import cash_flow_option
    from trimtab.application.plan_document import plan_to_document

    flow = cash_flow_option(deposit, withdraw)
    return plan_to_document(wait_for(trimtab.plan_account(account_id, force=force, cash_flow=flow)).plan)
