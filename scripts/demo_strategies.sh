#!/usr/bin/env bash
# Strategies sharing one account, on the paper broker (issue 13, docs/strategies.md):
#   * a KRW account split 60/40 between a core strategy (KR-ALLWEATHER) and an alpha strategy (KR-ALPHA);
#   * a USDT crypto account with a spot strategy and a futures strategy, each on its own wallet;
# each strategy rebalances its own slice, the ledger sums to the broker's holdings, and a trade made at the broker
# behind trimtab's back shows up as MANUAL in the reconciliation report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
DEMO="${DEMO_STRATEGIES_DIR:-$PWD/.demo/strategies}"
rm -rf "$DEMO" && mkdir -p "$DEMO"
export TRIMTAB_DATABASE_URL="sqlite:///$DEMO/trimtab.db"
export COLUMNS="${COLUMNS:-160}"

# Every line of a reconciliation is "matched": the strategies' ledger adds up to what the broker holds.
all_matched() {
  trimtab ledger reconcile "$1" --dry-run --json | python3 -c '
import json, sys
lines = json.load(sys.stdin)["lines"]
odd = [line["symbol"] for line in lines if line["status"] != "matched"]
print(f"ledger vs broker: {len(lines)} symbols, all matched" if not odd else f"NOT matched: {odd}")
sys.exit(1 if odd else 0)'
}

echo "### The paper accounts and the models (examples/models.yaml, examples/strategies/models.yaml)"
trimtab init --demo --crypto
trimtab models import examples/strategies/models.yaml

echo; echo "### A KRW account shared by two strategies: core 60 %, alpha 40 % of its equity"
trimtab accounts add SLEEVES-KR --broker paper --currency KRW --cash 100000000 --name "Core and alpha"
trimtab strategies add SLEEVES-KR core --weight 60 --model KR-ALLWEATHER
trimtab strategies add SLEEVES-KR alpha --weight 40 --model KR-ALPHA
trimtab strategies capital SLEEVES-KR

echo; echo "### Both strategies rebalance their own slices in one run (orders on one symbol netted)"
trimtab rebalance SLEEVES-KR --strategies all --execute
trimtab ledger show SLEEVES-KR
all_matched SLEEVES-KR

echo; echo "### Someone buys 10 x 229200 in the broker's app: reconciliation books it to MANUAL"
python -m trimtab_testkit.paper_manual SLEEVES-KR buy 229200 10
trimtab ledger reconcile SLEEVES-KR
all_matched SLEEVES-KR

echo; echo "### One strategy alone: alpha's slice (its holdings, its cash reservation); in band, nothing to do"
trimtab rebalance SLEEVES-KR --strategy alpha --execute

echo; echo "### A crypto account: a spot strategy and a futures strategy, each on its own wallet's equity"
trimtab strategies add DEMO-CRYPTO spot --weight 1 --market-type spot --model CRYPTO-SPOT
trimtab strategies add DEMO-CRYPTO perp --weight 1 --market-type futures --model CRYPTO-PERP
trimtab ledger reconcile DEMO-CRYPTO   # the coins it started with belong to no strategy: the day's REB_ bucket
trimtab strategies capital DEMO-CRYPTO
trimtab rebalance DEMO-CRYPTO --strategies all --execute
trimtab ledger show DEMO-CRYPTO
all_matched DEMO-CRYPTO

echo; echo "### Equity per strategy (attributed by the ledger)"
trimtab performance snapshot SLEEVES-KR
trimtab performance snapshot DEMO-CRYPTO
echo; echo "demo done: database $DEMO/trimtab.db"
