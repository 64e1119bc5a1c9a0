#!/usr/bin/env bash
# Soak: does Dialtone give its memory back after mass disconnects? (netty-socketio has open leak
# reports on disconnect: issues 966, 1000, 1004.) Starts Dialtone on a loopback port, then
# soak.js runs ROUNDS rounds of CLIENTS clients that connect, call, leave a call ringing and
# disconnect (half cleanly, half killed), and after each round records heap after a forced GC
# (jcmd GC.run + GC.heap_info), RSS, NMT committed memory and live instance counts
# (jcmd GC.class_histogram).
#
#   bash bench/signaling/soak.sh
#
# Knobs: CLIENTS=2000 ROUNDS=5 CALLS=3 (per pair per round) HEAP_TOL_MIB=8 RSS_TOL_PCT=10
#   JAVA_OPTS (default as run.sh, plus -XX:NativeMemoryTracking=summary) CLIENT_DEFLATE=default|off
#   RESULTS=dir (default bench/signaling/results/soak-<UTC time>/)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CLIENTS=${CLIENTS:-2000}
ROUNDS=${ROUNDS:-5}
CALLS=${CALLS:-3}
HEAP_TOL_MIB=${HEAP_TOL_MIB:-8}
RSS_TOL_PCT=${RSS_TOL_PCT:-10}
CLIENT_DEFLATE=${CLIENT_DEFLATE:-default}
JAVA_OPTS="$JAVA_OPTS -XX:NativeMemoryTracking=summary"
RESULTS=${RESULTS:-$SIG_HERE/results/soak-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RESULTS"

ensure_deps
[ -f "$JAR" ] || { log "no jar at $JAR"; exit 1; }
{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "loadavg_start=$(cat /proc/loadavg)"
  echo "java_opts=$JAVA_OPTS"
  echo "jar_sha1=$(sha1sum "$JAR" | cut -c1-12) jar_mtime=$(date -u -r "$JAR" +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head=$(git -C "$SIG_REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "clients=$CLIENTS rounds=$ROUNDS calls_per_pair=$CALLS heap_tol_mib=$HEAP_TOL_MIB rss_tol_pct=$RSS_TOL_PCT client_deflate=$CLIENT_DEFLATE"
} | tee "$RESULTS/env.txt" >&2

port=$(free_port)
log "start dialtone on 127.0.0.1:$port"
start_server dialtone "$port" "$RESULTS/dialtone.log"
pid=$SERVER_PID
node "$SIG_HERE/soak.js" --url "http://127.0.0.1:$port" --port "$port" --secret "$SECRET" --pid "$pid" \
  --clients "$CLIENTS" --rounds "$ROUNDS" --calls "$CALLS" --heap-tol-mib "$HEAP_TOL_MIB" \
  --rss-tol-pct "$RSS_TOL_PCT" --client-deflate "$CLIENT_DEFLATE" | tee "$RESULTS/soak.out"
stop_server "$pid"
echo "loadavg_end=$(cat /proc/loadavg)" | tee -a "$RESULTS/env.txt" >&2
grep -ciE "exception|leak" "$RESULTS/dialtone.log" | sed 's/^/server log lines with exception|leak: /' >&2 || true
log "results in $RESULTS"
