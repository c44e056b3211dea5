#!/usr/bin/env bash
# The advisory desk's morning on Interactive Brokers without IBKR: the local IB Gateway (three paper DU accounts,
# SGD base, USD and SGD cash) on 127.0.0.1, and trimtab --broker ibkr: connection check, models and accounts
# (assigned by model_portfolios.yaml's account_mappings), ISINs resolved through IBKR's contract details, a
# positions report in SGD (Excel and CSV, FX from IBKR), a rebalance analysis of every account in one batch
# and per account (nothing sent), a client deposit (buys only), and the Day 1 / Day 2 TWS baskets.
#
#   bash scripts/demo_ibkr.sh            # files land in .demo/ibkr (DEMO_IBKR_DIR overrides)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/trimtab ] || bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
DEMO="${DEMO_IBKR_DIR:-$PWD/.demo/ibkr}"
DESK="$PWD/examples/ibkr-desk"
rm -rf "$DEMO" && mkdir -p "$DEMO"

# The local IB Gateway: the demo desk of testkit/src/trimtab_testkit/ibgw/demo_accounts.yaml on a free port.
python -m trimtab_testkit.ibgw.serve --port "${DEMO_IBKR_PORT:-0}" > "$DEMO/gateway.log" 2>&1 &
GATEWAY=$!
trap 'kill "$GATEWAY" 2>/dev/null || true; wait "$GATEWAY" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$DEMO/gateway.log" 2>/dev/null && break; sleep 0.1; done
cat "$DEMO/gateway.log"
PORT=$(sed -n 's/.*listening on .*:\([0-9][0-9]*\)$/\1/p' "$DEMO/gateway.log")
[ -n "$PORT" ] || { echo "the local IB Gateway did not start" >&2; exit 1; }

export TRIMTAB_DATABASE_URL="sqlite:///$DEMO/trimtab.db"
export TRIMTAB_IBKR_HOST=127.0.0.1 TRIMTAB_IBKR_PORT="$PORT" TRIMTAB_IBKR_CLIENT_ID=17
export COLUMNS="${COLUMNS:-160}"
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ trimtab %s\n' "$*"; trimtab "$@"; }

step "Is the gateway there, and which accounts does its login trade?"
run ibkr test-connection

step "The desk's models: the buckets of MP_Master.csv, B401 (GTAA named by ISIN), then model_portfolios.yaml (GTAA)"
run init
run models import "$DESK/MP_Master.csv"
run models import "$DESK/isin_models.csv"
echo "(model_portfolios.yaml's account_mappings put DU1000001 on GTAA, DU1000002 on B301 and DU1000003 on B401;"
echo " the accounts are new, so the import adds them on ibkr in USD)"
run models import "$DESK/model_portfolios.yaml" --create-accounts ibkr --currency USD
run accounts

step "An ISIN-only model plans once its ISINs are resolved; before that, one line names them (exit 2)"
if run rebalance DU1000003; then echo "unexpected: B401 planned before its ISINs were resolved" >&2; exit 1; fi
run securities lookup US46138E3392 US92189F6768 US4642852044
echo "(the B1xx/B2xx buckets hold Singapore unit trusts that IBKR does not list; a file would resolve them)"
if run securities lookup SG9999006225; then echo "unexpected: the gateway knows SG9999006225" >&2; exit 1; fi
run securities list

step "Positions of every account in SGD (FX: IBKR's exchange rates), Excel and CSV"
run report positions --base SGD --xlsx "$DEMO/positions.xlsx" --csv "$DEMO/positions.csv"

step "Rebalance analysis of every mapped account in one batch (one table; nothing is sent)"
run plan --all

step "Per account: the plan checked as a run, each order previewed by IBKR's what-if (nothing is sent)"
for ACCOUNT in DU1000001 DU1000002; do
  run rebalance "$ACCOUNT"
done
trimtab rebalance DU1000002 --json > "$DEMO/du1000002_dry_run.json"
echo "(the same dry run with its what-if previews as JSON: $DEMO/du1000002_dry_run.json)"

step "A client deposit: DU1000003's 2,500 USD arrived as a deposit; invest it without selling (buys only)"
run rebalance DU1000003 --deposit 2500
echo "(the seed's case: a new B301 client deposits 10,000 USD; by weight 3,334 / 3,333 / 3,333, whole shares)"
trimtab plan --model "$DESK/MP_Master.csv" --model-name B301 --snapshot "$DESK/b301_deposit_snapshot.json" \
  --deposit 10000 --cash-buffer 0 --json > "$DEMO/b301_deposit_plan.json"
run plan --model "$DESK/MP_Master.csv" --model-name B301 --snapshot "$DESK/b301_deposit_snapshot.json" \
  --deposit 10000 --cash-buffer 0

step "TWS baskets: Day 1 (MOC, whole shares of the larger positions), Day 2 (LMT on the tick, the rest)"
run basket --day 1 "$DEMO/day1.csv"
run basket --day 2 "$DEMO/day2.csv"
printf '\nday1.csv:\n'; cat "$DEMO/day1.csv"
printf '\nday2.csv:\n'; cat "$DEMO/day2.csv"
printf '\nThe desk'"'"'s files are in %s\n' "$DEMO"
