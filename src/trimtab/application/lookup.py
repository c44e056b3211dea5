"""Accounts, models and runs found by what people type: an unknown one is a NotFound with a hint, the close
matches (difflib) or, when there are few, every known id, so the CLI and the API give the same help."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from trimtab.domain.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from trimtab.application.ports import RunRecord
    from trimtab.application.records import Account
    from trimtab.application.repositories import Storage

FEW = 8  # known ids listed in full when there are at most this many
CLOSE_MATCHES = 3
MAX_COMPARED = 64  # longer text is no mistyped id (identifiers are at most 64 characters): not compared
CUTOFF = 0.6  # difflib's similarity (0-1) a close match must reach
AS_CLOSE = 0.1  # matches less similar than the closest by more than this are not offered
MIN_RUN_PREFIX = 4  # a run is named by its id or a unique prefix of at least this many characters (git-style)
COMPARED_RUNS = 1_000  # at most this many run ids are compared with a mistyped one


def hint(typed: str, known: Sequence[str], *, listed_by: str) -> tuple[str, tuple[str, ...]]:
    """A sentence that helps find the id meant, and the close matches it names (case ignored)."""
    by_lower: dict[str, str] = {}
    for name in known:
        by_lower.setdefault(name.lower(), name)
    close = () if len(typed) > MAX_COMPARED else tuple(by_lower[m] for m in _closest(typed.lower(), list(by_lower)))
    where = f"(`{listed_by}` lists them)"
    if close:
        return f"did you mean {' or '.join(close)}? {where}", close
    if not known:
        return "there are none yet", ()
    if len(known) <= FEW:
        return f"known: {', '.join(known)}", ()
    return where, ()


def _closest(typed: str, known: list[str]) -> list[str]:
    """The close matches (difflib) that are about as close as the closest: DEMO-K finds DEMO-KR, not DEMO-US."""
    matches = difflib.get_close_matches(typed, known, n=CLOSE_MATCHES, cutoff=CUTOFF)
    ratios = [difflib.SequenceMatcher(None, typed, match).ratio() for match in matches]
    return [match for match, ratio in zip(matches, ratios, strict=True) if ratio >= ratios[0] - AS_CLOSE]


def not_found(kind: str, typed: str, known: Sequence[str], *, listed_by: str, of: str = "") -> NotFound:
    """The error for an id that names nothing, with its hint."""
    sentence, close = hint(typed, known, listed_by=listed_by)
    return NotFound(kind, typed, hint=sentence, suggestions=close, of=of)


def require_account(storage: Storage, account_id: str) -> Account:
    """The account an id names; NotFound with the close ids otherwise."""
    account = storage.accounts.find(account_id)
    if account is None:
        known = [account.account_id for account in storage.accounts.list()]
        raise not_found("account", account_id, known, listed_by="trimtab accounts")
    return account


def require_model(storage: Storage, name: str, version: str | None = None) -> None:
    """Refuse a model name, or a version of it (number or label), that is not stored; with a hint."""
    infos = storage.models.list()
    if not any(info.name == name for info in infos):
        names = list(dict.fromkeys(info.name for info in infos))
        raise not_found("model", name, names, listed_by="trimtab models list")
    if version is None:
        return
    versions = [info for info in infos if info.name == name]
    text = version.strip()
    if not any(text in (info.version, info.label) or (text.isdigit() and text.isascii() and
                                                      int(text) == int(info.version)) for info in versions):
        known = [info.version + (f" ({info.label})" if info.label else "") for info in versions]
        raise not_found("version", version, known, listed_by="trimtab models list", of=f"model {name}")


def resolve_run_id(storage: Storage, text: str) -> str:
    """The run a full id or a unique prefix of at least 4 characters names (git-style)."""
    runs = storage.runs
    found = runs.ids_starting_with(text, 6) if len(text) >= MIN_RUN_PREFIX else _exact(storage, text)
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
        raise InvalidInput(f"ambiguous run id prefix: it starts {listed}; give more characters", where="runs",
                           field="run_id", value=text)
    error = not_found("run", text, runs.ids_starting_with("", COMPARED_RUNS), listed_by="trimtab runs list")
    if len(text) < MIN_RUN_PREFIX and not error.suggestions:
        raise NotFound("run", text, hint=f"give the id or its first {MIN_RUN_PREFIX} characters or more "
                                          "(`trimtab runs list` lists them)")
    raise error


def _exact(storage: Storage, run_id: str) -> list[str]:
    try:
        record: RunRecord = storage.runs.get(run_id)
    except InvalidInput:
        return []
    return [record.run_id]


def find_run(storage: Storage, run_id: str) -> RunRecord | None:
    """The run with exactly this id, or None (repositories name an unknown run an InvalidInput on run_id)."""
    try:
        return storage.runs.get(run_id)
    except NotFound:
        return None
    except InvalidInput as error:
        if error.field == "run_id":
            return None
        raise
