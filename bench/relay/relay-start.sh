#!/usr/bin/env bash
# Start Dialtone's relay alone on loopback with the same settings coturn-start.sh gives coturn.
# Usage: relay-start.sh [port] [secret] [realm] [logdir]
# Prints the relay's PID on stdout (last line). Stop with: kill <PID>
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=${1:-3478}
SECRET=${2:-benchsecret}
REALM=${3:-bench}
LOGDIR=${4:-/tmp/dialtone-bench}
mkdir -p "$LOGDIR"
CP=$("$HERE/classpath.sh")
# shellcheck disable=SC2086
${SERVER_PIN:-} java ${JAVA_OPTS:--Xms16m -Xmx128m -XX:+UseSerialGC} -cp "$CP" \
  -Ddialtone.relay.listen-addresses.0=127.0.0.1 -Ddialtone.relay.port="$PORT" -Ddialtone.relay.tls-port=0 \
  -Ddialtone.relay.relay-address=127.0.0.1 -Ddialtone.relay.min-port=49152 -Ddialtone.relay.max-port=59999 \
  -Ddialtone.relay.allow-loopback-peers=true -Ddialtone.relay.user-quota=0 -Ddialtone.relay.total-quota=0 \
  -Ddialtone.turn.secret="$SECRET" -Ddialtone.turn.realm="$REALM" \
  -Dlogback.configurationFile="$HERE/logback-bench.xml" "$HERE/StandaloneRelay.java" >"$LOGDIR/relay.log" 2>&1 &
PID=$!
for i in $(seq 1 100); do   # wait up to 10 s for the UDP listener
  if ss -Huln "sport = :$PORT" | grep -q 127.0.0.1; then break; fi
  sleep 0.1
done
kill -0 "$PID" 2>/dev/null || { echo "relay died; see $LOGDIR/relay.log" >&2; exit 1; }
echo "$PID"
