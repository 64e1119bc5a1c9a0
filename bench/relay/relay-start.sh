#!/usr/bin/env bash
# Start Dialtone on loopback with the same relay settings coturn-start.sh gives coturn: its relay
# alone (StandaloneRelay.java, compiled into LOGDIR first), or, with FULL_JAR, the whole server as users run it (java -jar
# dialtone.jar: signaling and HTTP on, on SIGNALING_PORT/HTTP_PORT of 127.0.0.1, default logging), or, with
# RELAY_ONLY_JAR, that jar as a relay-only node (dialtone.signaling.enabled = false; HTTP on HTTP_PORT; JAVA_OPTS).
# Usage: relay-start.sh [port] [secret] [realm] [logdir]
# Env: RELAY_CP (classpath for the relay alone; default: classpath.sh builds it; a dialtone.jar works too),
#      JAVA_OPTS (relay alone: -Xms16m -Xmx128m -XX:+UseSerialGC), GRANTS (relay alone: what the jar's manifest
#      grants, native access and the socket descriptor for the recvmmsg reader; GRANTS= runs the JDK's reader), RELAY_OPTS (more -D settings, after
#      and so over the ones below), SERVER_PIN, FULL_JAR (path to dialtone.jar), JAR_JAVA_OPTS (full
#      jar: none, as `java -jar`), SIGNALING_PORT/HTTP_PORT (port+1 / port+2)
# Prints the Java process's PID on stdout (last line). Stop with: kill <PID>
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=${1:-3478}
SECRET=${2:-benchsecret}
REALM=${3:-bench}
LOGDIR=${4:-/tmp/dialtone-bench}
mkdir -p "$LOGDIR"
RELAY=(-Ddialtone.relay.listen-addresses.0=127.0.0.1 -Ddialtone.relay.port="$PORT" -Ddialtone.relay.tls-port=0
  -Ddialtone.relay.relay-address=127.0.0.1 -Ddialtone.relay.min-port=49152 -Ddialtone.relay.max-port=59999
  -Ddialtone.relay.allow-loopback-peers=true -Ddialtone.relay.user-quota=0 -Ddialtone.relay.total-quota=0
  -Ddialtone.turn.secret="$SECRET" -Ddialtone.turn.realm="$REALM")
# shellcheck disable=SC2206
RELAY+=(${RELAY_OPTS:-})
if [ -n "${RELAY_ONLY_JAR:-}" ]; then
  # shellcheck disable=SC2086
  ${SERVER_PIN:-} java ${JAVA_OPTS:--Xms16m -Xmx128m -XX:+UseSerialGC} "${RELAY[@]}" -Ddialtone.signaling.enabled=false \
    -Ddialtone.http.host=127.0.0.1 -Ddialtone.http.port="${HTTP_PORT:-$((PORT + 2))}" \
    -Dlogback.configurationFile="$HERE/logback-bench.xml" -jar "$RELAY_ONLY_JAR" >"$LOGDIR/relay.log" 2>&1 &
  LOG=$LOGDIR/relay.log
elif [ -n "${FULL_JAR:-}" ]; then
  # shellcheck disable=SC2086
  ${SERVER_PIN:-} java ${JAR_JAVA_OPTS:-} "${RELAY[@]}" \
    -Ddialtone.auth.jwt-secret="bench-jwt-secret-$SECRET-0123456789abcdef0123456789" \
    -Ddialtone.signaling.host=127.0.0.1 -Ddialtone.signaling.port="${SIGNALING_PORT:-$((PORT + 1))}" \
    -Ddialtone.http.host=127.0.0.1 -Ddialtone.http.port="${HTTP_PORT:-$((PORT + 2))}" \
    -Ddialtone.data-dir="$LOGDIR/data" -jar "$FULL_JAR" >"$LOGDIR/dialtone.log" 2>&1 &
  LOG=$LOGDIR/dialtone.log
else
  CP=${RELAY_CP:-$("$HERE/classpath.sh")}
  # compiled here, not run as a source file: the source launcher compiles in the relay's own JVM, and
  # javac's classes and heap then counted 48 MB in its RSS (135 against 87 MB idle) and 1 s of its CPU
  CLASSES=$LOGDIR/standalone-relay-classes
  javac -d "$CLASSES" -cp "$CP" "$HERE/StandaloneRelay.java"
  # shellcheck disable=SC2086
  ${SERVER_PIN:-} java ${JAVA_OPTS:--Xms16m -Xmx128m -XX:+UseSerialGC} \
    ${GRANTS---enable-native-access=ALL-UNNAMED --add-exports java.base/sun.nio.ch=ALL-UNNAMED} -cp "$CLASSES:$CP" "${RELAY[@]}" \
    -Dlogback.configurationFile="$HERE/logback-bench.xml" StandaloneRelay >"$LOGDIR/relay.log" 2>&1 &
  LOG=$LOGDIR/relay.log
fi
PID=$!
for i in $(seq 1 300); do   # wait up to 30 s for the UDP listener (the full jar starts more)
  if ss -Huln "sport = :$PORT" | grep -q 127.0.0.1; then break; fi
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$PID" 2>/dev/null && ss -Huln "sport = :$PORT" | grep -q 127.0.0.1 || { echo "Dialtone did not start; see $LOG" >&2; kill "$PID" 2>/dev/null; exit 1; }
echo "$PID"
