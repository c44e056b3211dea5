"""Endpoints of runs (start, resume, list, show) and models (list, versions, import)."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from trimtab.application.listings import models_document, runs_document
from trimtab.domain.errors import InvalidInput, TrimtabError
from trimtab.entrypoints.api.errors import error_responses
from trimtab.entrypoints.api.schemas import Document, ModelFile, ModelImportResult, Models, Runs, RunStart
from trimtab.entrypoints.api.security import Admin, Facade, Reader, Trader, wait_for

router = APIRouter()
RunId = Annotated[str, Path(min_length=4, max_length=64, description="A run id, or a unique prefix of it (4+).")]
MODEL_SUFFIXES = (".yaml", ".yml", ".json", ".csv")
RUN_ERRORS = error_responses(401, 403, 404, 409, 422, 502, 503)


def _run(trimtab: Facade, run_id: str) -> dict[str, Any]:
    from trimtab.application.documents import run_document

    record = trimtab.run(run_id)
    return run_document(record, trimtab.fills(record.run_id))


@router.post("/runs", status_code=201, response_model=Document, tags=["runs"],
             responses={200: {"description": "The run an earlier request with this Idempotency-Key started",
                              "model": Document}, **RUN_ERRORS})
def start_run(body: RunStart, response: Response, trimtab: Facade, _token: Trader,
              idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255,
                                                            description="Same key: the same run, never a second "
                                                            "one; another request with it is refused (409).")] = None,
              ) -> dict[str, Any]:
    """Start a run on the account's model and bands: a dry run, or with `execute` one that sends orders (the
    kill switch and the live-trading guard apply as on the command line). Answers when the run has gone as far
    as it goes: completed, skipped, dry, failed or needing attention."""
    from trimtab.application.run_requests import RunRequest

    request = RunRequest(body.account_id, body.execute, body.force, body.deposit, body.withdraw)
    started = wait_for(trimtab.start_run(request, key=idempotency_key))
    if started.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return _run(trimtab, started.record.run_id)


@router.post("/runs/{run_id}/resume", response_model=Document, tags=["runs"], responses=RUN_ERRORS)
def resume_run(run_id: RunId, trimtab: Facade, _token: Trader) -> dict[str, Any]:
    """Resume a run that was interrupted or needs attention, where it stopped (a finished run is shown)."""
    record = wait_for(trimtab.resume(run_id, progress=lambda _line: None))
    return _run(trimtab, record.run_id)


@router.get("/runs", response_model=Runs, tags=["runs"], responses=error_responses(401, 404, 422, 503))
def list_runs(trimtab: Facade, _token: Reader,
              account: Annotated[str | None, Query(min_length=1, max_length=64, description="Only this account.")]
              = None,
              limit: Annotated[int, Query(ge=1, le=10_000, description="How many, newest first.")] = 50,
              ) -> dict[str, Any]:
    """Recent runs, newest first (orders counted, not listed)."""
    return runs_document(trimtab.runs(account, limit))


@router.get("/runs/{run_id}", response_model=Document, tags=["runs"], responses=error_responses(401, 404, 422, 503))
def show_run(run_id: RunId, trimtab: Facade, _token: Reader) -> dict[str, Any]:
    """A run with its plans, orders and fills, snapshots before and after."""
    return _run(trimtab, run_id)


@router.get("/models", response_model=Models, tags=["models"], responses=error_responses(401, 404, 422, 503))
def list_models(trimtab: Facade, _token: Reader,
                name: Annotated[str | None, Query(min_length=1, max_length=64, description="Only this model.")]
                = None) -> dict[str, Any]:
    """Stored models and their versions (number and label)."""
    if name is not None and not trimtab.models(name):
        from trimtab.application.lookup import require_model

        require_model(trimtab.storage, name)
    return models_document(trimtab.models(name))


@router.get("/models/{name}/versions", response_model=Models, tags=["models"],
            responses=error_responses(401, 404, 422, 503))
def model_versions(name: Annotated[str, Path(min_length=1, max_length=64)], trimtab: Facade,
                   _token: Reader) -> dict[str, Any]:
    """The stored versions of one model."""
    return list_models(trimtab, _token, name)


@router.post("/models/import", response_model=ModelImportResult, tags=["models"],
             responses=error_responses(401, 403, 404, 422, 503))
def import_models(body: ModelFile, trimtab: Facade, _token: Admin) -> dict[str, Any]:
    """Import a model file's models (changed content makes a new version) and assign its account_mappings."""
    name = FilePath(body.filename).name
    if not name.lower().endswith(MODEL_SUFFIXES) or name != body.filename.strip():
        raise InvalidInput(f"a file name ending in {', '.join(MODEL_SUFFIXES)}", where="request", field="filename",
                           value=body.filename)
    with tempfile.TemporaryDirectory(prefix="trimtab-import-") as folder:
        path = FilePath(folder) / name
        path.write_text(body.content, encoding="utf-8")
        try:
            result = trimtab.import_models(path)
        except TrimtabError as error:  # name the file as the request did, not the server's temporary copy
            _rename_place(error, str(path), name)
            raise
    return {"models": [{"name": model.name, "version": model.version, "new": model.new,
                        "moved_accounts": list(model.moved)} for model in result.models],
            "account_mappings": [{"account_id": line.account_id, "model": line.model, "outcome": line.outcome.value,
                                  "previous": line.previous} for line in result.mappings]}


def _rename_place(error: TrimtabError, path: str, name: str) -> None:
    if isinstance(error, InvalidInput):
        error.where = error.where.replace(path, name)
    error.args = tuple(arg.replace(path, name) if isinstance(arg, str) else arg for arg in error.args)
