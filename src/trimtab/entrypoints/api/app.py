"""The HTTP API: a FastAPI app over the application facade (the same operations as the CLI, no logic of its own).

`create_app(trimtab)` builds it; `serve` hosts it with uvicorn (`trimtab serve`). Every endpoint but /health
needs a bearer token (`trimtab tokens create`); reads need the `read` scope (every token has it), runs the
`trade` scope, changes to models, assignments and bands the `admin` scope. CORS and host checks are off unless
origins or hosts are given. The dashboard (HTML pages, a session cookie from a token) is mounted at /ui.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Coroutine, Sequence
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI

from trimtab.application.facade import Trimtab
from trimtab.entrypoints.api import accounts, runs, signals
from trimtab.entrypoints.api.errors import install_error_handlers
from trimtab.entrypoints.api.schemas import Health

logger = logging.getLogger(__name__)


def create_app(trimtab: Trimtab, *, cors_origins: Sequence[str] = (), allowed_hosts: Sequence[str] = ()) -> FastAPI:
    """The API over a facade; CORS for `cors_origins` and a Host check for `allowed_hosts`, when given."""
    app = FastAPI(title="trimtab", version=version("trimtab"), summary=(
        "Keep investment accounts on their model portfolios: accounts, models, bands, drift, plans and runs."))
    app.state.trimtab = trimtab
    install_error_handlers(app)

    @app.get("/health", response_model=Health, tags=["health"])
    def health() -> Health:
        """The server answers (no token needed)."""
        return Health(status="ok", version=version("trimtab"))

    app.include_router(accounts.router)
    app.include_router(runs.router)
    app.include_router(signals.router)
    _mount_dashboard(app, trimtab)
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["*"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key"])
    if allowed_hosts:
        from fastapi.middleware.trustedhost import TrustedHostMiddleware

        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    return app


def _mount_dashboard(app: FastAPI, trimtab: Trimtab) -> None:
    """The dashboard's pages at /ui (docs/dashboard.md); / leads there."""
    from fastapi.responses import RedirectResponse

    from trimtab.entrypoints.api.dashboard import PREFIX, create_dashboard

    app.mount(PREFIX, create_dashboard(trimtab))

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: a free one), so the URL printed is the one served; OSError if taken."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    return socket.create_server((host, port), family=family)


def url_of(listener: socket.socket) -> str:
    """http://HOST:PORT of a listening socket (IPv6 hosts in brackets)."""
    host, port = listener.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def serve(trimtab: Trimtab, listener: socket.socket, *, announce: Callable[[str], None],
          cors_origins: Sequence[str] = (), allowed_hosts: Sequence[str] = (), log_level: str = "info",
          background: Callable[[], Coroutine[Any, Any, None]] | None = None) -> None:
    """Host the API with uvicorn on a listening socket until interrupted; `announce` gets its URL first.
    `background` (the scheduler) runs in the same event loop for as long as the server does."""
    import asyncio

    import uvicorn

    _ = trimtab.storage  # opened (and migrated) now: a database that cannot be reached stops the start
    app = create_app(trimtab, cors_origins=cors_origins, allowed_hosts=allowed_hosts)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", ws="none", log_level=log_level,
                                           server_header=False, proxy_headers=False))

    announce(url_of(listener))  # the socket listens already: connections wait in its backlog until served

    async def main() -> None:
        task = asyncio.create_task(background()) if background is not None else None
        try:
            await server.serve(sockets=[listener])
        finally:
            if task is not None:
                task.cancel()

    asyncio.run(main())
