#!/usr/bin/env bash
# The dashboard's screenshots in docs/ (desktop 1280 px, phone 390 px), taken by its browser tests in headless
# Chromium on the demo database with the paper clock pinned. Look at them after a change to the pages.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
TRIMTAB_SCREENSHOTS="$PWD/docs" .venv/bin/pytest -q -p no:cacheprovider tests/browser -k "sqlite and (executes or bad_band)"
