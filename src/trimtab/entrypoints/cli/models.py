"""Commands: models (import, list), assign, unassign."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trimtab.entrypoints.cli.common import (
    AccountArgument,
    Command,
    JsonOption,
    ModelArgument,
    console,
    facade,
    print_json,
)
from trimtab.entrypoints.cli.guard import guarded

models_app = typer.Typer(
    help="Model portfolios in the database.", no_args_is_help=True, rich_markup_mode=None)


@models_app.command("import", cls=Command)
def import_models(
    path: Annotated[Path, typer.Argument(metavar="FILE", help=(
        "Model file (trimtab YAML, model_portfolios.yaml, MP_Master.csv)."))],
    create_accounts: Annotated[str | None, typer.Option("--create-accounts", metavar="BROKER", help=(
        "Add the accounts the file's account_mappings name but the database lacks, on this broker "
        "(default: report them, add nothing)."))] = None,
    currency: Annotated[str | None, typer.Option("--currency", metavar="CCY", help=(
        "The currency of accounts added by --create-accounts."))] = None,
) -> None:
    """Import every model of a file; changed models get a new version, account_mappings assign them."""

    def run() -> None:
        from trimtab.application.model_import import Mapping, NewAccounts
        from trimtab.domain.errors import InvalidInput

        if (create_accounts is None) != (currency is None):
            raise InvalidInput("--create-accounts and --currency go together", where="command line",
                               field="create-accounts" if create_accounts is None else "currency")
        create = None if create_accounts is None or currency is None else NewAccounts(create_accounts, currency)
        out = console()
        result = facade().import_models(path, create=create)
        for model in result.models:
            out.print(f"{model.name}: version {model.version} ({'new' if model.new else 'unchanged'})")
            if model.moved:
                verb = "follows" if len(model.moved) == 1 else "follow"
                out.print(f"  {', '.join(model.moved)} now {verb} {model.name} v{model.version} (to stay on an "
                          f"earlier version: trimtab assign ACCOUNT {model.name} --version N)")
        for line in result.mappings:
            detail = f" (was {line.previous})" if line.previous else ""
            out.print(f"{line.account_id} -> {line.model}: {line.outcome.value}{detail}")
        unknown = [line.account_id for line in result.mappings if line.outcome is Mapping.UNKNOWN]
        if unknown:
            out.print(f"{len(unknown)} mapped account(s) not in the database, not added: {', '.join(unknown)} "
                      "(add them with `trimtab accounts add`, or import again with --create-accounts BROKER "
                      "--currency CCY)")

    guarded(run)


@models_app.command("list", cls=Command)
def list_models(as_json: JsonOption = False) -> None:
    """List stored models and their versions."""

    def run() -> None:
        models = facade().models()
        if as_json:
            from trimtab.application.listings import models_document

            print_json(models_document(models))
            return
        for info in models:
            label = f"({info.label})" if info.label else ""
            console().print(f"{info.name:<16} v{info.version:<4} {label:<12} {info.description}")

    guarded(run)


def assign(account: AccountArgument, model: ModelArgument,
           version: Annotated[str | None, typer.Option(metavar="VERSION", help=(
               "Pin a version: its number or its file's label (default: follow the latest)."))] = None) -> None:
    """Assign a model portfolio to an account."""

    def run() -> None:
        assignment = facade().assign(account, model, version)
        pinned = assignment.pinned_version
        label = f" ({version})" if version is not None and version != pinned else ""
        console().print(f"{account} follows {model}" + (f" v{pinned}{label}" if pinned else " (latest version)"))

    guarded(run)


def unassign(account: AccountArgument) -> None:
    """Let an account follow no model."""

    def run() -> None:
        facade().unassign(account)
        console().print(f"{account} follows no model")

    guarded(run)
