"""Bearer-token authentication and scopes: each operation names the scope it needs, the facade checks the token."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from trimtab.application.access import Scope, TokenInfo
from trimtab.application.facade import Trimtab

T = TypeVar("T")

bearer = HTTPBearer(auto_error=False, description="A token from `trimtab tokens create --scope read|trade|admin`.")


def facade(request: Request) -> Trimtab:
    """The application facade the app was built on."""
    trimtab: Trimtab = request.app.state.trimtab
    return trimtab


Facade = Annotated[Trimtab, Depends(facade)]


def requires(scope: Scope) -> Callable[..., TokenInfo]:
    """A dependency that lets a request through with a live token holding `scope` (401 / 403 otherwise)."""

    def check(trimtab: Facade,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None) -> TokenInfo:
        return trimtab.authorise(None if credentials is None else credentials.credentials, scope)

    return check


Reader = Annotated[TokenInfo, Depends(requires(Scope.READ))]
Trader = Annotated[TokenInfo, Depends(requires(Scope.TRADE))]
Admin = Annotated[TokenInfo, Depends(requires(Scope.ADMIN))]


def wait_for(operation: Coroutine[Any, Any, T]) -> T:
    """Run one of the facade's async operations to its end (endpoints run in worker threads, as the CLI runs
    them in its own process: the server's event loop stays free while a run waits for fills)."""
    return asyncio.run(operation)
