"""The dashboard's pages: accounts and drift, plan preview and execution, runs, bands (all over the facade)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from trimtab.application.access import Scope
from trimtab.application.listings import runs_document
from trimtab.application.safety import TradingDisabled
from trimtab.domain.errors import InvalidInput, TrimtabError
from trimtab.entrypoints.api.dashboard import PREFIX, Facade, LoggedIn, render
from trimtab.entrypoints.api.dashboard_views import drift_charts
from trimtab.entrypoints.api.security import wait_for

router = APIRouter()
AccountId = Annotated[str, Path(min_length=1, max_length=64)]
RECENT_RUNS = 5


def _plan_document(trimtab: Facade, account_id: str, *, force: bool = False) -> tuple[dict[str, Any], str]:
    """The account's plan now (as `GET /accounts/{id}/plan` gives it) and its fingerprint."""
    from trimtab.application.plan_document import plan_to_document
    from trimtab.application.reviewed_plans import plan_fingerprint

    plan = wait_for(trimtab.plan_account(account_id, force=force)).plan
    return plan_to_document(plan), plan_fingerprint(plan)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def accounts(request: Request, session: LoggedIn, trimtab: Facade) -> HTMLResponse:
    """Every account with its drift against its bands (a chart of its classes)."""
    cards = []
    for overview in trimtab.accounts():
        account_id = overview.account.account_id
        card: dict[str, Any] = {"overview": overview, "plan": None, "chart": None, "error": None}
        if overview.assignment is not None:
            try:
                card["plan"], _ = _plan_document(trimtab, account_id)
                card["chart"] = drift_charts(card["plan"]["drift"])[0]
            except TrimtabError as error:  # one account that cannot be read does not hide the others
                card["error"] = str(error)
        cards.append(card)
    return render(request, "accounts.html", cards=cards)


@router.get("/accounts/{account_id}", response_class=HTMLResponse, include_in_schema=False)
def account(request: Request, account_id: AccountId, session: LoggedIn, trimtab: Facade) -> HTMLResponse:
    """One account's drift by class and by ticker against its bands, and its recent runs."""
    overview = trimtab.account(account_id)
    plan = charts = None
    if overview.assignment is not None:
        plan, _ = _plan_document(trimtab, account_id)
        charts = drift_charts(plan["drift"])
    runs = runs_document(trimtab.runs(account_id, RECENT_RUNS))["runs"]
    return render(request, "account.html", overview=overview, plan=plan, charts=charts, runs=runs)


def _plan_page(request: Request, trimtab: Facade, account_id: str, *, force: bool, status: int = 200,
               notice: str | None = None, refusal: str | None = None) -> HTMLResponse:
    overview = trimtab.account(account_id)
    plan, fingerprint = _plan_document(trimtab, account_id, force=force)
    return render(request, "plan.html", status, overview=overview, plan=plan, fingerprint=fingerprint, force=force,
                  key=secrets.token_urlsafe(16), blocked=trimtab.trading_blocked(), notice=notice,
                  refusal=refusal, may_trade=request.state.session.allows(Scope.TRADE))


@router.get("/accounts/{account_id}/plan", response_class=HTMLResponse, include_in_schema=False)
def plan(request: Request, account_id: AccountId, session: LoggedIn, trimtab: Facade,
         force: Annotated[bool, Query()] = False) -> HTMLResponse:
    """A plan preview: every order, every trade not made and why, the checks; the execute button (trade scope)."""
    return _plan_page(request, trimtab, account_id, force=force)


@router.post("/accounts/{account_id}/execute", include_in_schema=False)
def execute(request: Request, account_id: AccountId, session: LoggedIn, trimtab: Facade,
            csrf: Annotated[str, Form(max_length=100)] = "",
            fingerprint: Annotated[str, Form(max_length=100)] = "",
            key: Annotated[str, Form(max_length=100)] = "",
            force: Annotated[bool, Form()] = False) -> Response:
    """Execute the plan the user reviewed: only if it is still the account's plan (else the new one is shown)."""
    from trimtab.application.run_requests import RunRequest

    session.check_form(csrf)
    session.require(Scope.TRADE)
    request_ = RunRequest(account_id, execute=True, force=force)
    try:
        outcome = wait_for(trimtab.execute_reviewed(request_, fingerprint, key=f"dashboard-{key}" if key else None))
    except TradingDisabled as refused:  # the run's own check, as for the CLI and the API: nothing was sent
        return _plan_page(request, trimtab, account_id, force=force, status=409,
                          refusal=f"Not executed: {refused}.")
    if outcome.started is None:
        return _plan_page(request, trimtab, account_id, force=force, status=409,
                          notice="The account's plan changed since you reviewed it, so nothing was sent. "
                                 "This is the plan now: review it before executing.")
    return RedirectResponse(f"{PREFIX}/runs/{outcome.started.record.run_id}", status_code=303)


@router.get("/runs", response_class=HTMLResponse, include_in_schema=False)
def runs(request: Request, session: LoggedIn, trimtab: Facade,
         account: Annotated[str | None, Query(max_length=64)] = None,
         limit: Annotated[int, Query(ge=1, le=500)] = 50) -> HTMLResponse:
    """Recent runs, newest first."""
    listed = runs_document(trimtab.runs(account or None, limit))["runs"]
    return render(request, "runs.html", runs=listed, account=account or "")


@router.get("/runs/{run_id}", response_class=HTMLResponse, include_in_schema=False)
def run(request: Request, run_id: Annotated[str, Path(min_length=4, max_length=64)], session: LoggedIn,
        trimtab: Facade) -> HTMLResponse:
    """A run: its step timeline, orders and fills; a page that refreshes itself while the run goes on."""
    from trimtab.application.documents import run_document
    from trimtab.application.reviewed_plans import run_timeline

    record = trimtab.run(run_id)
    fills = trimtab.fills(record.run_id)
    currency = trimtab.account(record.account_id).account.currency
    return render(request, "run.html", run=run_document(record, fills), timeline=run_timeline(record, fills),
                  currency=currency)


@router.get("/accounts/{account_id}/bands", response_class=HTMLResponse, include_in_schema=False)
def bands(request: Request, account_id: AccountId, session: LoggedIn, trimtab: Facade) -> HTMLResponse:
    """The account's bands and settings in a form (saving needs the admin scope)."""
    from trimtab.application.settings_form import form_values

    return _bands_page(request, trimtab, account_id, form_values(trimtab.bands(account_id)), {})


def _bands_page(request: Request, trimtab: Facade, account_id: str, values: dict[str, str], errors: dict[str, str],
                status: int = 200, saved: bool = False) -> HTMLResponse:
    overview = trimtab.account(account_id)
    return render(request, "bands.html", status, overview=overview, values=values, errors=errors, saved=saved,
                  may_save=request.state.session.allows(Scope.ADMIN))


Setting = Annotated[str, Form(max_length=100)]


@router.post("/accounts/{account_id}/bands", response_class=HTMLResponse, include_in_schema=False)
def save_bands(request: Request, account_id: AccountId, session: LoggedIn, trimtab: Facade,
               csrf: Setting = "", class_band: Setting = "", ticker_band: Setting = "", relative_band: Setting = "",
               cash_buffer: Setting = "", minimum_trade_value: Setting = "", price_ticks: Setting = "",
               confirm_days: Setting = "", split_days: Setting = "") -> HTMLResponse:
    """Save the form's settings (admin scope); every bad field is named next to its input (422)."""
    from trimtab.application.settings_form import form_values, read_band_form

    session.check_form(csrf)
    session.require(Scope.ADMIN)
    values = {"class_band": class_band, "ticker_band": ticker_band, "relative_band": relative_band,
              "cash_buffer": cash_buffer, "minimum_trade_value": minimum_trade_value, "price_ticks": price_ticks,
              "confirm_days": confirm_days, "split_days": split_days}
    changes, errors = read_band_form(values)
    if not errors:
        try:
            config = trimtab.set_bands(account_id, changes)
        except InvalidInput as error:  # a rule only the whole settings can break
            errors = {error.field or "form": error.message}
        else:
            return _bands_page(request, trimtab, account_id, form_values(config), {}, saved=True)
    return _bands_page(request, trimtab, account_id, values, errors, status=422)
