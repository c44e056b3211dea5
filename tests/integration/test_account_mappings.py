"""A model file's account_mappings: read from model_portfolios.yaml and from trimtab's YAML; bad ones named."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_files import SOMP, fails, write
from trimtab.adapters.files.models_file import load_account_mappings, load_models


def test_account_mappings_are_read_from_both_yaml_formats(tmp_path: Path) -> None:
    assert load_account_mappings(write(tmp_path, "m.yaml", SOMP)) == {}  # the seed's empty key
    mapped = SOMP.replace("account_mappings:\n", 'account_mappings:\n  "DU123456": "GTAA"\n  DU789012: GTAA\n')
    path = write(tmp_path, "m.yaml", mapped)
    assert load_account_mappings(path) == {"DU123456": "GTAA", "DU789012": "GTAA"}
    assert [model.name for model in load_models(path)] == ["GTAA"]
    trimtab = 'models: {M: {holdings: {A: 100}}}\naccount_mappings: {ACC: M}\n'
    assert load_account_mappings(write(tmp_path, "t.yaml", trimtab)) == {"ACC": "M"}
    fails(("account_mappings", "model"), load_account_mappings,
          write(tmp_path, "b.yaml", mapped.replace('"DU123456": "GTAA"', '"DU123456": ["GTAA"]')))
