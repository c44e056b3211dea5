"""The security master: ISINs checked, models resolved through it (or refused naming the ISIN), files read."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.builders import flat
from tests.unit.test_facade import _broker, _facade
from trimtab.adapters.files.reader import FileReader
from trimtab.adapters.files.securities_file import load_securities
from trimtab.domain.errors import InvalidInput
from trimtab.domain.isin import is_isin, model_isins
from trimtab.domain.securities import Security, resolve_model
from trimtab_testkit.memory import memory_storage

B101 = flat("B101", {"SG9999006225": "50", "SG9999016000": "30", "SG9999002760": "20"})
SMH = Security("US92189F6768", "SMH", "USD", con_id=14407271, min_tick=Decimal("0.01"))


@pytest.mark.parametrize(("text", "valid"), [
    ("SG9999006225", True), ("US92189F6768", True), ("US0378331005", True), ("US0378331006", False),
    ("us0378331005", False), ("SPMO", False), ("1S0378331005", False), ("SG999900622", False)])
def test_an_isin_has_its_shape_and_check_digit(text: str, valid: bool) -> None:
    assert is_isin(text) is valid


def test_a_model_s_isin_lines_plan_under_their_symbols_once_resolved() -> None:
    model = flat("B9", {"US92189F6768": "60", "IAU": "40"})
    assert model_isins(model) == ["US92189F6768"]
    resolved = resolve_model(model, {SMH.isin: SMH})
    assert resolved.target_weights() == {"SMH": Decimal("0.6"), "IAU": Decimal("0.4")}
    assert resolved.holding("SMH") is not None
    assert resolve_model(flat("T", {"IAU": "100"}), {}) == flat("T", {"IAU": "100"})


def test_an_unresolved_isin_is_one_line_naming_it_and_how_to_resolve_it() -> None:
    known = Security("SG9999016000", "F2", "SGD")
    with pytest.raises(InvalidInput) as raised:
        resolve_model(B101, {known.isin: known})
    text = str(raised.value)
    assert "\n" not in text
    assert "SG9999006225, SG9999002760" in text
    assert "model 'B101'" in text
    assert "trimtab securities import FILE" in text
    assert "trimtab securities lookup" in text


def test_two_isins_of_one_symbol_are_a_duplicate() -> None:
    model = flat("D", {"US92189F6768": "50", "SMH": "50"})
    with pytest.raises(InvalidInput, match="duplicate ticker"):
        resolve_model(model, {SMH.isin: SMH})


def test_csv_and_yaml_files_read_every_field(tmp_path: Path) -> None:
    csv_file = tmp_path / "master.csv"
    csv_file.write_text("isin,symbol,currency,exchange,con_id,min_tick,name\n"
                        "US92189F6768,SMH,USD,SMART,14407271,0.01,VanEck Semiconductor ETF\n"
                        "SG9999006225,F1,sgd,,,,\n", encoding="utf-8")
    smh, fund = load_securities(csv_file)
    assert smh == Security("US92189F6768", "SMH", "USD", "SMART", 14407271, Decimal("0.01"),
                           "VanEck Semiconductor ETF")
    assert fund == Security("SG9999006225", "F1", "SGD")
    yaml_file = tmp_path / "master.yaml"
    yaml_file.write_text('securities:\n  - {isin: US92189F6768, symbol: SMH, currency: USD, con_id: 14407271, '
                         'min_tick: "0.01"}\n', encoding="utf-8")
    assert FileReader().load_securities(yaml_file) == [Security("US92189F6768", "SMH", "USD", "SMART", 14407271,
                                                                Decimal("0.01"))]


@pytest.mark.parametrize(("body", "message"), [
    ("isin,symbol\nUS92189F6768,SMH\n", "the header needs"),
    ("isin,symbol,currency\nUS92189F6760,SMH,USD\n", "not an ISIN"),
    ("isin,symbol,currency\nUS92189F6768,SMH,USD\nUS92189F6768,SMH,USD\n", "given twice"),
    ("isin,symbol,currency,min_tick\nUS92189F6768,SMH,USD,-1\n", "min_tick"),
    ("isin,symbol,currency,con_id\nUS92189F6768,SMH,USD,1.5\n", "contract id"),
    ("isin,symbol,currency\n", "names no security"),
])
def test_bad_files_are_refused_naming_the_problem(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_securities(path)


def test_the_facade_plans_an_isin_model_once_the_master_knows_its_isins() -> None:
    storage = memory_storage()
    trimtab, _ = _facade(storage)
    isin_model = flat("ISIN", {"US92189F6768": "50", "US0378331005": "50"})
    storage.models.import_model(isin_model)
    trimtab.add_account("ACC", name="", currency="KRW", broker="scripted")
    trimtab.assign("ACC", "ISIN")
    with pytest.raises(InvalidInput, match="ISINs US92189F6768, US0378331005 are not in the security master"):
        asyncio.run(trimtab.holdings("ACC"))
    assert trimtab.unresolved_isins() == ["US92189F6768", "US0378331005"]
    storage.securities.upsert([Security("US92189F6768", "A", "KRW"), Security("US0378331005", "B", "KRW")])
    assert trimtab.unresolved_isins() == []
    snapshot = asyncio.run(trimtab.holdings("ACC"))  # the broker is asked for the resolved symbols
    assert {"A", "B"} <= set(snapshot.quotes)
    assert [security.isin for security in trimtab.securities()] == ["US0378331005", "US92189F6768"]


def test_a_model_without_isins_never_reads_the_master() -> None:
    trimtab, _ = _facade(memory_storage(), _broker())
    model = flat("PLAIN", {"A": "100"})
    assert trimtab.resolve_model(model) is model
