"""Commands: notify test (send a test notice to every configured channel)."""

from __future__ import annotations

import typer

from trimtab.entrypoints.cli.common import Command, JsonOption, console, facade, print_json
from trimtab.entrypoints.cli.guard import guarded

notify_app = typer.Typer(help="Notifications: email, Slack-compatible webhooks, Telegram.", no_args_is_help=True,
                         rich_markup_mode=None, add_completion=False)


@notify_app.command("test", cls=Command)
def notify_test(as_json: JsonOption = False) -> None:
    """Send a test notice to every configured channel and say what became of it on each."""

    def run() -> None:
        import asyncio

        deliveries = asyncio.run(facade().notify_test())
        if as_json:
            print_json([{"channel": d.channel, "delivered": d.delivered, "error": d.error} for d in deliveries])
        else:
            out = console()
            for delivery in deliveries:
                out.print(f"  {'sent' if delivery.delivered else 'FAILED'}  {delivery.channel}"
                          + (f": {delivery.error}" if delivery.error else ""), markup=False, highlight=False)
        if not all(delivery.delivered for delivery in deliveries):
            raise typer.Exit(1)

    guarded(run)
