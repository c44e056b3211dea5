#!/usr/bin/env bash
# The main job on the embedded demo: plan the example accounts against their model portfolios.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "### Korean two-level model (MP x Sub-MP) on a KRW account"
trimtab plan --model examples/models.yaml --model-name KR-ALLWEATHER --snapshot examples/snapshot-kr.yaml
echo
echo "### GTAA (SPMO / SMH / IAU) on a USD account"
trimtab plan --model examples/models.yaml --model-name GTAA --snapshot examples/snapshot-gtaa.json
