"""The product needs not its test kit: trimtab-testkit is no runtime requirement of trimtab; the web stack (fastapi,
uvicorn) is one, for `trimtab serve`, and only the API entry point imports it.

import-linter keeps the code side (trimtab never imports trimtab_testkit; only trimtab.entrypoints.api imports
fastapi, starlette or uvicorn); these tests keep the packaging side, in the installed metadata and in
pyproject.toml, and scan trimtab's sources as a cheap second look at the code side.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_ONLY = {"trimtab-testkit"}
TEST_ONLY_MODULES = {"trimtab_testkit"}
WEB_MODULES = {"fastapi", "starlette", "uvicorn"}
API = ROOT / "src" / "trimtab" / "entrypoints" / "api"


def requirement_names(requirements: list[str]) -> set[str]:
    """Return the normalised project names of PEP 508 requirement strings."""
    names = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match is not None, requirement
        names.add(re.sub(r"[-_.]+", "-", match.group()).lower())
    return names


def test_trimtab_installed_metadata_requires_the_web_server_but_no_test_kit() -> None:
    names = requirement_names(importlib.metadata.requires("trimtab") or [])
    assert {"httpx", "fastapi", "uvicorn"} <= names  # the metadata was read; `trimtab serve` has its server
    assert names.isdisjoint(TEST_ONLY), sorted(names & TEST_ONLY)


def test_trimtab_pyproject_dependencies_name_no_test_kit() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    optional = [item for extra in project.get("optional-dependencies", {}).values() for item in extra]
    names = requirement_names([*project["dependencies"], *optional])
    assert "httpx" in names
    assert names.isdisjoint(TEST_ONLY), sorted(names & TEST_ONLY)


def test_test_kit_metadata_requires_the_web_stack_and_trimtab() -> None:
    names = requirement_names(importlib.metadata.requires("trimtab-testkit") or [])
    assert {"trimtab", "starlette", "uvicorn"} <= names


def imported_top_names(source: Path) -> set[str]:
    """Return the top-level package of every import statement in a module, at any depth (TYPE_CHECKING too)."""
    names = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), filename=str(source))):
        if isinstance(node, ast.Import):
            names |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None:
            names.add(node.module.partition(".")[0])
    return names


def test_trimtab_sources_import_no_test_kit_and_the_web_stack_only_in_the_api() -> None:
    sources = sorted((ROOT / "src" / "trimtab").rglob("*.py"))
    assert len(sources) > 50
    offending = {str(source.relative_to(ROOT)): sorted(imported_top_names(source) & forbidden)
                 for source in sources
                 for forbidden in [TEST_ONLY_MODULES | (set() if API in source.parents else WEB_MODULES)]
                 if imported_top_names(source) & forbidden}
    assert offending == {}
