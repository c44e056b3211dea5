"""libyaml's scanner and parser read YAML for speed (`trimtab plan` from files); PyYAML's own read it whenever that
fails. Whatever the text, a document libyaml reads is the one PyYAML reads, so values and errors stay PyYAML's."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trimtab.adapters.files import documents
from trimtab.adapters.files.documents import StrictLoader, _fast_parse, parse_yaml
from trimtab.domain.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]
YAML_FILES = sorted(path for folder in ("examples", "src", "testkit/src") for path in (ROOT / folder).rglob("*.yaml"))
PIECES = ["a", "b", "069500", "1.5", "-", ":", " ", "  ", "\n", "\n  ", "- ", ": ", "'", '"', "[", "]", "{", "}",
          ",", "#", "&x ", "*x", "!!str ", "? ", "|", ">", "---", "...", "\t", "~", "null", "true", "2026-01-02",
          "\\", "%", "@", "`", "\u00e9", "\u2028", "\u2029", "\x85", "\xa0", "\ufeff", "\r", "\r\n", "<<: ", "\n- a: 1",
          "\nk: v\n", "\n  - ", "\n    ", "!!int ", "!!float ", "!foo ", "%YAML 1.1\n", "0x1F", "1e5", ".inf", "+1",
          "0o7", "1_000", "=", "?", "\x0b", "|-", ">+2"]


def strict(text: str) -> object:
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def test_the_files_we_ship_read_the_same() -> None:
    assert YAML_FILES
    for path in YAML_FILES:
        text = path.read_text(encoding="utf-8")
        assert _fast_parse(text) == strict(text), path


@settings(max_examples=3000, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_text_libyaml_reads_is_read_the_same_by_pyyaml(text: str) -> None:
    if not documents.fast_path_may_read(text):
        return
    try:
        fast = _fast_parse(text)
    except Exception:  # parse_yaml then reads it with PyYAML alone
        return
    assert fast == strict(text)


@pytest.mark.parametrize("text", ["a: [1, 2", "a: 1\na: 2", "a:\n\tb: 1", "a\t", "[" * 65 + "]" * 65, "a: *nowhere",
                                  "a: &x [*x]", "a: \x07"])
def test_errors_are_pyyamls_own(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidInput) as fast_first:
        parse_yaml(text, name="f.yaml")
    monkeypatch.setattr(documents, "_fast_parse", _unavailable)
    with pytest.raises(InvalidInput) as pyyaml_only:
        parse_yaml(text, name="f.yaml")
    assert str(fast_first.value) == str(pyyaml_only.value)


def _unavailable(text: str) -> object:
    raise NotImplementedError
