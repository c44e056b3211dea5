"""Signals in: `POST /signals` (TradingView-style webhooks, a token with the `signal` scope) and `GET /signals`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.security import HTTPAuthorizationCredentials

from trimtab.entrypoints.api.errors import error_responses
from trimtab.entrypoints.api.schemas import SignalAnswer, Signals
from trimtab.entrypoints.api.security import Facade, Reader, bearer, wait_for

router = APIRouter(tags=["signals"])
EXAMPLE = {"id": "tv-2026-06-02-0905", "token": "ttk_…", "account": "DEMO-KR", "action": "rebalance"}


@router.post("/signals", response_model=SignalAnswer, responses=error_responses(401, 403, 422, 503))
def receive_signal(
    trimtab: Facade,
    payload: Annotated[Any, Body(openapi_examples={"rebalance": {"value": EXAMPLE}}, description=(
        "A JSON object: id, account or strategy, action (rebalance, check, assign with model); the token may "
        "be in it (TradingView cannot set headers). Other fields are kept, unused."))],
    token: Annotated[str | None, Query(max_length=200, description="The webhook's token, when not in the "
                                                                   "body or an Authorization header.")] = None,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> dict[str, Any]:
    """Record a signal and act on it by policy (`TRIMTAB_SIGNAL_RUNS`: record, dry or execute). A signal whose
    id was seen before is ignored (`duplicate: true`, the first one's outcome); a bad one is recorded as
    rejected and answered 422 naming the field."""
    given = payload.get("token") if isinstance(payload, dict) else None
    secret = (credentials.credentials if credentials else None) or token or (given if isinstance(given, str)
                                                                             else None)
    outcome = wait_for(trimtab.receive_signal(payload, secret))
    record = outcome.record
    return {"signal_id": record.signal_id, "status": record.status, "detail": record.detail,
            "run_ids": list(record.run_ids), "duplicate": outcome.duplicate}


@router.get("/signals", response_model=Signals, responses=error_responses(401, 403, 503))
def list_signals(trimtab: Facade, _token: Reader,
                 limit: Annotated[int, Query(ge=1, le=500, description="How many, newest first.")] = 50,
                 ) -> dict[str, Any]:
    """The latest signals received, newest first, without their tokens."""
    return {"signals": [{"signal_id": r.signal_id, "received_at": r.received_at.isoformat(), "status": r.status,
                         "detail": r.detail, "run_ids": list(r.run_ids), "payload": r.payload}
                        for r in trimtab.signals(limit)]}
