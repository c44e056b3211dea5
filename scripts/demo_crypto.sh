#!/usr/bin/env bash
# trimtab on Binance without Binance: the local Binance (spot /api/v3 and USDT-margined futures /fapi) on
# 127.0.0.1, a simulated clock at 10 x real time shared with trimtab, and one model rebalanced on a spot account
# and on a futures account with `trimtab rebalance --broker crypto --execute`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
DEMO="${DEMO_CRYPTO_DIR:-$PWD/.demo/crypto}"
rm -rf "$DEMO" && mkdir -p "$DEMO"

# The exchange's clock and trimtab's read the same simulated time (start, the real second it started, speed):
# trimtab signs its requests with it, and the exchange checks their timestamps against its recvWindow.
START="2026-11-20T12:00:00+00:00"
ANCHOR=$(python3 -c 'import time; print(time.time())')
SPEED=10
python -m trimtab_testkit.binance.serve --port "${CRYPTO_DEMO_PORT:-0}" --start "$START" --speed "$SPEED" \
  --anchor "$ANCHOR" > "$DEMO/local-binance.log" 2>&1 &
FAKE=$!
trap 'kill $FAKE 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$DEMO/local-binance.log" 2>/dev/null && break; sleep 0.1; done
cat "$DEMO/local-binance.log"
URL=$(grep -o 'http://[0-9.:]*' "$DEMO/local-binance.log")

# The demo exchange's (fake) key and secret, read from its account file; secrets never reach a log line.
eval "$(python - <<'PY'
import shlex, yaml
from trimtab_testkit.binance.serve import DEMO_EXCHANGE_FILE
account = yaml.load(DEMO_EXCHANGE_FILE.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
print(f"export TRIMTAB_CRYPTO_API_KEY={shlex.quote(account['api_key'])}")
print(f"export TRIMTAB_CRYPTO_API_SECRET={shlex.quote(account['api_secret'])}")
PY
)"
export TRIMTAB_DATABASE_URL="sqlite:///$DEMO/trimtab.db"
export TRIMTAB_CRYPTO_BASE_URL="$URL"
export TRIMTAB_CRYPTO_MARKET_TYPES='{"BN-FUT": "futures"}'
export TRIMTAB_SIMULATED_CLOCK="{\"start\": \"$START\", \"anchor\": $ANCHOR, \"speed\": $SPEED}"
export TRIMTAB_FILL_TIMEOUT_SECONDS=60 TRIMTAB_POLL_INTERVAL_SECONDS=2  # simulated seconds

echo "### A spot and a futures account on the same model (examples/crypto/models.yaml)"
trimtab init > /dev/null
trimtab models import examples/crypto/models.yaml
trimtab accounts add BN-SPOT --broker crypto --currency USDT --name "Binance spot (local)"
trimtab accounts add BN-FUT --broker crypto --currency USDT --name "Binance USDT-M futures (local)"
trimtab assign BN-SPOT CRYPTO-CORE
trimtab assign BN-FUT CRYPTO-CORE
for ACCOUNT in BN-SPOT BN-FUT; do
  echo
  echo "### $ACCOUNT: holdings, then a rebalance through the local Binance at $URL"
  trimtab holdings "$ACCOUNT"
  trimtab rebalance "$ACCOUNT" --execute
done
echo
trimtab runs list
