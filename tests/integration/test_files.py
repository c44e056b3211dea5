"""File adapters: YAML/JSON loading, model files (three formats) and account snapshots."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from trimtab.adapters.files.loader import parse_json, parse_yaml, read_document
from trimtab.adapters.files.models_file import load_model, load_models
from trimtab.adapters.files.snapshot_file import load_snapshot
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import InstrumentType, Market
from trimtab.domain.models import ModelPortfolio
from trimtab.domain.snapshot import AccountSnapshot

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "simple-order-mgmt"
EXAMPLES = PROJECT_ROOT / "examples"
TODAY = dt.date(2026, 11, 21)
GTAA_WEIGHTS = {"SPMO": Decimal("0.3334"), "SMH": Decimal("0.3333"), "IAU": Decimal("0.3333")}


def write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path / name


def fails(parts: tuple[str, ...], call: Callable[..., object], *args: object) -> None:
    """``call(*args)`` raises InvalidInput and its message contains every part."""
    with pytest.raises(InvalidInput) as info:
        call(*args)
    missing = [part for part in parts if part not in str(info.value)]
    assert not missing, f"{missing} not in {info.value}"


def model_text(holdings: str, *, name: str = "M") -> str:
    body = textwrap.indent(textwrap.dedent(holdings).strip(), " " * 6)
    return f"models:\n  {name}:\n    holdings:\n{body}\n"


def load_from(tmp_path: Path, text: str, name: str = "models.yaml") -> list[ModelPortfolio]:
    return load_models(write(tmp_path, name, text))


# --- loader -----------------------------------------------------------------------------------------
def test_yaml_keeps_number_text_and_refuses_duplicate_keys() -> None:
    data = parse_yaml("a: 33.34\nb: 069500\nc: 000660\nd: 2026-11-20\ne: true\nf: null\ng: 1_000\n")
    assert data == {"a": "33.34", "b": "069500", "c": "000660", "d": "2026-11-20", "e": True, "f": None,
                    "g": "1_000"}
    fails(("duplicate key 'x'", "line 4", "first on line 3"), parse_yaml, "a: 1\nb:\n  x: 1\n  x: 2\n")
    fails(("not valid YAML", "line"), parse_yaml, "a: 1\nb: [1, 2\nc: 3\n")


def test_json_numbers_stay_text_and_duplicates_fail() -> None:
    assert parse_json('{"a": 33.34, "b": 12, "c": [1.50]}') == {"a": "33.34", "b": "12", "c": ["1.50"]}
    fails(("duplicate key 'a'",), parse_json, '{"a": 1, "a": 2}')
    fails(("NaN",), parse_json, '{"a": NaN}')
    fails(("not valid JSON", "line 2"), parse_json, '{"a": 1,\n "b": }')


def test_read_document_files(tmp_path: Path) -> None:
    fails(("nope.yaml", "file not found"), read_document, tmp_path / "nope.yaml")
    fails(("unsupported", ".toml"), read_document, write(tmp_path, "m.toml", "a = 1"))
    (tmp_path / "latin.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    fails(("latin.yaml", "not UTF-8"), read_document, tmp_path / "latin.yaml")
    (tmp_path / "bom.yaml").write_bytes("\ufeffa: 1\n".encode())
    assert read_document(tmp_path / "bom.yaml") == {"a": "1"}


# --- trimtab model format ---------------------------------------------------------------------------
FLAT = """\
models:
  GTAA:
    description: Global tactical asset allocation
    version: "2026-01"
    effective_on: 2026-01-02
    holdings:
      SPMO: 33.34
      SMH: {weight: 33.33, name: Invesco Semiconductor, instrument_type: etf, market: US, currency: USD}
      IAU: "33.33%"
"""

TWO_LEVEL = """\
models:
  KR-BALANCED:
    classes:
      EQUITY:
        weight: 60
        holdings:
          "069500": {weight: 50, name: KODEX 200, instrument_type: etf, market: KRX}
          005930: {weight: 30, name: 삼성전자, instrument_type: stock}
          000660: 20
      BOND: {weight: 35, holdings: {"148070": 100}}
      CASH: {weight: 5}
"""


def test_flat_model_parses_exactly(tmp_path: Path) -> None:
    (model,) = load_from(tmp_path, FLAT)
    assert (model.name, model.two_level, model.target_weights()) == ("GTAA", False, GTAA_WEIGHTS)
    assert str(model.target_weights()["SPMO"]) == "0.3334"
    assert (model.version, model.description, model.effective_on) == (
        "2026-01", "Global tactical asset allocation", "2026-01-02")
    smh = model.classes[0].holdings[1]
    assert (smh.name, smh.instrument_type, smh.market, smh.currency) == (
        "Invesco Semiconductor", InstrumentType.ETF, Market.US, "USD")


def test_two_level_model_keeps_korean_codes(tmp_path: Path) -> None:
    (model,) = load_from(tmp_path, TWO_LEVEL)
    weights = model.target_weights()
    assert list(weights) == ["069500", "005930", "000660", "148070"]
    assert (weights["069500"], weights["000660"], model.cash_weight) == (Decimal("0.3"), Decimal("0.12"),
                                                                         Decimal("0.05"))
    assert (model.two_level, model.class_of()["148070"], model.version) == (True, "BOND", "1")
    assert model.classes[0].holdings[1].name == "삼성전자"


def test_list_form_json_and_tolerance(tmp_path: Path) -> None:
    text = model_text("- {symbol: AAA, weight: 60}\n- {symbol: BBB, weight: '40%', market: NASDAQ}")
    (model,) = load_from(tmp_path, text)
    assert model.target_weights() == {"AAA": Decimal("0.6"), "BBB": Decimal("0.4")}
    json_text = '{"models": {"J": {"holdings": {"005930": 66.67, "000660": 33.33}}}}'
    (json_model,) = load_from(tmp_path, json_text, "models.json")
    assert json_model.target_weights()["005930"] == Decimal("0.6667")
    (close,) = load_from(tmp_path, model_text("A: 50\nB: 49.995"))  # within 0.01 pp of 100 %
    assert sum(close.target_weights().values()) == Decimal("0.99995")


BOTH = "models:\n  BOTH:\n    holdings: {A: 100}\n    classes: {C: {weight: 100, holdings: {B: 100}}}\n"
BAD_DATE = "models:\n  D:\n    effective_on: 2026-13-01\n    holdings: {A: 100}\n"
LISTED = "- {symbol: AAA, weight: 50}\n- {symbol: AAA, weight: 50}"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (model_text("A: 50\nB: 49.98", name="SUM"), ("model 'SUM'", "holdings.weight", "99.9800%")),
        (TWO_LEVEL.replace("CASH: {weight: 5}", "CASH: {weight: 4}"),
         ("model 'KR-BALANCED'", "classes.weight", "99.0000%")),
        (model_text("A: 110\nB: -10", name="NEG"), ("model 'NEG'", "weight", "-10.00%", "negative")),
        (model_text(LISTED, name="DUP"), ("model 'DUP'", "symbol", "AAA", "duplicate ticker")),
        (TWO_LEVEL.replace('{"148070": 100}', '{"069500": 100}'), ("KR-BALANCED", "069500", "duplicate")),
        (model_text("A: 50\nA: 50"), ("models.yaml", "line 5", "duplicate key 'A'")),
        ("models: {M: {holdings: {A: 100}}}\nextra: 1\n", ("field 'extra'", "unknown key", "models")),
        ("models: {M: {holdings: {A: 100}, colour: red}}\n", ("field 'colour'", "classes, description")),
        ("models: {M: {classes: {C: {weight: 100, holdings: {A: 100}, note: x}}}}\n",
         ("class 'C'", "field 'note'", "holdings, weight")),
        ("models: {M: {holdings: {A: {weight: 100, sector: IT}}}}\n", ("field 'sector'", "instrument_type")),
        ("models: {M: {holdings: [{symbol: A, weight: 100, isin: X}]}}\n", ("holding 'A'", "field 'isin'")),
        (BOTH, ("model 'BOTH'", "not both")),
        ("models:\n  EMPTY:\n    description: nothing\n", ("model 'EMPTY'", "holdings", "classes")),
        (model_text("A: 12.5x", name="BAD"), ("model 'BAD'", "holding 'A'", "field 'weight'", "12.5x")),
        (model_text("A: {weight: 100, currency: XYZ}", name="BAD"), ("model 'BAD'", "currency", "XYZ")),
        (model_text("A: {weight: 100, market: MOON}", name="BAD"), ("holding 'A'", "market", "MOON")),
        (model_text("A: {weight: 100, instrument_type: bond}"), ("holding 'A'", "instrument_type", "bond")),
        (model_text("ON: 100"), ("quote", "True")),
        (BAD_DATE, ("model 'D'", "effective_on", "2026-13-01")),
        ("portfolios: {}\n", ("'models'", "model_portfolios")),
    ],
    ids=["sum", "class-sum", "negative", "dup-list", "dup-classes", "dup-key", "top-key", "model-key",
         "class-key", "holding-key", "list-key", "both", "neither", "bad-number", "currency", "market",
         "type", "bool-key", "bad-date", "top-level"],
)
def test_model_errors_name_model_field_and_value(tmp_path: Path, text: str, parts: tuple[str, ...]) -> None:
    fails(parts, load_from, tmp_path, text)


def test_load_model_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, "two.yaml", FLAT + TWO_LEVEL.removeprefix("models:\n"))
    assert load_model(path, "KR-BALANCED").name == "KR-BALANCED"
    fails(("2 models", "GTAA, KR-BALANCED"), load_model, path, None)
    fails(("NOPE", "available: GTAA, KR-BALANCED"), load_model, path, "NOPE")
    assert load_model(write(tmp_path, "one.yaml", FLAT), None).name == "GTAA"


# --- simple-order-management-platform format ---------------------------------------------------------
SOMP = """\
model_portfolios:
  GTAA:
    name: "GTAA"
    description: "Global Tactical Asset Allocation"
    holdings:
      - {symbol: "SPMO", target_weight: 0.3334, security_type: "STK", exchange: "SMART", currency: "USD"}
      - {symbol: "SMH", target_weight: 0.3333, security_type: "STK", exchange: "SMART", currency: "USD"}
      - {symbol: "IAU", target_weight: 0.3333, security_type: "STK", exchange: "SMART", currency: "USD"}
account_mappings:
rebalancing_settings:
  rebalance_threshold: 0.01
"""


def test_somp_format(tmp_path: Path) -> None:
    (model,) = load_from(tmp_path, SOMP)
    spmo = model.classes[0].holdings[0]
    assert model.target_weights() == GTAA_WEIGHTS
    assert (spmo.instrument_type, spmo.market, spmo.currency, model.description) == (
        InstrumentType.STOCK, Market.US, "USD", "Global Tactical Asset Allocation")


@pytest.mark.parametrize(
    ("old", "new", "parts"),
    [
        ('name: "GTAA"', 'name: "OTHER"', ("model 'GTAA'", "name", "OTHER")),
        ('description: "Global', 'owner: x\n    description: "Global', ("owner", "unknown key", "holdings")),
        ('exchange: "SMART", currency: "USD"}\n      - {symbol: "SMH"',
         'exchange: "SMART", currency: "USD", lot: 1}\n      - {symbol: "SMH"', ("lot", "target_weight")),
        ("target_weight: 0.3334", "target_weight: 0.3234", ("model 'GTAA'", "holdings.weight", "99.0000%")),
        ("rebalancing_settings:", "extras:", ("extras", "account_mappings")),
    ],
    ids=["name-mismatch", "model-key", "holding-key", "sum", "top-key"],
)
def test_somp_errors(tmp_path: Path, old: str, new: str, parts: tuple[str, ...]) -> None:
    assert old in SOMP
    fails(parts, load_from, tmp_path, SOMP.replace(old, new, 1))


# --- MP_Master CSV ------------------------------------------------------------------------------------
CSV_HEADER = "Portfolio ID,Bucket Name,ISIN,Ticker,Weight,Effective Date\n"


def test_mp_master_csv(tmp_path: Path) -> None:
    rows = ("B1,Old name,,AAA,100,01/01/25\nB1,Peace of Mind,SG9999006225,,60,18/07/25\n"  # older row dropped
            "B1,Peace of Mind,SG0000000001,BBB,40,18/07/25\nB2,Growth,,SPMO,33.34,18/07/25\n"
            "B2,Growth,,SMH,33.33,18/07/25\n\nB2,Growth,,IAU,33.33,18/07/25\n")
    path = tmp_path / "MP.csv"
    path.write_bytes(("\ufeff" + CSV_HEADER + rows).encode())  # with a UTF-8 BOM
    first, second = load_models(path)
    assert (first.name, first.description, first.effective_on) == ("B1", "Peace of Mind", "2025-07-18")
    assert first.target_weights() == {"SG9999006225": Decimal("0.6"), "BBB": Decimal("0.4")}
    assert second.target_weights()["SPMO"] == Decimal("0.3334")


@pytest.mark.parametrize(
    ("rows", "parts"),
    [
        ("B1,Name,,,100,18/07/25\n", ("row 1", "line 2", "model 'B1'", "neither a Ticker nor an ISIN")),
        ("B1,Name,,AAA,100,2025-07-18\n", ("Effective Date", "2025-07-18")),
        ("B1,Name,,AAA,100,31/02/25\n", ("not a calendar date", "31/02/25")),
        ("B1,Name,,AAA,abc,18/07/25\n", ("model 'B1'", "Weight", "abc")),
        ("B1,Name,,AAA,100\n", ("expected 6 columns", "line 2")),
        ("B1,Name,,AAA,60,18/07/25\nB1,Name,,BBB,39.98,18/07/25\n", ("model 'B1'", "99.9800%")),
        (",Name,,AAA,100,18/07/25\n", ("Portfolio ID", "empty")),
        ("B1,One,,AAA,50,18/07/25\nB1,Two,,BBB,50,18/07/25\n", ("Bucket Name", "One | Two")),
        ("", ("no model rows",)),
        ("Portfolio ID,Bucket,ISIN,Ticker,Weight,Effective Date\n", ("unknown column", "Bucket Name")),
    ],
    ids=["no-symbol", "iso-date", "bad-date", "bad-weight", "columns", "sum", "no-id", "buckets", "no-rows",
         "header"],
)
def test_mp_master_errors(tmp_path: Path, rows: str, parts: tuple[str, ...]) -> None:
    text = rows if rows.startswith("Portfolio ID") else CSV_HEADER + rows
    fails(parts, load_models, write(tmp_path, "MP.csv", text))


# --- reference files ----------------------------------------------------------------------------------
needs_reference = pytest.mark.skipif(
    not REFERENCE.is_dir(), reason=f"reference files not available: {REFERENCE} is missing")


@needs_reference
def test_reference_model_portfolios_yaml() -> None:
    assert load_model(REFERENCE / "model_portfolios.yaml", "GTAA").target_weights() == GTAA_WEIGHTS


@needs_reference
def test_reference_mp_master_csv() -> None:
    models = {model.name: model for model in load_models(REFERENCE / "MP_Master.csv")}
    assert list(models) == ["B101", "B201", "B202", "B301"]
    for name in ("B101", "B201", "B202"):
        assert all(symbol.startswith("SG") and len(symbol) == 12 for symbol in models[name].target_weights())
    assert models["B202"].target_weights() == {"SG9999008932": Decimal(1)}
    assert (models["B301"].target_weights(), models["B301"].effective_on) == (GTAA_WEIGHTS, "2025-07-18")


# --- snapshots ----------------------------------------------------------------------------------------
SNAPSHOT = """\
account_id: KIS-DEMO-01
currency: KRW
cash: 12345000
costs: {commission_rate: 0.015, commission_minimum: 0}
holdings:
  - {symbol: "069500", quantity: 120, orderable_quantity: 100, price: 35420, base_price: 35100,
     name: KODEX 200, instrument_type: etf}
  - {symbol: 005930, quantity: 10, price: 55000}
  - {symbol: 000660, quantity: 3, price: 190000}
prices:
  "360750": {price: 18995, instrument_type: etf, name: TIGER 미국S&P500}
  "114260": 61455
excluded: ["000660"]
"""


def load_snapshot_text(tmp_path: Path, text: str, name: str = "snap.yaml") -> AccountSnapshot:
    return load_snapshot(write(tmp_path, name, text), today=TODAY)


def test_snapshot_yaml(tmp_path: Path) -> None:
    snapshot = load_snapshot_text(tmp_path, SNAPSHOT)
    assert (snapshot.account_id, snapshot.currency, snapshot.as_of) == ("KIS-DEMO-01", "KRW", TODAY)
    assert (snapshot.cash, snapshot.costs.commission_rate) == (Decimal(12345000), Decimal("0.00015"))
    assert snapshot.excluded == frozenset({"000660"})
    assert sorted(snapshot.quotes) == ["000660", "005930", "069500", "114260", "360750"]
    kodex, samsung = snapshot.holdings[:2]
    assert (kodex.symbol, kodex.quantity, kodex.orderable_quantity) == ("069500", Decimal(120), Decimal(100))
    quote = kodex.quote
    assert (quote.base_price, quote.instrument.instrument_type) == (Decimal(35100), InstrumentType.ETF)
    assert (samsung.symbol, samsung.orderable_quantity) == ("005930", Decimal(10))
    instrument = samsung.quote.instrument
    assert (instrument.market, instrument.instrument_type, instrument.lot_size) == (
        Market.KRX, InstrumentType.STOCK, Decimal(1))
    assert snapshot.quotes["360750"].instrument.name == "TIGER 미국S&P500"


def test_snapshot_json_keeps_cents(tmp_path: Path) -> None:
    text = ('{"account_id": "U1", "currency": "USD", "as_of": "2026-11-20", "cash": 1250.37,\n'
            ' "holdings": [{"symbol": "SPMO", "quantity": 420, "price": 125.37}],\n'
            ' "prices": {"IAU": 78.42}}')
    snapshot = load_snapshot_text(tmp_path, text, "snap.json")
    assert (snapshot.cash, snapshot.as_of) == (Decimal("1250.37"), dt.date(2026, 11, 20))
    iau = snapshot.quotes["IAU"]
    assert (str(iau.price), iau.instrument.market, snapshot.costs.commission_rate) == (
        "78.42", Market.US, Decimal("0.00015"))


@pytest.mark.parametrize(
    ("old", "new", "parts"),
    [
        ("cash: 12345000", "cash: 12345000\nbroker: kis", ("field 'broker'", "unknown key", "account_id")),
        ("commission_minimum: 0}", "commission_minimum: 0, tax: 1}", ("costs", "tax", "commission_rate")),
        ("base_price: 35100", "base_price: 35100, sector: x", ("holding '069500'", "sector", "orderable")),
        ("instrument_type: etf, name: TIGER", "isin: X, name: TIGER",
         ("price '360750'", "isin", "tick_size")),
        ("quantity: 10, price: 55000}", "quantity: 10}", ("005930", "price", "missing required key")),
        ("orderable_quantity: 100", "orderable_quantity: 121",
         ("holding '069500'", "orderable_quantity", "121", "more than the quantity")),
        ("quantity: 10, price", "quantity: -1, price", ("holding '005930'", "quantity", "-1", "negative")),
        ("price: 55000}", "price: 0}", ("holding '005930'", "price", "'0'", "positive")),
        ("price: 55000}", "price: 55.0x0}", ("holding '005930'", "price", "55.0x0", "number")),
        ("price: 35420", "price: abc", ("account 'KIS-DEMO-01'", "holding '069500'", "field 'price'",
                                        "'abc'")),
        ('"114260": 61455', '"005930": 61455', ("prices", "005930", "held and also listed")),
        ("currency: KRW", "currency: WON", ("currency", "WON", "unknown currency")),
        ("instrument_type: etf}", "market: MOON}", ("holding '069500'", "market", "MOON")),
        ("instrument_type: etf}", "instrument_type: reit}", ("instrument_type", "reit")),
        ("instrument_type: etf}", "currency: USD}", ("holding '069500'", "currency", "USD", "convert")),
        ('excluded: ["000660"]', 'excluded: ["035420"]', ("excluded", "035420", "held")),
        ("cash: 12345000", "cash: 12345000\nas_of: 20-11-2026", ("as_of", "20-11-2026")),
        ("cash: 12345000", "cash: -5", ("account 'KIS-DEMO-01'", "cash", "-5")),
        ("holdings:\n", "holdings:\n  - {symbol: 005930, quantity: 1, price: 1}\n", ("held twice", "005930")),
    ],
    ids=["top-key", "costs-key", "holding-key", "price-key", "missing-price", "orderable", "negative-qty",
         "zero-price", "bad-number", "bad-text", "held-and-priced", "currency", "market", "type",
         "instrument-currency", "excluded", "as-of", "negative-cash", "held-twice"],
)
def test_snapshot_errors(tmp_path: Path, old: str, new: str, parts: tuple[str, ...]) -> None:
    assert old in SNAPSHOT
    fails(("snap.yaml", *parts), load_snapshot_text, tmp_path, SNAPSHOT.replace(old, new, 1))


def test_snapshot_market_rules(tmp_path: Path) -> None:
    base = "account_id: E1\ncurrency: EUR\ncash: 10\nholdings:\n  - {symbol: SAP, quantity: 1, price: 200"
    fails(("market is required", "EUR"), load_snapshot_text, tmp_path, base + "}\n")
    crypto = "account_id: C1\ncurrency: USDT\ncash: 10\nprices:\n  BTC: {price: 90000.5, market: CRYPTO}\n"
    fails(("tick_size", "CRYPTO"), load_snapshot_text, tmp_path, crypto)
    ok = load_snapshot_text(tmp_path, crypto.replace("CRYPTO}", "CRYPTO, tick_size: 0.01, lot_size: 0.0001}"))
    btc = ok.quotes["BTC"].instrument
    assert (btc.tick_size, btc.lot_size) == (Decimal("0.01"), Decimal("0.0001"))


# --- examples -----------------------------------------------------------------------------------------
def test_example_models_load() -> None:
    gtaa, allweather = load_models(EXAMPLES / "models.yaml")
    assert (gtaa.name, gtaa.target_weights()) == ("GTAA", GTAA_WEIGHTS)
    assert allweather.cash_weight == Decimal("0.05")
    assert list(allweather.target_weights()) == ["069500", "360750", "005930", "000660", "148070", "114260",
                                                 "132030"]


def test_example_snapshots_load() -> None:
    kr = load_snapshot(EXAMPLES / "snapshot-kr.yaml", today=TODAY)
    model = load_model(EXAMPLES / "models.yaml", "KR-ALLWEATHER")
    targets = model.target_weights()
    held = {holding.symbol for holding in kr.holdings}
    assert "360750" in set(kr.quotes) - held  # a model ETF not held yet
    assert "229200" in held - set(targets)  # a held ETF outside the model
    assert len(kr.excluded) == 1
    assert kr.excluded <= held - set(targets)
    assert any(holding.orderable_quantity < holding.quantity for holding in kr.holdings)
    invested = kr.cash + sum((h.value for h in kr.holdings if h.symbol not in kr.excluded), Decimal(0))
    equity = sum((h.value for h in kr.holdings if model.class_of().get(h.symbol) == "EQUITY"), Decimal(0))
    assert equity / invested - Decimal("0.40") > Decimal("0.06")
    us = load_snapshot(EXAMPLES / "snapshot-gtaa.json", today=TODAY)
    assert {holding.symbol for holding in us.holdings} == {"SPMO", "SMH"}
    assert ("IAU" in us.quotes, us.currency) == (True, "USD")
