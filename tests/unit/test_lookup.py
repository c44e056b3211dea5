"""Unknown accounts, models and runs: NotFound with a hint (close matches, or the few known ids), given once in
the application so the CLI and later the API say the same."""

from __future__ import annotations

import pytest

from tests.fakes.builders import flat
from trimtab.application.lookup import hint, require_account, require_model, resolve_run_id
from trimtab.domain.errors import InvalidInput, NotFound
from trimtab_testkit.memory import memory_storage

NATO = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF", "HOTEL", "INDIA", "JULIETT", "KILO"]


@pytest.mark.parametrize(("typed", "known", "sentence", "close"), [
    ("DEMO-K", ["DEMO-KR", "DEMO-US"], "did you mean DEMO-KR? (`trimtab accounts` lists them)", ("DEMO-KR",)),
    ("demo-us", ["DEMO-KR", "DEMO-US"], "did you mean DEMO-US? (`trimtab accounts` lists them)", ("DEMO-US",)),
    ("NOPE", ["DEMO-KR", "DEMO-US"], "known: DEMO-KR, DEMO-US", ()),
    ("NOPE", [], "there are none yet", ()),
    ("NOPE", [f"ACC-{n:02}" for n in range(20)], "(`trimtab accounts` lists them)", ()),
    ("CHARLEE", NATO, "did you mean CHARLIE? (`trimtab accounts` lists them)", ("CHARLIE",)),
    ("D" * 10_000, ["DEMO-KR"], "known: DEMO-KR", ()),  # no id is that long: not compared
])
def test_hint_offers_the_close_ids_or_the_few_known(typed: str, known: list[str], sentence: str,
                                                    close: tuple[str, ...]) -> None:
    assert hint(typed, known, listed_by="trimtab accounts") == (sentence, close)


def test_unknown_account_model_version_and_run_are_not_found_with_a_hint() -> None:
    storage = memory_storage()
    for account_id in ("DEMO-KR", "DEMO-US"):
        storage.accounts.add(account_id, name=account_id, currency="KRW", broker="paper")
    storage.models.import_model(flat("GTAA", {"A": "100"}))
    assert require_account(storage, "DEMO-KR").account_id == "DEMO-KR"
    with pytest.raises(NotFound) as account:
        require_account(storage, "DEMO-K")
    assert str(account.value) == "unknown account 'DEMO-K' \u2014 did you mean DEMO-KR? (`trimtab accounts` lists them)"
    assert (account.value.kind, account.value.value, account.value.suggestions) == ("account", "DEMO-K", ("DEMO-KR",))
    with pytest.raises(NotFound, match="unknown model 'GTA' \u2014 did you mean GTAA"):
        require_model(storage, "GTA")
    require_model(storage, "GTAA", "1")
    with pytest.raises(NotFound, match="unknown version '7' of model GTAA \u2014 known: 1"):
        require_model(storage, "GTAA", "7")
    with pytest.raises(NotFound, match="unknown run 'abcd' \u2014 there are none yet"):
        resolve_run_id(storage, "abcd")
    with pytest.raises(NotFound, match="first 4 characters"):
        resolve_run_id(storage, "ab")
    assert isinstance(account.value, InvalidInput)  # still bad input: exit 2
