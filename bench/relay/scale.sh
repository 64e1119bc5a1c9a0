#!/usr/bin/env bash
# Scale of one Dialtone relay: 10,000 UDP allocations held at once, then 2,000 over TURN/TCP and
# 2,000 over TURN/TLS (one connection each), each phase relaying a paced ChannelData load through
# every allocation to an echo peer (ScaleLoad.java), and what the relay answers once its port range
# is full. Per phase: allocations held, setup time, rate, loss, server CPU per packet, RSS, threads
# and descriptors (from /proc/<relay pid>), then one "scale:" summary line.
# Usage: bash bench/relay/scale.sh [outfile]            (about 2-3 minutes)
# Env: PHASES ("udp tcp tls"), UDP_ALLOCS (10000), STREAM_ALLOCS (2000), UDP_ROUNDS (10),
#      UDP_PERIOD_MS (2000: 5,000 msgs/s for 10,000 allocations), STREAM_ROUNDS (20),
#      STREAM_PERIOD_MS (400: 5,000 msgs/s for 2,000), CAP_EXTRA (1000 more Allocates after the UDP
#      load, then as many on the full relay; 0 skips), MIN_PORT/MAX_PORT (49152/59999: 10,848 relay
#      ports), RELAY_ADDRESS (127.0.0.5, where relayed sockets bind), PORT/TLS_PORT
#      (23478/25349: below the ephemeral ports), FULL (empty: the relay alone, relay-start.sh; 1: the full jar, built when
#      missing; relay-only: the full jar as a relay-only node, dialtone.signaling.enabled = false), JAVA_OPTS (the relay's, -Xms16m -Xmx128m -XX:+UseSerialGC), LOGDIR (/tmp/dialtone-scale).
# Loopback only (relay on 127.0.0.1 and 127.0.0.5, clients on 127.0.1.1-64, echo peer on 127.0.2.1); every phase is
# bounded in count and time; the descriptor limit is raised for this script's processes only.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-/tmp/relay-scale.txt}
PHASES=${PHASES:-udp tcp tls}
UDP_ALLOCS=${UDP_ALLOCS:-10000}; STREAM_ALLOCS=${STREAM_ALLOCS:-2000}
UDP_ROUNDS=${UDP_ROUNDS:-10}; UDP_PERIOD_MS=${UDP_PERIOD_MS:-2000}
STREAM_ROUNDS=${STREAM_ROUNDS:-20}; STREAM_PERIOD_MS=${STREAM_PERIOD_MS:-400}
CAP_EXTRA=${CAP_EXTRA:-1000}
MIN_PORT=${MIN_PORT:-49152}; MAX_PORT=${MAX_PORT:-59999}
# Relayed sockets bind on an address of their own, so that other relays on the machine (other
# benches, tests) holding ports of the same range on 127.0.0.1 do not shrink this one's.
RELAY_ADDRESS=${RELAY_ADDRESS:-127.0.0.5}
PORT=${PORT:-23478}; TLS_PORT=${TLS_PORT:-25349}
LOGDIR=${LOGDIR:-/tmp/dialtone-scale}
SECRET=benchsecret
export JAVA_OPTS=${JAVA_OPTS:--Xms16m -Xmx128m -XX:+UseSerialGC} CLK_TCK=$(getconf CLK_TCK)
mkdir -p "$LOGDIR"

# One descriptor per UDP allocation (two per TCP/TLS one: connection and relay socket), in the
# relay and in the generator alike: raise this shell's soft limit to its hard limit.
ulimit -n "$(ulimit -Hn)"
NEED=$((UDP_ALLOCS + CAP_EXTRA + 2 * STREAM_ALLOCS + 500))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NEED" ]; then
  echo "descriptor limit $(ulimit -n) < $NEED: lower UDP_ALLOCS/STREAM_ALLOCS or raise the hard limit (ulimit -Hn)" >&2
  exit 1
fi

CP=$("$HERE/classpath.sh") || exit 1
RELAY_SETTINGS=(-Ddialtone.relay.relay-address="$RELAY_ADDRESS" -Ddialtone.relay.tls-port="$TLS_PORT" -Ddialtone.relay.min-port="$MIN_PORT"
  -Ddialtone.relay.max-port="$MAX_PORT" -Ddialtone.relay.user-quota=0 -Ddialtone.relay.total-quota=0)
if [ -n "${FULL:-}" ]; then
  JAR=$ROOT/server/target/dialtone.jar
  [ -f "$JAR" ] || (cd "$ROOT" && mvn -B -q -pl server -am package -DskipTests) || exit 1
  if [ "$FULL" = relay-only ]; then ROLE=(-Ddialtone.signaling.enabled=false); else ROLE=(); fi
  # shellcheck disable=SC2086
  DIALTONE_JWT_SECRET=bench-jwt-secret-bench-jwt-secret DIALTONE_TURN_SECRET=$SECRET java $JAVA_OPTS "${ROLE[@]}" \
    -Ddialtone.relay.listen-addresses.0=127.0.0.1 -Ddialtone.relay.port="$PORT" \
    -Ddialtone.relay.allow-loopback-peers=true -Ddialtone.turn.realm=bench "${RELAY_SETTINGS[@]}" \
    -Ddialtone.signaling.port=23402 -Ddialtone.http.port=23480 -Ddialtone.data-dir="$LOGDIR/data" \
    -Dlogback.configurationFile="$HERE/logback-bench.xml" -jar "$JAR" >"$LOGDIR/relay.log" 2>&1 &
  RELAY=$!
  for _ in $(seq 1 300); do   # up to 30 s for the relay's UDP listener
    ss -Huln "sport = :$PORT" | grep -q 127.0.0.1 && break
    kill -0 "$RELAY" 2>/dev/null || break
    sleep 0.1
  done
  WHAT="full jar $(basename "$JAR")${ROLE:+ as a relay-only node}"
else
  RELAY=$(RELAY_OPTS="${RELAY_SETTINGS[*]}" "$HERE/relay-start.sh" "$PORT" $SECRET bench "$LOGDIR") || exit 1
  WHAT="relay alone (relay-start.sh)"
fi
trap 'kill $RELAY 2>/dev/null' EXIT
kill -0 "$RELAY" 2>/dev/null || { echo "the relay did not start; see $LOGDIR/relay.log" >&2; exit 1; }
ss -Htln "sport = :$TLS_PORT" | grep -q 127.0.0.1 || sleep 2

status() { awk '/^(VmRSS|Threads)/ {printf "%s %s ", $1, $2}' "/proc/$RELAY/status"; }
{
  echo "# relay scale $(date -u +%FT%TZ), git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# $WHAT, pid $RELAY, JAVA_OPTS=$JAVA_OPTS, relay ports $MIN_PORT-$MAX_PORT on $RELAY_ADDRESS, descriptor limit $(ulimit -n); idle: $(status)"
  for phase in $PHASES; do
    case $phase in
      udp) args=(udp 127.0.0.1 "$PORT" $SECRET "$UDP_ALLOCS" "$UDP_ROUNDS" "$UDP_PERIOD_MS" "$RELAY" "$CAP_EXTRA") ;;
      tcp) args=(tcp 127.0.0.1 "$PORT" $SECRET "$STREAM_ALLOCS" "$STREAM_ROUNDS" "$STREAM_PERIOD_MS" "$RELAY") ;;
      tls) args=(tls 127.0.0.1 "$TLS_PORT" $SECRET "$STREAM_ALLOCS" "$STREAM_ROUNDS" "$STREAM_PERIOD_MS" "$RELAY") ;;
      *) echo "unknown phase $phase (udp, tcp, tls)" >&2; exit 1 ;;
    esac
    echo "## $phase (load average $(cut -d' ' -f1 /proc/loadavg))"
    timeout 240 java -Xmx1g -XX:+UseSerialGC -cp "$CP" -Dlogback.configurationFile="$HERE/logback-bench.xml" \
      "$HERE/ScaleLoad.java" "${args[@]}" 2>>"$LOGDIR/generator-errors.log"
    echo "- exit status $?; relay now: $(status)"
  done
  echo "# relay log lines at WARN or above: $(grep -cE ' (WARN|ERROR) ' "$LOGDIR/relay.log")"
  grep -E ' (WARN|ERROR) ' "$LOGDIR/relay.log" | cut -c1-400 | head -5
} | tee "$OUT"
# fails when a phase did (setup failures, loss, a refresh refused, a client error)
grep -q '^scale:' "$OUT" && ! grep -q '^- exit status [1-9]' "$OUT"
