"""The dashboard: server-rendered HTML pages over the same facade as the JSON API, mounted at /ui by `create_app`.

A browser logs in with an API token (`trimtab tokens create`) and then holds a session cookie (an opaque id:
HttpOnly, SameSite=Strict, Path=/ui); the token is never put in a page or a cookie. Every form that changes
something sends the session's CSRF token. Pages: accounts and their drift, an account's drift by class and
ticker, a plan preview with the button that executes it (trade scope), runs and one run with its timeline,
orders and fills, and the bands form (admin scope to save). Jinja2 templates, one CSS file, no JavaScript.
Errors are pages: a missing session sends to the login form, a missing scope is a 403 page, bad input a 422.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any, cast
from urllib.parse import quote

import jinja2
from fastapi import Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from trimtab.application.access import NotAuthenticated
from trimtab.application.facade import Trimtab
from trimtab.application.sessions import FormExpired, Session, Sessions
from trimtab.domain.errors import TrimtabError
from trimtab.entrypoints.api.dashboard_views import FILTERS
from trimtab.entrypoints.api.errors import describe, status_of

logger = logging.getLogger(__name__)

PREFIX = "/ui"
COOKIE = "trimtab_session"
HERE = Path(__file__).parent
CSS = (HERE / "static" / "dashboard.css").read_text(encoding="utf-8")
TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                               undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
TEMPLATES.filters.update(FILTERS)
TEMPLATES.globals["prefix"] = PREFIX


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from its template, with the session (if any) and the path it answers."""
    session: Session | None = getattr(request.state, "session", None)
    page = TEMPLATES.get_template(name).render(session=session, path=request.url.path, **context)
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


def session_of(request: Request) -> Session:
    """The request's live session (NotAuthenticated: the login form)."""
    sessions: Sessions = request.app.state.sessions
    session = sessions.find(request.cookies.get(COOKIE))
    request.state.session = session
    return session


LoggedIn = Annotated[Session, Depends(session_of)]


def facade(request: Request) -> Trimtab:
    """The facade the dashboard was built on."""
    trimtab: Trimtab = request.app.state.trimtab
    return trimtab


Facade = Annotated[Trimtab, Depends(facade)]


def create_dashboard(trimtab: Trimtab) -> FastAPI:
    """The dashboard's app (mounted at /ui), with its own sessions and error pages."""
    from trimtab.entrypoints.api import dashboard_pages

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.trimtab = trimtab
    app.state.sessions = Sessions(trimtab, trimtab.clock)
    app.add_exception_handler(TrimtabError, _on_error)
    app.add_exception_handler(RequestValidationError, _on_bad_request)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_bug)

    @app.get("/dashboard.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(CSS, media_type="text/css", headers={"Cache-Control": "max-age=300"})

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "") -> HTMLResponse:
        return render(request, "login.html", next=_local(next), error=None)

    @app.post("/login", include_in_schema=False)
    def login(request: Request, token: Annotated[str, Form(max_length=300)] = "",
              next: Annotated[str, Form(max_length=500)] = "") -> Response:
        sessions: Sessions = request.app.state.sessions
        try:
            session_id, _ = sessions.open(token)
        except NotAuthenticated:
            return render(request, "login.html", 401, next=_local(next),
                          error="That token is not valid (unknown, revoked or mistyped).")
        response = RedirectResponse(_local(next) or f"{PREFIX}/", status_code=303)
        response.set_cookie(COOKIE, session_id, httponly=True, samesite="strict", path=PREFIX,
                            secure=request.url.scheme == "https")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, session: LoggedIn, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
        session.check_form(csrf)
        request.app.state.sessions.close(request.cookies.get(COOKIE))
        response = RedirectResponse(f"{PREFIX}/login", status_code=303)
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    app.include_router(dashboard_pages.router)
    return app


def _local(target: str) -> str:
    """A page of the dashboard to go back to after logging in (anything else: none, so no open redirect)."""
    return target if target.startswith(f"{PREFIX}/") and "//" not in target and "\\" not in target else ""


async def _on_error(request: Request, raised: Exception) -> Response:
    error = cast(TrimtabError, raised)  # registered for TrimtabError only
    if isinstance(error, NotAuthenticated):
        wanted = request.url.path if request.method == "GET" else ""
        response: Response = RedirectResponse(f"{PREFIX}/login" + (f"?next={quote(wanted)}" if wanted else ""),
                                              status_code=303)
        response.delete_cookie(COOKIE, path=PREFIX)
        return response
    status = 403 if isinstance(error, FormExpired) else status_of(error)[0]
    if status >= 500:
        logger.warning("%s: %s", type(error).__name__, error)
    body = describe(error)
    return render(request, "error.html", status, title=_TITLES.get(status, "Refused"), message=body.message,
                  field=body.field)


async def _on_bad_request(request: Request, raised: Exception) -> Response:
    error = cast(RequestValidationError, raised)  # registered for it only
    first = error.errors()[0] if error.errors() else {}
    field = ".".join(str(part) for part in first.get("loc", ())[1:])
    return render(request, "error.html", 422, title="Bad request", message=str(first.get("msg", "invalid request")),
                  field=field or None)


async def _on_http_error(request: Request, raised: Exception) -> Response:
    error = cast(HTTPException, raised)  # registered for it only
    return render(request, "error.html", error.status_code, title=_TITLES.get(error.status_code, "Error"),
                  message=str(error.detail), field=None)


async def _on_bug(request: Request, error: Exception) -> Response:
    logger.error("internal error in the dashboard", exc_info=error)
    return render(request, "error.html", 500, title="Internal error",
                  message=f"{type(error).__name__} (a bug in trimtab; logged)", field=None)


_TITLES = {403: "Not allowed", 404: "Not found", 409: "Refused", 422: "Bad input", 502: "Broker error",
           503: "Unavailable", 405: "Not allowed"}
