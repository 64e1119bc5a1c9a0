#!/usr/bin/env bash
# TURN over TCP at scale: CLIENTS turnutils_uclient TCP clients (-t), each one allocation relaying
# paced 100-byte ChannelData messages to a turnutils_peer echo through Dialtone's relay (run alone,
# as relay-start.sh runs it). Prints uclient's loss and the relay's peak RSS and thread count
# (kernel threads: carriers of the virtual threads included) sampled every 0.5 s during the run.
# Usage: bash bench/relay/stream-clients.sh [CLIENTS=400] [MSGS=100] [INTERVAL_MS=100]
# (relay-start.sh builds the relay with classpath.sh first).
# Env: PORT (23478), PEER_PORT (23480), MAX_SECS (120, hard bound of the load), JAVA_OPTS.
# Loopback only; stops only the processes it started.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENTS=${1:-400}; MSGS=${2:-100}; IVL=${3:-100}
PORT=${PORT:-23478}; export PEER_PORT=${PEER_PORT:-23480}; export MAX_SECS=${MAX_SECS:-120}
OUT=${OUTDIR:-/tmp/dialtone-stream-clients}; mkdir -p "$OUT"

RPID=$("$HERE/relay-start.sh" "$PORT" benchsecret bench "$OUT" | tail -1)
trap 'kill "$RPID" 2>/dev/null || true' EXIT
sleep 1
status() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$RPID/status"; }
echo "relay pid $RPID idle: RSS $(status VmRSS) kB, $(status Threads) threads"

UCLIENT_EXTRA="-t" OUTDIR="$OUT" bash "$HERE/uclient-load.sh" 127.0.0.1 "$PORT" benchsecret \
    "$CLIENTS" "$MSGS" 100 "$IVL" peer "$RPID" >"$OUT/load.txt" 2>&1 &
LOAD=$!
PEAK_RSS=0; PEAK_THREADS=0
while kill -0 "$LOAD" 2>/dev/null; do
  R=$(status VmRSS); T=$(status Threads)
  [ "${R:-0}" -gt "$PEAK_RSS" ] && PEAK_RSS=$R
  [ "${T:-0}" -gt "$PEAK_THREADS" ] && PEAK_THREADS=$T
  sleep 0.5
done
wait "$LOAD" || true
cat "$OUT/load.txt"
echo "relay during $CLIENTS TURN/TCP clients: peak RSS $((PEAK_RSS / 1024)) MB, peak $PEAK_THREADS threads" \
     "(JAVA_OPTS=${JAVA_OPTS:--Xms16m -Xmx128m -XX:+UseSerialGC})"
