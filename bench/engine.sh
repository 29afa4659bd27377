#!/usr/bin/env bash
# Execution-engine benchmark (issue "Execution engine"): spawn latency, 200 concurrent chatty runs,
# 1,000-subscriber SSE fan-out, idle SSE memory, replay of a 1,000,000-line log. Each measurement
# runs the release server on loopback with a fresh data directory and a fake agent CLI; see the
# docs at the top of crates/agented-bench/src/main.rs for what is measured and how.
# Usage: bench/engine.sh [all|spawn-latency|concurrent-runs|sse-fanout|idle-sse|replay] [flags]
#   e.g. bench/engine.sh                      (everything, full size)
#        bench/engine.sh all --runs 20 --seconds 5 --subscribers 200 --lines 100000   (quick)
#        bench/engine.sh sse-fanout --rate 1000
# Results: printed, and appended to bench/results/engine.txt. Exit status 1 if a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin agented -p agented >/dev/null
cargo build --release --locked -p agented-bench >/dev/null
mkdir -p bench/results
out=bench/results/engine.txt
[ $# -eq 0 ] && set -- all
echo "== $(date -u +%FT%TZ) $(nproc) cores; agented-bench $*" | tee -a "$out"
status=0
target/release/agented-bench "$@" 2>&1 | tee -a "$out" || status=$?
exit "$status"
