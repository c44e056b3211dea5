"""The API's one place that maps errors to HTTP statuses and one JSON error document.

======  =====================================================================================================
status  when
======  =====================================================================================================
401     no bearer token, an unknown or a revoked one (``NotAuthenticated``)
403     a token without the scope the operation needs (``ScopeMissing``)
404     an account, model, run or token that names nothing (``NotFound``)
409     the state refuses: the kill switch or the live-trading guard (``TradingDisabled``), an account or run
        driven by another process (``Busy``), an idempotency key used for another request
422     bad input: the body, a parameter or a header (the field and a short excerpt of the value are named)
502     the broker refused or failed (``BrokerError``)
503     the database cannot be reached, read or written (``StorageUnavailable``); the broker is unreachable
500     a bug: the body says so in one line, the traceback goes to the server's log only
======  =====================================================================================================
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from trimtab.application.access import NotAuthenticated, ScopeMissing
from trimtab.application.run_requests import IdempotencyConflict
from trimtab.application.safety import TradingDisabled
from trimtab.domain.errors import (
    BrokerError,
    BrokerUnavailable,
    Busy,
    DomainError,
    InvalidInput,
    NotFound,
    StorageUnavailable,
    TrimtabError,
    excerpt,
    printable,
    shorten,
)

logger = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides its status and code.
STATUSES: tuple[tuple[type[TrimtabError], int, str], ...] = (
    (NotAuthenticated, 401, "not_authenticated"),
    (ScopeMissing, 403, "scope_missing"),
    (NotFound, 404, "not_found"),
    (TradingDisabled, 409, "trading_disabled"),
    (IdempotencyConflict, 409, "idempotency_conflict"),
    (Busy, 409, "busy"),
    (DomainError, 409, "refused"),
    (InvalidInput, 422, "invalid_input"),
    (StorageUnavailable, 503, "storage_unavailable"),
    (BrokerUnavailable, 503, "broker_unavailable"),
    (BrokerError, 502, "broker_error"),
    (TrimtabError, 422, "invalid_input"),
)
INPUT_PLACES = ("command line", "header", "request")  # what the API calls the request: the place adds nothing


class FieldError(BaseModel):
    """One bad field of a request: where it is, what was given (a short excerpt), what is wrong."""

    field: str
    value: str | None = None
    message: str


class ErrorBody(BaseModel):
    """What went wrong, in one line, with the field and value when one input is to blame."""

    code: str
    message: str
    field: str | None = None
    value: str | None = None
    errors: list[FieldError] | None = None


class ErrorDocument(BaseModel):
    """Every error response: ``{"error": {...}}``."""

    error: ErrorBody


DESCRIPTIONS = {401: "No valid bearer token", 403: "The token lacks the scope", 404: "Unknown id",
                409: "Refused in the current state", 422: "Bad input (field and value named)",
                502: "The broker failed", 503: "The database or broker is unavailable"}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of these error statuses (each an ErrorDocument)."""
    return {status: {"model": ErrorDocument, "description": DESCRIPTIONS[status]} for status in statuses}


def status_of(error: TrimtabError) -> tuple[int, str]:
    """The HTTP status and the error code of one of trimtab's errors."""
    for kind, status, code in STATUSES:
        if isinstance(error, kind):
            return status, code
    return 422, "invalid_input"  # pragma: no cover - TrimtabError closes the table


def describe(error: TrimtabError) -> ErrorBody:
    """The error's body: its message, and the field and value for bad input (never a secret: none is input)."""
    _, code = status_of(error)
    if isinstance(error, InvalidInput):
        message = error.message if error.where in INPUT_PLACES else str(error)
        value = None if error.value is None else excerpt(error.value) if not isinstance(error.value, str) \
            else shorten(printable(error.value))
        return ErrorBody(code=code, message=message, field=error.field or None, value=value)
    return ErrorBody(code=code, message=str(error) or type(error).__name__)


def _respond(status: int, body: ErrorBody, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(ErrorDocument(error=body).model_dump(exclude_none=True), status_code=status, headers=headers)


async def _on_trimtab_error(_request: Request, raised: Exception) -> JSONResponse:
    error = cast(TrimtabError, raised)  # registered for TrimtabError only
    status, _ = status_of(error)
    if status >= 500:
        logger.warning("%s: %s", type(error).__name__, error)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return _respond(status, describe(error), headers)


def _field_name(location: tuple[int | str, ...] | list[int | str]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts)


async def _on_validation_error(_request: Request, raised: Exception) -> JSONResponse:
    error = cast(RequestValidationError, raised)  # registered for it only
    fields = [FieldError(field=_field_name(item.get("loc", ())),
                         value=None if "input" not in item or isinstance(item["input"], dict | list)
                         else shorten(printable(str(item["input"]))),
                         message=str(item.get("msg", "invalid"))) for item in error.errors()]
    first = fields[0] if fields else FieldError(field="body", message="invalid request")
    body = ErrorBody(code="invalid_input", message=first.message, field=first.field, value=first.value,
                     errors=fields)
    return _respond(422, body)


async def _on_http_error(_request: Request, raised: Exception) -> JSONResponse:
    error = cast(HTTPException, raised)  # registered for it only
    code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
    return _respond(error.status_code, ErrorBody(code=code, message=str(error.detail)), error.headers)


async def _on_bug(_request: Request, error: Exception) -> JSONResponse:
    logger.error("internal error in the API", exc_info=error)
    return _respond(500, ErrorBody(code="internal", message=f"{type(error).__name__} (a bug in trimtab; logged)"))


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to its status and one ErrorDocument; a bug answers 500 without its traceback."""
    app.add_exception_handler(TrimtabError, _on_trimtab_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_bug)
