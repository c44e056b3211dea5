"""The CLI's one place that maps errors to exit codes and one line on stderr, and its shared option parsing.

======  ==============================================================================================
code    meaning
======  ==============================================================================================
0       done (a dry run, a skipped or completed run included)
1       a run ended ``failed`` or ``needs_attention``: a scheduler must notice
2       bad input: a file, an option, a setting (``InvalidInput``, other refusals such as the kill
        switch); typer's own usage errors also exit 2
3       the environment: the database cannot be reached, read or written (``StorageUnavailable``), the
        broker is down or refuses the credentials (``BrokerError``), the account or run is driven by
        another process (``Busy``), an operating-system error such as a port already in use
70      a bug (sysexits' EX_SOFTWARE): one line names the exception type and the file that holds the
        traceback
130     interrupted (Ctrl-C)
======  ==============================================================================================
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer
from typer.exceptions import TyperException

from trimtab.domain.errors import (
    EXCERPT_LENGTH,
    BrokerError,
    Busy,
    InvalidInput,
    StorageUnavailable,
    TrimtabError,
    printable,
    shorten,
)

if TYPE_CHECKING:  # the rest is imported where it is used: every command, and --help, starts here
    from collections.abc import Callable, Iterator, Mapping
    from decimal import Decimal

T = TypeVar("T")
EXIT_RUN_UNFINISHED = 1  # a run ended failed or needs attention: schedulers and scripts must notice
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
MAX_LINE = 1_000
_ENVIRONMENT_ERRORS = (StorageUnavailable, BrokerError, Busy, OSError)
COMMAND_LINE = "command line"  # the `where` of an InvalidInput whose field is an option (or an ARGUMENT)
# The one map from the settings' fields (application.settings_rules) to the options that set them.
SETTING_OPTIONS = {"class_band": "--class-band", "ticker_band": "--ticker-band", "relative_band": "--relative-band",
                   "cash_buffer": "--cash-buffer", "minimum_trade_value": "--min-trade", "price_ticks": "--ticks",
                   "confirm_days": "--confirm-days", "split_days": "--split-days"}


def guarded(action: Callable[[], T]) -> T:
    """Run an action; any error becomes its exit code and one readable line on stderr."""
    try:
        return action()
    except (typer.Exit, typer.Abort, TyperException):
        raise
    except (Exception, KeyboardInterrupt) as error:
        raise typer.Exit(report(error)) from None


def exit_code_for(error: BaseException) -> int:
    """The documented exit code of an error (see the module's table)."""
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, _ENVIRONMENT_ERRORS):
        return EXIT_ENVIRONMENT
    if isinstance(error, TrimtabError):
        return EXIT_BAD_INPUT
    return EXIT_INTERNAL


def report(error: BaseException) -> int:
    """Print one line about an error on stderr and return its exit code; a bug's traceback goes to a file."""
    code = exit_code_for(error)
    if code == EXIT_INTERRUPTED:
        warn("interrupted")
    elif code == EXIT_INTERNAL:
        warn(f"{type(error).__name__} (a bug in trimtab; {_write_traceback(error)})", label="internal error:")
    else:
        warn(_describe(error), label="error:")
    return code


def warn(line: str, *, label: str = "") -> None:
    """Print one line on stderr as it is: no markup, control characters escaped, never wrapped."""
    prefix = f"[bold red]{label}[/] " if label else ""
    from rich.console import Console  # here, not at the top: `trimtab --help` should not pay for it
    from rich.markup import escape

    Console(stderr=True, highlight=False, soft_wrap=True).print(prefix + escape(one_line(line)))


def one_line(text: str) -> str:
    """Text on one line: control characters escaped (a file name may hold a newline), length bounded."""
    return shorten(printable(text), MAX_LINE)


def _describe(error: BaseException) -> str:
    if isinstance(error, InvalidInput) and error.where == COMMAND_LINE and error.field:
        import shlex

        typed = "" if error.value is None else " " + shlex.quote(shorten(printable(str(error.value)), EXCERPT_LENGTH))
        return f"{option_name(error.field)}{typed}: {error.message}"
    if isinstance(error, OSError) and not isinstance(error, TrimtabError):
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror or type(error).__name__}{where}"
    return str(error) or type(error).__name__


def _write_traceback(error: BaseException) -> str:
    """Write the traceback to a private file under the state directory (else tmp); say where."""
    import datetime as dt
    import tempfile
    import traceback

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    name = f"crash-{stamp}-{os.getpid()}.txt"
    text = "".join(traceback.format_exception(error))
    for folder in (_state_directory(), Path(tempfile.gettempdir()) / "trimtab"):
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = folder / name
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w",
                           encoding="utf-8") as file:
                file.write(text)
        except OSError:
            continue
        return f"traceback written to {path}"
    return "the traceback could not be written"


def _state_directory() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "trimtab" / "crashes"


def print_notices(notices: tuple[str, ...]) -> None:
    """Show the settings' fail-safe notices (a kill switch value that was not understood, say)."""
    for notice in notices:
        warn(notice)


def option_name(field: str) -> str:
    """An option as typed (``--class-band``) from its field (``class-band``); ARGUMENTS stay as they are."""
    return field if field.startswith("-") or field.isupper() else f"--{field}"


@contextmanager
def in_option_terms(typed: Mapping[str, object]) -> Iterator[None]:
    """Re-raise an error about a setting's field in the user's terms: its option, the value as typed there
    (``typed`` maps options to it) and the rule in the units the option takes (percent)."""
    from trimtab.application.settings_rules import RULES

    try:
        yield
    except InvalidInput as error:
        option = SETTING_OPTIONS.get(error.field)
        if error.where == COMMAND_LINE or option is None:
            raise
        raise InvalidInput(RULES[error.field].describe_for_people(), where=COMMAND_LINE, field=option,
                           value=typed.get(option, error.value)) from None


def percent(text: str, field: str) -> Decimal:
    """Read a percentage option ("3", "2.5", "3%", "3 pp": all percent or percentage points) as a fraction."""
    from trimtab.domain.numbers import parse_percent

    return parse_percent(text, where=COMMAND_LINE, field=field)


def minimum_trade(text: str) -> Decimal:
    """Read the minimum trade value option, inside its bound."""
    from trimtab.domain.bounds import MINIMUM_TRADE, check_bound
    from trimtab.domain.numbers import parse_decimal

    value = parse_decimal(text, where=COMMAND_LINE, field="min-trade")
    return check_bound(value, MINIMUM_TRADE, where=COMMAND_LINE, field="min-trade", value=text)
