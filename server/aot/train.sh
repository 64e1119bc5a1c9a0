#!/usr/bin/env bash
# Makes an AOT cache for dialtone.jar (JDK 25, JEPs 483/514/515): runs the jar once with
# -XX:AOTCacheOutput while train.js drives the real call path over loopback, then stops it with
# SIGTERM; the JVM writes the cache as it exits. Start the server with the cache afterwards:
#
#   bash server/aot/train.sh [JAR] [CACHE]        # defaults: server/target/dialtone.jar, <jar>.aot
#   java -XX:AOTCache=server/target/dialtone.aot -jar server/target/dialtone.jar
#
# The cache is only valid for the same JDK build and the same jar at the same path: make it where
# the jar will run (the Docker image does it at build time), and again after every upgrade. A
# stale or mismatched cache is not an error: the JVM says so in one warning and starts without it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=$(realpath "${1:-$HERE/../target/dialtone.jar}")
CACHE=$(realpath -m "${2:-${JAR%.jar}.aot}")
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
[ -f "$JAR" ] || { echo "train.sh: no jar at $JAR (build it first)" >&2; exit 1; }

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
# The relay listens on its port over UDP and TCP: a port free for both.
free_relay_port() {
  node -e "
    const net = require('net'), dgram = require('dgram');
    (function attempt(left) {
      const t = net.createServer().listen(0, '127.0.0.1', () => {
        const port = t.address().port, u = dgram.createSocket('udp4');
        u.once('error', () => { t.close(); if (left > 0) attempt(left - 1); else process.exit(1); });
        u.bind(port, '127.0.0.1', () => { console.log(port); u.close(); t.close(); });
      });
    })(20);"
}

if [ ! -d "$HERE/node_modules/socket.io-client" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

SIGNALING=$(free_port)
HTTP=$(free_port)
RELAY=$(free_relay_port)
SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
LOG=$(mktemp "${TMPDIR:-/tmp}/dialtone-aot-train.XXXXXX.log")
rm -f "$CACHE"

"$JAVA" -XX:AOTCacheOutput="$CACHE" ${TRAIN_JAVA_OPTS:-} \
  -Ddialtone.signaling.host=127.0.0.1 -Ddialtone.signaling.port="$SIGNALING" \
  -Ddialtone.http.host=127.0.0.1 -Ddialtone.http.port="$HTTP" \
  -Ddialtone.relay.listen-addresses.0=127.0.0.1 -Ddialtone.relay.port="$RELAY" -Ddialtone.relay.tls-port=0 \
  -Ddialtone.auth.jwt-secret="$SECRET" -Ddialtone.turn.secret="$SECRET" \
  -Ddialtone.signaling.limits.calls-per-minute=100000 \
  -jar "$JAR" >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 300); do
  kill -0 "$PID" 2>/dev/null || { echo "train.sh: the server exited during start; log: $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
  node -e "require('http').get('http://127.0.0.1:$HTTP/readyz',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))" \
    2>/dev/null && break
  sleep 0.2
done

node "$HERE/train.js" --url "http://127.0.0.1:$SIGNALING" --secret "$SECRET" --relay-port "$RELAY" \
  --rounds "${ROUNDS:-4}" --calls "${CALLS:-40}"

kill -TERM "$PID"
wait "$PID" || { echo "train.sh: the server did not exit cleanly; log: $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
trap - EXIT
[ -s "$CACHE" ] || { echo "train.sh: no cache written; log: $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
echo "AOT cache: $CACHE ($(du -h "$CACHE" | cut -f1)); start with: java -XX:AOTCache=$CACHE -jar $JAR"
rm -f "$LOG"
