#!/usr/bin/env bash
# The main job on the embedded default: paper broker, SQLite, demo data.
# A fresh demo database each time (.demo/trimtab.db), so the demo always starts from the same drifted accounts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p .demo && rm -f .demo/trimtab.db .demo/trimtab.db-journal
export TRIMTAB_DATABASE_URL="sqlite:///$PWD/.demo/trimtab.db"
echo "### trimtab init --demo: database, demo models, paper accounts"
trimtab init --demo
echo
echo "### Korean two-level model on DEMO-KR: sells, supervised fills, re-planned buys"
trimtab rebalance DEMO-KR --execute
echo
echo "### GTAA (SPMO / SMH / IAU) on DEMO-US"
trimtab rebalance DEMO-US --execute
echo
echo "### History"
trimtab runs list
echo
echo "### Planning from files only (no database, no broker)"
trimtab plan --model examples/models.yaml --model-name KR-ALLWEATHER --snapshot examples/snapshot-kr.yaml
