#!/usr/bin/env bash
# Browser end-to-end tests of the web UI against the real server:
#   1. builds the UI (web/dist), then the server binary, which embeds web/dist at build time;
#   2. starts `agented serve` on a free loopback port with a fresh data folder and a fake `claude`
#      (fixtures/fake-claude.sh) that replays recorded stream-json output;
#   3. runs tests/*.test.mjs with Node's test runner, driving Debian's Chromium through playwright-core;
#   4. stops the server and removes the data folder (kept, with the server's log, when a test fails).
#
# Needs: Node 20.19+, cargo, and /usr/bin/chromium (`apt-get install -y chromium`).
# Options (environment):
#   E2E_SKIP_BUILD=1    use the existing web/dist and binary as they are
#   E2E_KEEP_DATA=1     keep the data folder and server log even when everything passes
#   CHROMIUM=path       another Chromium binary
#   E2E_BIG_LOG=n       lines in the big-log test (default 1000000; 0 skips it)
#   E2E_SERVER_WRAPPER  a command put before the server's, e.g.
#                       "strace -f -qq -e trace=none -e signal=SIGTERM,SIGINT -o /tmp/agented-signals"
#                       to see who signals it
# Screenshots of every test land in e2e/screenshots/.
set -euo pipefail

E2E_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$E2E_DIR/.." && pwd)
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
started_at=$(date +%s)

log() { printf '== %s\n' "$*"; }

if [ ! -x "$CHROMIUM" ]; then
  echo "No Chromium at $CHROMIUM. Install Debian's: apt-get install -y chromium (never 'npx playwright install')." >&2
  exit 1
fi

log "e2e dependencies"
(cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error)

if [ "${E2E_SKIP_BUILD:-}" != "1" ]; then
  log "web UI build (embedded into the binary next)"
  (cd "$ROOT/web" && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run build)
  log "server build"
  (cd "$ROOT" && cargo build -p agented --bin agented)
fi
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/agented"
if [ ! -x "$BIN" ]; then
  echo "No server binary at $BIN" >&2
  exit 1
fi

DATA=$(mktemp -d "${TMPDIR:-/tmp}/agented-e2e.XXXXXX")
SERVER_OUT="$DATA/server.stdout"
SERVER_ERR="$DATA/server.stderr"
mkdir -p "$DATA/run"
SERVER_PID=""
status=1

cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    # With E2E_SERVER_WRAPPER the server is the wrapper's child: stop it first, or it outlives us.
    for child in $(pgrep -P "$SERVER_PID" 2>/dev/null); do kill -TERM "$child" 2>/dev/null || true; done
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$status" -eq 0 ] && [ "${E2E_KEEP_DATA:-}" != "1" ]; then
    rm -rf "$DATA"
  else
    echo "Server data and logs kept in $DATA" >&2
  fi
  echo "e2e took $(( $(date +%s) - started_at )) s"
}
trap cleanup EXIT

log "starting the server"
# Its own working directory, so no .env or agented.toml of the checkout is read; no env admin key,
# so the first-run setup page is what a browser meets.
(
  cd "$DATA/run"
  exec env -u AGENTED_API_KEY -u AGENTED_CONFIG -u AGENTED_DATABASE_URL \
    AGENTED_DATA_DIR="$DATA/data" \
    AGENTED_BIND=127.0.0.1:0 \
    AGENTED_CLAUDE_BIN="$E2E_DIR/fixtures/fake-claude.sh" \
    AGENTED_KILL_GRACE_SECS=2 \
    AGENTED_LOG_LEVEL="${AGENTED_LOG_LEVEL:-info}" \
    ${E2E_SERVER_WRAPPER:-} "$BIN" serve
) >"$SERVER_OUT" 2>"$SERVER_ERR" &
SERVER_PID=$!

URL=""
for _ in $(seq 1 300); do
  URL=$(sed -n 's/.*listening on \(http:\/\/127\.0\.0\.1:[0-9][0-9]*\).*/\1/p' "$SERVER_OUT" | head -n 1)
  [ -n "$URL" ] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "The server exited before listening:" >&2
    cat "$SERVER_OUT" "$SERVER_ERR" >&2
    exit 1
  fi
  sleep 0.2
done
if [ -z "$URL" ]; then
  echo "The server did not say where it listens within 60 s:" >&2
  cat "$SERVER_OUT" "$SERVER_ERR" >&2
  exit 1
fi
log "server at $URL (data in $DATA)"

mkdir -p "$E2E_DIR/screenshots"
set +e
(cd "$E2E_DIR" && AGENTED_URL="$URL" CHROMIUM="$CHROMIUM" node --test --test-concurrency=1 tests/*.test.mjs)
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "---- last lines of the server's log ----" >&2
  tail -n 40 "$SERVER_ERR" >&2 || true
fi
exit "$status"
