"""Curated hostile files: the limits of the YAML/JSON/CSV readers and the bounds of the values they give."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.hostile import documents
from tests.hostile.harness import TODAY, load_and_plan, outcome, write
from trimtab.adapters.files.documents import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, parse_json, parse_yaml
from trimtab.adapters.files.models_file import load_models
from trimtab.adapters.files.snapshot_file import load_snapshot
from trimtab.domain.errors import InvalidInput

BOMB = "\n".join([
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    *(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]"
      for previous, name in zip("abcdefgh", "bcdefghi", strict=True)),
    "models: *i",
])


def refused(call: Callable[[], object], *parts: str) -> str:
    with pytest.raises(InvalidInput) as info:
        call()
    message = str(info.value)
    assert all(part in message for part in parts), message
    assert "\n" not in message
    return message


@pytest.mark.parametrize("parse", [parse_yaml, parse_json])
def test_nesting_up_to_the_limit_is_read_and_one_level_more_is_refused(parse: Callable[[str], object]) -> None:
    def nested(depth: int) -> str:
        return "[" * depth + "]" * depth

    assert parse(nested(MAX_DEPTH))
    refused(lambda: parse(nested(MAX_DEPTH + 1)), f"nested more than {MAX_DEPTH} levels", "line 1")
    refused(lambda: parse(nested(5_000)), "nested more than")


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert parse_json(json.dumps({"a": "[" * 1_000})) == {"a": "[" * 1_000}


def test_alias_bomb_is_refused_with_a_short_message() -> None:
    assert len(BOMB) < 400  # the tester's bomb was 330 bytes
    message = refused(lambda: parse_yaml(BOMB, name="bomb.yaml"), f"more than {MAX_NODES:,} values", "bomb.yaml")
    assert "lol" not in message


def test_aliases_for_ordinary_reuse_are_read(tmp_path: Path) -> None:
    text = ("etf: &etf {instrument_type: etf, market: KRX}\n"
            "models:\n  M:\n    holdings:\n"
            "      '069500': {<<: *etf, weight: 50}\n      '148070': {<<: *etf, weight: 50}\n")
    path = write(tmp_path, "m.yaml", text.replace("etf: &etf", "models_defaults: &etf"))
    refused(lambda: load_models(path), "models_defaults", "unknown key")  # extra top-level keys stay refused
    data: Any = parse_yaml(text)
    assert data["models"]["M"]["holdings"]["069500"] == {"instrument_type": "etf", "market": "KRX", "weight": "50"}


def test_alias_inside_its_own_anchor_is_refused() -> None:
    refused(lambda: parse_yaml("a: &a [1, *a]\n"), "refers to its own anchor")


@pytest.mark.parametrize("character", ["\x07", "\x00", "\x1b", "\x7f"])
def test_control_character_even_in_a_comment_gives_line_and_column(character: str) -> None:
    text = f"models:\n  M:  # a note {character} here\n    holdings: {{A: 100}}\n"
    refused(lambda: parse_yaml(text, name="c.yaml"), "c.yaml, line 2, column 16", f"U+{ord(character):04X}")


def test_byte_order_mark_is_accepted_in_yaml_json_and_csv(tmp_path: Path) -> None:
    bom = "\ufeff"
    model = load_models(write(tmp_path, "m.yaml", bom + documents.render(documents.flat_model())))
    csv_model = load_models(write(tmp_path, "MP_Master.csv", bom + documents.render_csv(documents.mp_master_rows())))
    snapshot = load_snapshot(write(tmp_path, "s.json", bom + documents.render(documents.us_snapshot())), today=TODAY)
    assert sum(model[0].target_weights().values()) == sum(csv_model[0].target_weights().values()) == 1
    assert snapshot.account_id == "US-1"


@pytest.mark.parametrize(("name", "content", "parts"), [
    ("empty.yaml", b"", ("empty.yaml", "the file is empty")),
    ("blank.json", b"  \n\t\n", ("the file is empty",)),
    ("bom-only.yaml", b"\xef\xbb\xbf", ("the file is empty",)),
    ("garbage.yaml", bytes(range(256)) * 4, ("not UTF-8",)),
    ("utf16.json", '{"models": {}}'.encode("utf-16"), ("not UTF-8",)),
    ("nul.yaml", b"models:\x00\n", ("U+0000",)),
    ("comment-only.yaml", b"# nothing\n", ("expected a mapping", "nothing (null)")),
    ("list.json", b"[1, 2]", ("expected a mapping", "a list")),
    ("dup.yaml", b"models:\n  M:\n    holdings: {A: 50, B: 50}\n  M:\n    holdings: {A: 100}\n",
     ("duplicate key 'M'", "line 4", "first on line 2")),
    ("dup.json", b'{"models": {"M": {"holdings": {"A": 50, "A": 50}}}}', ("duplicate key 'A'",)),
    ("nan.json", b'{"models": {"M": {"holdings": {"A": NaN}}}}', ("NaN and Infinity",)),
    ("inf.yaml", b"models: {M: {holdings: {A: .inf}}}\n", ("Infinity",)),
    ("python.yaml", b"models: !!python/object/apply:os.system [echo hi]\n", ("not valid YAML", "constructor")),
    ("m.toml", b"models = 1", ("unsupported",)),
])
def test_unusable_model_file_is_refused_in_one_line(tmp_path: Path, name: str, content: bytes,
                                                      parts: tuple[str, ...]) -> None:
    path = write(tmp_path, name, content)
    refused(lambda: load_models(path), *parts)


def test_file_larger_than_the_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, the size alone must refuse it
    refused(lambda: load_models(path), "larger than 10 MiB")


def test_long_values_are_echoed_as_short_excerpts(tmp_path: Path) -> None:
    tree = documents.replace_leaf(documents.us_snapshot(), ("cash",), documents.Number("9" * 60 + "x" * 10_000))
    message = refused(lambda: load_snapshot(write(tmp_path, "s.json", documents.render(tree)), today=TODAY),
                      "field 'cash'")
    assert len(message) < 300
    name = "N" * 100_000
    message = refused(lambda: load_models(write(tmp_path, "m.json", json.dumps({"models": {name: {}}}))), "64")
    assert len(message) < 300


@pytest.mark.parametrize(("weights", "accepted"), [
    (("50", "49.99"), True), (("50", "50.01"), True), (("50.02", "50"), False), (("50", "49.98"), False),
    (("50", "49.989"), False), (("50", "50.011"), False), (("33.333333", "33.333333", "33.333333"), True),
])
def test_weights_add_up_to_100_within_one_hundredth_of_a_point(tmp_path: Path, weights: tuple[str, ...],
                                                                 accepted: bool) -> None:
    holdings = {f"S{index}": documents.Number(weight) for index, weight in enumerate(weights)}
    flat = {"models": {"M": {"holdings": holdings}}}
    classes = {"models": {"M": {"classes": {f"C{index}": {"weight": documents.Number(weight), "holdings": {
        f"S{index}": documents.Number("100")}} for index, weight in enumerate(weights)}}}}
    for tree in (flat, classes):
        path = write(tmp_path, "m.json", documents.render(tree))
        if accepted:
            assert load_models(path)
        else:
            refused(functools.partial(load_models, path), "weights sum to", "expected 100% (within 0.01 pp)")


@pytest.mark.parametrize(("path", "value", "field"), [
    (("holdings", 0, "lot_size"), "1e-17", "lot_size"),
    (("holdings", 0, "lot_size"), "0", "lot_size"),
    (("holdings", 1, "tick_size"), "1e-30", "tick_size"),
    (("holdings", 0, "price"), "999999999999999999", "price"),
    (("holdings", 0, "price"), "1000000000.01", "price"),
    (("holdings", 0, "base_price"), "0.000000001", "base_price"),
    (("holdings", 0, "quantity"), "1000000000001", "quantity"),
    (("holdings", 0, "quantity"), "-1", "quantity"),
    (("cash",), "1e16", "cash"),
    (("cash",), "0.000000001", "cash"),
    (("costs", "commission_minimum"), "1e17", "commission_minimum"),
    (("costs", "commission_rate"), "100", "commission_rate"),
    (("costs", "commission_rate"), "5000", "commission_rate"),
    (("costs", "commission_rate"), "10", "commission_rate"),
    (("costs", "commission_rate"), "-0.01", "commission_rate"),
])
def test_out_of_bounds_snapshot_values_are_refused_naming_field_and_value(tmp_path: Path, path: tuple[object, ...],
                                                                             value: str, field: str) -> None:
    tree = documents.replace_leaf(documents.korean_snapshot(), path, documents.Number(value))
    file = write(tmp_path, "s.yaml", documents.render(tree))
    refused(lambda: load_snapshot(file, today=TODAY), f"field '{field}'", value)


@pytest.mark.parametrize(("path", "value"), [
    (("costs", "commission_rate"), "9.999999"), (("holdings", 0, "lot_size"), "0.00000001"),
    (("holdings", 1, "tick_size"), "0.00000001"), (("holdings", 0, "price"), "1000000000"),
    (("cash",), "1000000000000000"), (("costs", "commission_minimum"), "1000000"),
])
def test_values_at_their_bounds_are_accepted_and_planned(tmp_path: Path, path: tuple[object, ...], value: str) -> None:
    tree = documents.replace_leaf(documents.korean_snapshot(), path, documents.Number(value))
    file = write(tmp_path, "s.yaml", documents.render(tree))
    assert outcome(lambda: load_and_plan("snapshot", file, documents.two_level_model(), tmp_path)) is None


@pytest.mark.parametrize(("text", "expected"), [("1,842,000", "1842000"), ("1_842_000", "1842000"),
                                                ("1,234.5", "1234.5"), ("1842000", "1842000")])
def test_thousands_separators_in_groups_of_three_read_exactly(tmp_path: Path, text: str, expected: str) -> None:
    tree = documents.replace_leaf(documents.korean_snapshot(), ("cash",), documents.Number(text))
    snapshot = load_snapshot(write(tmp_path, "s.json", documents.render(tree)), today=TODAY)
    assert str(snapshot.cash) == expected


@pytest.mark.parametrize("text", ["1,5", "1,2,3", "12,34", "١٢٣", "１２３", "12３"])
def test_misplaced_commas_and_non_ascii_digits_are_refused(tmp_path: Path, text: str) -> None:
    tree = documents.replace_leaf(documents.korean_snapshot(), ("cash",), documents.Number(text))
    file = write(tmp_path, "s.json", documents.render(tree))
    refused(lambda: load_snapshot(file, today=TODAY), "field 'cash'")


@pytest.mark.parametrize(("name", "content", "field"), [
    ("m.json", '{"models": {"M\\u0000": {"holdings": {"A": 100}}}}', "models"),
    ("m.json", '{"models": {"M": {"holdings": {"A\\u0000": 100}}}}', "holdings"),
    ("m.json", '{"models": {"M": {"holdings": {"A": {"weight": 100, "name": "x\\u0000"}}}}}', "name"),
    ("m.yaml", 'models: {M: {description: "a\\0b", holdings: {A: 100}}}', "description"),
    ("m.yaml", 'models: {M: {classes: {"EQ\\x01": {weight: 100, holdings: {A: 100}}}}}', "classes"),
    ("MP_Master.csv", "Portfolio ID,Bucket Name,ISIN,Ticker,Weight,Effective Date\nP,B\x00,,A,100,01/01/26\n",
     "Bucket Name"),
    ("MP_Master.csv", "Portfolio ID,Bucket Name,ISIN,Ticker,Weight,Effective Date\nP,B,,A\x00,100,01/01/26\n",
     "Ticker"),
])
def test_nul_and_control_characters_in_names_are_refused(tmp_path: Path, name: str, content: str,
                                                         field: str) -> None:
    path = write(tmp_path, name, content)
    refused(lambda: load_models(path), f"field '{field}'", "is not allowed")
