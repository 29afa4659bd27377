#!/usr/bin/env bash
# Foundation benchmark (issue 2): throughput and latency of the HTTP edge, idle memory, start-up.
# Runs the release binary on loopback with wrk (Debian's package) at concurrency 64 on this machine.
# Usage: bench/http.sh [seconds-per-run]   Results: printed, and appended to bench/results/http.txt
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked --bin agented -p agented >/dev/null
cargo build --release --locked -p agented-api --example hello >/dev/null
bin=target/release/agented
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export AGENTED_DATA_DIR=$work/data AGENTED_LOG_LEVEL=warn
# Per-key and public limits off: we measure the server, not the limiter's refusals (the limiter
# itself still runs on every request).
export AGENTED_RATE_LIMIT_PER_KEY_PER_MIN=0 AGENTED_RATE_LIMIT_PUBLIC_PER_MIN=0
port=20777
mkdir -p bench/results
out=bench/results/http.txt
{ echo "== $(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null) $(nproc) cores"; } | tee -a "$out"

key=$($bin keys create --role admin --label bench | grep '^  agd_' | tr -d ' ')

# Start-up to ready with an existing database: spawn, then poll liveness every millisecond.
startup() {
  local t0 t1
  t0=$(date +%s%N)
  AGENTED_BIND=127.0.0.1:$port $bin serve >/dev/null 2>&1 &
  until curl -sf -o /dev/null http://127.0.0.1:$port/health/liveness; do sleep 0.001; done
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}
ms=$(startup)
echo "startup_to_ready_ms $ms" | tee -a "$out"
sleep 2
pid=$(pgrep -f "$bin serve" | head -n 1)
echo "idle_rss_kb $(awk '/VmRSS/ {print $2}' /proc/$pid/status)" | tee -a "$out"

run() {
  local name=$1; shift
  echo "-- $name" | tee -a "$out"
  wrk -t2 -c64 -d"${secs}s" --latency "$@" | grep -E 'Requests/sec|Latency|50%|99%' | tee -a "$out"
}
run "liveness (all middleware)" http://127.0.0.1:$port/health/liveness
run "authenticated list GET /admin/rbac/roles" -H "X-API-Key: $key" http://127.0.0.1:$port/admin/rbac/roles
echo "busy_rss_kb $(awk '/VmRSS/ {print $2}' /proc/$pid/status)" | tee -a "$out"
kill "$pid"; wait "$pid" 2>/dev/null || true

target/release/examples/hello 127.0.0.1:20999 & hello=$!
sleep 0.3
run "bare axum hello-world (baseline)" http://127.0.0.1:20999/
kill $hello
