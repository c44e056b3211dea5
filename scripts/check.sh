#!/usr/bin/env bash
# Every check and test: lint, types, import layers, the test suite. Sets itself up first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff";          ruff check src testkit/src tests benchmarks
echo "== mypy --strict"; mypy
echo "== import-linter"; lint-imports
echo "== pytest"
# pytest exits 5 when it collects no test: with `set -e` that fails the check instead of passing silently.
pytest -q -p no:cacheprovider "$@"
