#!/usr/bin/env bash
# trimtab on KIS without KIS: the local KIS (a faithful fake of the Open API) on 127.0.0.1, a virtual account,
# a simulated Friday session at 20 x real time, and `trimtab rebalance --broker kis --env virtual --execute`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"
DEMO="$PWD/.demo/kis"
rm -rf "$DEMO" && mkdir -p "$DEMO"
PORT="${KIS_DEMO_PORT:-18765}"

# The local KIS: the demo account file's holdings, prices and (fake) credentials; its market clock starts at
# the last Friday 10:00 in Seoul so that the demo trades in a session whatever day it is. trimtab runs on the
# same simulated clock (start, the real second it started, speed), so both see one timeline.
FRIDAY=$(python3 -c 'import datetime as d; t=d.date.today(); f=t-d.timedelta(days=(t.weekday()-4)%7 or 7); print(f"{f}T10:00:00+09:00")')
ANCHOR=$(python3 -c 'import time; print(time.time())')
SPEED=20
python -m trimtab_testkit.kis.serve --port "$PORT" --start "$FRIDAY" --speed "$SPEED" --anchor "$ANCHOR" \
  > "$DEMO/local-kis.log" 2>&1 &
FAKE=$!
trap 'kill $FAKE 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening "$DEMO/local-kis.log" 2>/dev/null && break; sleep 0.1; done
cat "$DEMO/local-kis.log"

# Credentials live in a file only its owner can read, never in the database or a log line.
umask 077
python - "$DEMO/kis-credentials.yaml" <<'PY'
import sys, yaml
from trimtab_testkit.kis.serve import DEMO_ACCOUNT_FILE
account = yaml.load(DEMO_ACCOUNT_FILE.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    yaml.safe_dump({"virtual": {key: account[key] for key in ("app_key", "app_secret", "account")}}, handle)
PY
export TRIMTAB_DATABASE_URL="sqlite:///$DEMO/trimtab.db"
export TRIMTAB_KIS_CREDENTIALS_FILE="$DEMO/kis-credentials.yaml"
export TRIMTAB_KIS_TOKEN_CACHE="$DEMO/kis-tokens.json"
export TRIMTAB_SIMULATED_CLOCK="{\"start\": \"$FRIDAY\", \"anchor\": $ANCHOR, \"speed\": $SPEED}"
# simulated seconds: wait 600 s for fills (30 s of real time at 20 x), ask every 10 s
export TRIMTAB_FILL_TIMEOUT_SECONDS=600 TRIMTAB_POLL_INTERVAL_SECONDS=10

echo "### trimtab init --demo, and a KIS account following the Korean two-level model"
trimtab init --demo > /dev/null
trimtab accounts add KIS-DEMO --broker kis --currency KRW --name "KIS virtual (local KIS)"
trimtab assign KIS-DEMO KR-ALLWEATHER
echo
echo "### Rebalance on KIS (virtual) through the local KIS at http://127.0.0.1:$PORT"
trimtab rebalance KIS-DEMO --broker kis --env virtual --base-url "http://127.0.0.1:$PORT" --execute
