#!/usr/bin/env bash
# Issue 4's HTTP benchmark: POST /v1/decisions (a generated strategy of 200 actions, 100,000
# simulated customers, every decision durable in the journal before it is answered) against a
# trivial axum JSON echo handler, under the same wrk load on the same box, run twice each,
# alternating. Prints requests/s, p50 and p99 for both, and the ratio.
# Knobs: DURATION (20s), CONNECTIONS (64), THREADS (2), ACTIONS (200), SUBSCRIBERS (100000).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ACTIONS=${ACTIONS:-200}
SUBSCRIBERS=${SUBSCRIBERS:-100000}

if ! command -v wrk >/dev/null; then
  echo "== installing wrk (the load generator)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
  fi
fi
cargo build --release -p concord
bin=./target/release/concord
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" bench decide --actions "$ACTIONS" --write-strategy "$work/strategy" >/dev/null
"$bin" demo --strategy "$work/strategy" --data "$work/data" --subscribers "$SUBSCRIBERS" \
  --traffic 0 --listen 127.0.0.1:18080 >"$work/demo.out" 2>"$work/demo.err" &
pids+=($!)
"$bin" bench echo --listen 127.0.0.1:18090 >"$work/echo.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  if curl -sf http://127.0.0.1:18080/readyz >/dev/null 2>&1 && grep -q "streaming live" "$work/demo.err"; then
    break
  fi
  sleep 0.5
done
curl -sf http://127.0.0.1:18080/readyz >/dev/null || { echo "demo did not get ready"; cat "$work/demo.err"; exit 1; }
key=$(grep -oE 'channel-[0-9a-f]+' "$work/demo.out" | head -1)

cat >"$work/load.lua" <<'LUA'
-- Each request asks for a different customer (ids 27820000001..27820100000), in the USSD menu.
local n = 0
local key = os.getenv("KEY")
local target = os.getenv("TARGET")
local subscribers = tonumber(os.getenv("SUBSCRIBERS"))
request = function()
  n = n + 1
  local id = string.format("2782%07d", (n * 7919) % subscribers + 1)
  local body = '{"customer_id":"' .. id .. '","channel":"ussd","placement":"menu"}'
  return wrk.format("POST", target, {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key}, body)
end
LUA

run() { # name url path
  local out
  out=$(KEY="$key" TARGET="$3" SUBSCRIBERS="$SUBSCRIBERS" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/load.lua" "$2")
  if echo "$out" | grep -qE "Non-2xx|Socket errors"; then
    echo "$out" >&2
    echo "error: $1 answered errors" >&2
    exit 1
  fi
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  echo "| $1 | $rps | $p50 | $p99 |"
  echo "$rps" >>"$work/$1.rps"
}

echo "concord HTTP benchmark: $ACTIONS actions, $SUBSCRIBERS customers, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores"
echo "| server | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
for _ in 1 2; do
  run echo http://127.0.0.1:18090 /echo
  run decisions http://127.0.0.1:18080 /v1/decisions
done
sum() { awk '{ s += $1 } END { print s }' "$1"; }
awk -v e="$(sum "$work/echo.rps")" -v d="$(sum "$work/decisions.rps")" \
  'BEGIN { printf "decisions / echo: %.1f%% of the echo ceiling (goal >= 70%%)\n", 100 * d / e }'
