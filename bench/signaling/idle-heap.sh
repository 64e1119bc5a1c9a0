#!/usr/bin/env bash
# What an idle connection costs Dialtone, exactly: the live Java heap (after a full collection,
# `jcmd GC.class_histogram`) and the RSS, before and after IDLE socket.io clients connect and do
# nothing, per connection. RSS moves in the heap's growth steps (run.sh's "RSS per idle connection"
# varies by 2x between rounds); the live heap does not.
#
#   bash bench/signaling/idle-heap.sh
#
# Knobs (environment): SERVERS="dialtone dialtone-edge" (dialtone-edge: the clients connect through
#   the edge port over TLS, wss; dialtone-b: JAR_B with JAVA_OPTS_B) IDLE=2000 JAR JAVA_OPTS (lib.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SERVERS=${SERVERS:-"dialtone dialtone-edge"}
IDLE=${IDLE:-2000}
ulimit -n "$(ulimit -Hn)" # one descriptor per client here and in the server: this script's processes only
ensure_deps

# live heap bytes, byte[] bytes, RSS KiB
measure() { # pid
  local live
  live=$(jcmd "$1" GC.class_histogram | awk '/^Total/ { t = $3 } $4 == "[B" { b = $3 } END { print t, b }')
  echo "$live $(awk '/^VmRSS/ { print $2 }' "/proc/$1/status")"
}

rows=()
for kind in $SERVERS; do
  port=$(free_port)
  log "start $kind on 127.0.0.1:$port"
  start_server "$kind" "$port" "$SIG_TMP/$kind.log"
  sleep 2
  read -r heap0 bytes0 rss0 < <(measure "$SERVER_PID")
  node "$SIG_HERE/idle-clients.js" "$SERVER_URL" "$SECRET" "$IDLE" >"$SIG_TMP/$kind.clients" 2>&1 &
  clients=$!
  SIG_PIDS+=("$clients")
  for _ in $(seq 1 600); do
    grep -q connected "$SIG_TMP/$kind.clients" && break
    kill -0 "$clients" 2>/dev/null || break
    sleep 0.5
  done
  sleep 3
  read -r heap1 bytes1 rss1 < <(measure "$SERVER_PID")
  result=$(grep connected "$SIG_TMP/$kind.clients" || echo "clients failed: $(tail -1 "$SIG_TMP/$kind.clients")")
  log "$kind: $result"
  rows+=("$(awk -v k="$kind" -v r="$result" -v n="$IDLE" -v h0="$heap0" -v h1="$heap1" -v b0="$bytes0" -v b1="$bytes1" \
    -v r0="$rss0" -v r1="$rss1" 'BEGIN { printf "| %s | %.1f | %.1f | %.1f | %.1f / %.1f | %s |", k,
      (h1 - h0) / n / 1024, (b1 - b0) / n / 1024, (r1 - r0) / n, h0 / 1048576, h1 / 1048576, r }')")
  stop_server "$clients"
  stop_server "$SERVER_PID"
done

echo
echo "git $(git -C "$SIG_REPO" rev-parse --short HEAD 2>/dev/null || echo '?'), jar $(sha1sum "$JAR" | cut -c1-12), $IDLE idle websocket clients, $(date -u +%FT%TZ)"
echo
echo "| server | live heap per idle connection (KiB) | of which byte[] (KiB) | RSS per idle connection (KiB) | live heap before / with them (MiB) | clients |"
echo "|---|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
