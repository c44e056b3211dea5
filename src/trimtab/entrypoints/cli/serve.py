"""Commands: serve (the HTTP API) and tokens (create, list, revoke the API's tokens)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from trimtab.entrypoints.cli.common import Command, JsonOption, console, print_json, run_facade
from trimtab.entrypoints.cli.guard import guarded

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any

tokens_app = typer.Typer(
    help="Tokens of the HTTP API: create one (shown once), list them, revoke one.", no_args_is_help=True,
    rich_markup_mode=None)


def serve(
    host: Annotated[str, typer.Option(metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", min=0, max=65_535, help=(
        "Port to listen on (0: a free one, printed)."))] = 8000,
    cors_origin: Annotated[list[str] | None, typer.Option(metavar="ORIGIN", help=(
        "Allow browsers on this origin (repeat for more; default: no CORS)."))] = None,
    allowed_host: Annotated[list[str] | None, typer.Option(metavar="HOST", help=(
        "Answer only requests for this Host header (repeat for more; default: any)."))] = None,
    scheduler: Annotated[bool, typer.Option("--scheduler/--no-scheduler", help=(
        "Run the schedules in this process too (trimtab schedules; each slot runs once however many run)."))] = True,
    interval: Annotated[float, typer.Option("--interval", metavar="SECONDS", min=1, max=3600, help=(
        "How often the scheduler looks at the schedules."))] = 30.0,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json) and the scheduler, on the same operations as the command
    line."""

    def run() -> None:
        import sys

        from trimtab.entrypoints.api.app import listen, serve

        trimtab = run_facade()  # the settings are read, and their notices shown, before anything is served
        listener = listen(host, port)

        def announce(url: str) -> None:
            sys.stdout.write(f"trimtab API on {url} (OpenAPI {url}/openapi.json, docs {url}/docs)\n")
            sys.stdout.write(f"dashboard on {url}/ui/ (log in with a token from trimtab tokens create)\n")
            if scheduler:
                sys.stdout.write(f"scheduler: schedules looked at every {interval:g} s (trimtab schedules list)\n")
            sys.stdout.flush()

        def schedules() -> Coroutine[Any, Any, None]:
            from trimtab.bootstrap import run_schedules

            return run_schedules(trimtab, interval)

        try:
            serve(trimtab, listener, announce=announce, cors_origins=cors_origin or (),
                  allowed_hosts=allowed_host or (), background=schedules if scheduler else None)
        finally:
            listener.close()

    guarded(run)


@tokens_app.command("create", cls=Command)
def create_token(
    scope: Annotated[list[str], typer.Option(metavar="SCOPE", help=(
        "read, trade, admin or signal (repeat, or read,trade); every token but a signal-only one may read."))],
    name: Annotated[str, typer.Option(metavar="NAME", help="What the token is for.")] = "",
) -> None:
    """Create a token; it is printed this once (only its SHA-256 digest is kept)."""

    def run() -> None:
        from trimtab.application.access import parse_scopes

        created = run_facade().create_token(parse_scopes(scope), name)
        info = created.info
        console().print(f"token {info.token_id} ({', '.join(sorted(info.scopes))}) created; it is shown only now:",
                        highlight=False)
        typer.echo(created.secret)

    guarded(run)


@tokens_app.command("list", cls=Command)
def list_tokens(as_json: JsonOption = False) -> None:
    """List the tokens (never their secrets)."""

    def run() -> None:
        tokens = run_facade().tokens()
        rows = [{"token_id": info.token_id, "name": info.name, "scopes": sorted(info.scopes),
                 "created_at": info.created_at.isoformat(),
                 "revoked_at": None if info.revoked_at is None else info.revoked_at.isoformat()} for info in tokens]
        if as_json:
            print_json({"tokens": rows})
            return
        from rich.table import Table

        table = Table(title="API tokens", title_justify="left")
        for column in ("id", "name", "scopes", "created", "revoked"):
            table.add_column(column)
        for row in rows:
            table.add_row(str(row["token_id"]), str(row["name"]), ", ".join(row["scopes"] or ()),
                          str(row["created_at"]), str(row["revoked_at"] or "-"))
        console().print(table)

    guarded(run)


@tokens_app.command("revoke", cls=Command)
def revoke_token(token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id (tokens list).")]) -> None:
    """Revoke a token: requests with it are refused (401) from now on."""

    def run() -> None:
        info = run_facade().revoke_token(token_id)
        console().print(f"token {info.token_id} revoked")

    guarded(run)
