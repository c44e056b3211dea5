"""In-process layer of the hostile-input harness: generated damage to model and snapshot files.

Whatever the damage, loading and planning raise only InvalidInput (short, one line); a value that is
bad everywhere (NaN, a misplaced comma, non-ASCII digits, a control character) is always refused, never
silently read as something else; what is accepted stays inside the documented bounds.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import documents
from tests.hostile.harness import BASES, load_and_plan, outcome, write
from tests.hostile.values import SPECIAL_CHARACTERS, bad_identifiers, bad_numbers, bad_texts, edge_values

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [ROOT / "examples" / name for name in ("models.yaml", "snapshot-kr.yaml", "snapshot-gtaa.json")]
HARNESS = settings(max_examples=60, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
suffixes = st.sampled_from([".yaml", ".json"])


def _attempt(base_name: str, tree: object, suffix: str) -> object:
    base = BASES[base_name]
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), f"input{suffix}", documents.render(tree))
        return outcome(lambda: load_and_plan(base.kind, path, base.partner(), Path(folder)))


@st.composite
def leaf_replaced(draw: st.DrawFn, kind: type, value: st.SearchStrategy[object]) -> tuple[str, object, str]:
    base_name = draw(st.sampled_from(sorted(BASES)))
    tree = BASES[base_name].build()
    paths = [path for path, leaf in documents.leaves(tree) if isinstance(leaf, kind)]
    return base_name, documents.replace_leaf(tree, draw(st.sampled_from(paths)), draw(value)), draw(suffixes)


@st.composite
def key_renamed(draw: st.DrawFn) -> tuple[str, object, str]:
    base_name = draw(st.sampled_from(sorted(BASES)))
    tree = BASES[base_name].build()
    path = draw(st.sampled_from(list(documents.mapping_keys(tree))))
    return base_name, documents.rename_key(tree, path, draw(bad_identifiers).text), draw(suffixes)


@HARNESS
@given(leaf_replaced(documents.Number, bad_numbers))
def test_hostile_number_anywhere_is_refused(case: tuple[str, object, str]) -> None:
    assert _attempt(*case) is not None, f"accepted: {documents.render(case[1])}"


@HARNESS
@given(leaf_replaced(documents.Text, bad_texts))
def test_hostile_text_anywhere_is_refused(case: tuple[str, object, str]) -> None:
    assert _attempt(*case) is not None, f"accepted: {documents.render(case[1])}"


@HARNESS
@given(key_renamed())
def test_hostile_key_anywhere_is_refused(case: tuple[str, object, str]) -> None:
    assert _attempt(*case) is not None, f"accepted: {documents.render(case[1])}"


@settings(HARNESS, max_examples=150)
@given(st.one_of(leaf_replaced(documents.Number, edge_values), leaf_replaced(documents.Text, edge_values)))
def test_edge_value_anywhere_is_refused_or_planned_within_bounds(case: tuple[str, object, str]) -> None:
    _attempt(*case)  # outcome() lets only InvalidInput through; load_and_plan checks the bounds


@st.composite
def damaged_bytes(draw: st.DrawFn) -> tuple[str, bytes, str]:
    """A valid file (generated or an example) with one piece of byte-level damage."""
    base_name = draw(st.sampled_from([*sorted(BASES), *[path.name for path in EXAMPLES]]))
    example = {path.name: path for path in EXAMPLES}.get(base_name)
    text = example.read_text(encoding="utf-8") if example else documents.render(BASES[base_name].build())
    data = text.encode("utf-8")
    at = draw(st.integers(0, len(data)))
    damage = draw(st.sampled_from(["insert", "delete", "duplicate", "truncate", "bom", "utf16", "random"]))
    if damage == "insert":
        piece = draw(st.sampled_from(SPECIAL_CHARACTERS) | st.text(max_size=3)).encode("utf-8", "surrogatepass")
        data = data[:at] + piece + data[at:]
    elif damage == "delete":
        data = data[:at] + data[at + draw(st.integers(1, 20)):]
    elif damage == "duplicate":
        data = data[:at] + data[at:at + draw(st.integers(1, 80))] + data[at:]
    elif damage == "truncate":
        data = data[:at]
    elif damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "utf16":
        data = text.encode("utf-16")
    else:
        data = draw(st.binary(max_size=300))
    suffix = example.suffix if example else draw(suffixes)
    return base_name, data, suffix


@settings(HARNESS, max_examples=150)
@given(damaged_bytes())
def test_damaged_file_raises_only_invalid_input(case: tuple[str, bytes, str]) -> None:
    name, data, suffix = case
    kind = "model" if name in ("models.yaml",) or BASES.get(name, BASES["us-snapshot"]).kind == "model" else "snapshot"
    partner = {"model": documents.korean_snapshot, "snapshot": documents.two_level_model}[kind]
    if name in BASES:
        partner = BASES[name].partner
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), f"input{suffix}", data)
        outcome(lambda: load_and_plan(kind, path, partner(), Path(folder)))


CSV_CELLS = [(row, column) for row in range(1, 4) for column in range(6)]


@settings(HARNESS, max_examples=80)
@given(st.sampled_from(CSV_CELLS), st.one_of(st.sampled_from(["\x00", "A\x00B", "1,5", "١٢", "NaN", "", "A" * 70,
                                                              "99.99", "-5", "31/02/26", "\x07"]),
                                              st.text(max_size=8)))
def test_mp_master_cell_damage_raises_only_invalid_input(cell: tuple[int, int], value: str) -> None:
    rows = documents.mp_master_rows()
    rows[cell[0]][cell[1]] = value
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), "MP_Master.csv", documents.render_csv(rows))
        refused = outcome(lambda: load_and_plan("model", path, documents.us_snapshot(), Path(folder)))
    if any(character in value for character in "\x00\x07") or (value in ("1,5", "١٢", "NaN") and cell[1] == 4):
        assert refused is not None, f"accepted {value!r} in column {documents.CSV_HEADER[cell[1]]}"


@pytest.mark.parametrize("column", documents.CSV_HEADER)
def test_mp_master_without_a_column_is_refused_naming_it(tmp_path: Path, column: str) -> None:
    rows = [[cell for name, cell in zip(documents.CSV_HEADER, row, strict=True) if name != column]
            for row in documents.mp_master_rows()]
    path = write(tmp_path, "MP_Master.csv", documents.render_csv(rows))
    refused = outcome(lambda: load_and_plan("model", path, documents.us_snapshot(), tmp_path))
    assert refused is not None
    assert "missing column" in str(refused)
    assert column in str(refused)
