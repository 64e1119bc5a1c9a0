#!/usr/bin/env bash
# Server CPU per echoed message for TURN/TCP clients, measured WARM, servers side by side: each
# server is started once and given the same uclient load ROUNDS times in a row (the JIT of the JVM
# finishes compiling the stream path over the first rounds); the last round is the one reported,
# with how much CPU the JVM's compiler threads still took during it (near 0 = warm) and where the
# server's CPU went by thread (reader/writer carriers, read poller, relay-socket loop, GC, ...).
# Usage: bash bench/relay/stream-cpu.sh [CLIENTS=2000] [MSGS=50] [INTERVAL_MS=200]
# Env: SERVERS ("relay coturn"; "before" too when BEFORE_CP is set), ROUNDS (3), PROCS (10 uclient
#      processes), RELAY_CP (the relay's classpath; default: classpath.sh builds it), BEFORE_CP (a second
#      relay classpath, e.g. an older build's, run as server "before"), JAVA_OPTS (relay-start.sh's),
#      PORT (24478), PEER_PORT (24480), MAX_SECS (90 per round), OUTDIR (/tmp/dialtone-stream-cpu),
#      TLS (empty; 1: the clients use TURN over TLS, uclient -t -S, on PORT+2, every server with the
#      same RSA-2048 certificate, made here with openssl), JAR / BEFORE_JAR (a dialtone.jar each, run
#      whole as users run it, as servers "jar" / "jar-before"), EDGE (1: the jar servers take the load on
#      their edge port, PORT+3, which speaks TLS with the same certificate under TLS=1).
# Every round uses its own peer network (127.N.0.x), so a round's allocations, left to expire by
# uclient, never hold the next round's peers. Loopback only; stops only the processes it started.
# Bounded: SERVERS x ROUNDS rounds of at most MAX_SECS each (~25 s each for 2,000 x 50 x 200 ms).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENTS=${1:-2000}; MSGS=${2:-50}; IVL=${3:-200}
ROUNDS=${ROUNDS:-3}; PROCS=${PROCS:-10}
PORT=${PORT:-24478}; export PEER_PORT=${PEER_PORT:-24480}; export MAX_SECS=${MAX_SECS:-90}
OUT=${OUTDIR:-/tmp/dialtone-stream-cpu}; mkdir -p "$OUT"
SERVERS=${SERVERS:-relay coturn${BEFORE_CP:+ before}${JAR:+ jar}${BEFORE_JAR:+ jar-before}}
[ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 10 ] || { echo "ROUNDS: 1 to 10" >&2; exit 2; }
if [[ " $SERVERS " == *" relay "* ]] && [ -z "${RELAY_CP:-}" ]; then RELAY_CP=$("$HERE/classpath.sh"); fi
HZ=$(getconf CLK_TCK)

SPID=""
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; true; }
trap cleanup EXIT

# CPU ticks per thread group of PID: thread names with their numbers cut ("C2 CompilerThre", "ForkJoinPool-",
# "GC Thread#", ...), "group ticks" lines.
thread_ticks() {
  for stat in /proc/"$1"/task/*/stat; do
    # comm is in parentheses and may hold spaces: cut around them
    sed -E 's/^[0-9]+ \((.*)\) [A-Za-z] (.*)$/\1|\2/' "$stat" 2>/dev/null
  done | awk -F'|' '{ split($2, f, " "); name = $1; gsub(/[0-9]+/, "", name); t[name] += f[11] + f[12] }
                    END { for (n in t) print n "|" t[n] }'
  # the whole process, threads that have ended included (idle carriers of virtual threads end)
  echo "process|$(awk '{print $14 + $15}' "/proc/$1/stat")"
}

LOAD_PORT=$PORT; LOAD_FLAGS=-t
if [ -n "${TLS:-}" ]; then
  LOAD_PORT=$((PORT + 2)); LOAD_FLAGS="-t -S"
  export TLS_PORT=$LOAD_PORT TLS_CERT=$OUT/cert.pem TLS_KEY=$OUT/key.pem
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=bench -keyout "$TLS_KEY" -out "$TLS_CERT" 2>/dev/null
  export RELAY_OPTS="${RELAY_OPTS:-} -Ddialtone.relay.tls-port=$TLS_PORT -Ddialtone.relay.tls-cert-file=$TLS_CERT -Ddialtone.relay.tls-key-file=$TLS_KEY"
fi

EDGE_PORT=$((PORT + 3))
# the full jar's other ports, clear of PORT+2 (TLS) and the edge port
export SIGNALING_PORT=$((PORT + 4)) HTTP_PORT=$((PORT + 5))
JAR_OPTS=""
if [ -n "${EDGE:-}" ]; then
  JAR_OPTS="-Ddialtone.edge.host=127.0.0.1 -Ddialtone.edge.port=$EDGE_PORT"
  [ -n "${TLS:-}" ] && JAR_OPTS="$JAR_OPTS -Ddialtone.edge.cert-file=$TLS_CERT -Ddialtone.edge.key-file=$TLS_KEY"
fi

NET=$((RANDOM % 100 + 100))   # peer networks NET, NET+1, ... (distinct per round and server)
for server in $SERVERS; do
  case "$server" in
    relay)  SPID=$(RELAY_CP=$RELAY_CP "$HERE/relay-start.sh" "$PORT" benchsecret bench "$OUT/$server" | tail -1) ;;
    before) SPID=$(RELAY_CP=$BEFORE_CP "$HERE/relay-start.sh" "$PORT" benchsecret bench "$OUT/$server" | tail -1) ;;
    coturn) SPID=$("$HERE/coturn-start.sh" "$PORT" benchsecret bench "$OUT/$server" | tail -1) ;;
    jar|jar-before)
      THIS_JAR=$([ "$server" = jar ] && echo "${JAR:?}" || echo "${BEFORE_JAR:?}")
      SPID=$(FULL_JAR=$THIS_JAR RELAY_OPTS="${RELAY_OPTS:-} $JAR_OPTS" "$HERE/relay-start.sh" "$PORT" benchsecret bench \
          "$OUT/$server" | tail -1) ;;
    *) echo "unknown server $server" >&2; exit 2 ;;
  esac
  SERVER_LOAD_PORT=$LOAD_PORT
  if [ -n "${EDGE:-}" ] && [[ "$server" == jar* ]]; then
    SERVER_LOAD_PORT=$EDGE_PORT
    for _ in $(seq 1 300); do ss -Htln "sport = :$EDGE_PORT" | grep -q 127.0.0.1 && break; sleep 0.1; done
  fi
  for round in $(seq 1 "$ROUNDS"); do
    thread_ticks "$SPID" >"$OUT/$server.threads0"
    PEER_NET=$NET PROCS=$PROCS UCLIENT_EXTRA=$LOAD_FLAGS OUTDIR="$OUT/$server-load" bash "$HERE/uclient-load.sh" \
        127.0.0.1 "$SERVER_LOAD_PORT" benchsecret "$CLIENTS" "$MSGS" 100 "$IVL" peer "$SPID" >"$OUT/$server.round$round" 2>&1 || true
    thread_ticks "$SPID" >"$OUT/$server.threads1"
    NET=$((NET + 1))
    COMPILER=$(awk -F'|' -v hz="$HZ" 'NR == FNR { a[$1] = $2; next } $1 ~ /Compiler/ { c += $2 - a[$1] }
                                     END { printf "%.2f", c / hz }' "$OUT/$server.threads0" "$OUT/$server.threads1")
    LINE=$(grep -E '^summary:' "$OUT/$server.round$round" | sed -E 's/.*(sent=[0-9]+ recv=[0-9]+ loss=[0-9.]+%).*/\1/')
    CPU=$(grep -oE '[0-9.]+ us CPU per echoed msg' "$OUT/$server.round$round" | grep -oE '^[0-9.]+')
    printf '%-7s round %d: %s  server %s us per echoed msg  (compiler threads %s core-s)\n' \
        "$server" "$round" "${LINE:-no summary, see $OUT/$server.round$round}" "${CPU:-?}" "$COMPILER"
  done
  echo "$server, last round, server CPU by thread (core-s):"
  awk -F'|' -v hz="$HZ" 'NR == FNR { a[$1] = $2; next } $1 == "process" { total = $2 - a[$1]; next }
      { d = ($2 - a[$1]) / hz; listed += $2 - a[$1]; if (d >= 0.01) printf "    %6.2f  %s\n", d, $1 }
      END { printf "    %6.2f  (threads that ended during the round)\n", (total - listed) / hz }' \
      "$OUT/$server.threads0" "$OUT/$server.threads1" | sort -rn | head -12
  echo "$server: RSS $(awk '$1 == "VmRSS:" {print int($2 / 1024)}' "/proc/$SPID/status") MB," \
       "$(awk '$1 == "Threads:" {print $2}' "/proc/$SPID/status") threads after the rounds"
  kill "$SPID"
  for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done   # the port is free again
  SPID=""
  sleep 1
done
