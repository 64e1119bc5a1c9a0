#!/usr/bin/env bash
# Calls/s and call setup latency: one Dialtone node (in memory), one node on Redis, and two
# nodes sharing Redis with half of the calls crossing nodes. Fresh servers (and a fresh
# redis-server) for every measurement; loopback only; everything started here is killed on exit.
#
#   bash bench/cluster/run.sh        # knobs: PAIRS (48) CALLS per pair (100) WARMUP (40) ROUNDS (1)
#                                    #        SETUPS ("one one-redis two-redis") JAVA_OPTS JAR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
JAR=${JAR:-$REPO/server/target/dialtone.jar}
JAVA_OPTS=${JAVA_OPTS:-"-Xms64m -Xmx512m -XX:+UseG1GC"}
PAIRS=${PAIRS:-48}
CALLS=${CALLS:-100}
WARMUP=${WARMUP:-40}
ROUNDS=${ROUNDS:-1}
SETUPS=${SETUPS:-"one one-redis two-redis"}
OUT=$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dialtone-clusterbench.XXXXXX")
PIDS=()

cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
wait_port() { # port: bounded (30 s)
  local i
  for i in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  log "nothing listens on $1 after 30 s"; return 1
}
stop_all() {
  local p
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  PIDS=()
}

[ -f "$JAR" ] || { log "no jar at $JAR: mvn -B -q package -DskipTests"; exit 1; }
[ -d "$REPO/e2e/node_modules/socket.io-client" ] || (cd "$REPO/e2e" && npm ci --no-audit --no-fund --loglevel=error >&2)
export NODE_PATH=$REPO/e2e/node_modules
mkdir -p "$OUT"
cp "$JAR" "$TMP/dialtone.jar"
SECRET=$(head -c 32 /dev/urandom | base64 | tr -d '/+=')
{
  echo "date: $(date -u +%FT%TZ)"; echo "git: $(git -C "$REPO" rev-parse --short HEAD)"
  echo "jar sha1: $(sha1sum "$JAR" | cut -c1-12)"; echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "cpus: $(nproc)"; echo "java: $(java -version 2>&1 | head -1)"; echo "redis: $(redis-server --version)"
  echo "node: $(node --version)"; echo "JAVA_OPTS: $JAVA_OPTS"; echo "PAIRS=$PAIRS CALLS=$CALLS WARMUP=$WARMUP ROUNDS=$ROUNDS"
} > "$OUT/env.txt"

# Both start_* set a variable rather than print: a server started inside $(...) would be a
# child of the subshell, its pid lost to stop_all.
start_node() { # name [redis-url] → NODE_URL
  local port http
  port=$(free_port); http=$(free_port)
  # shellcheck disable=SC2086
  java $JAVA_OPTS -Ddialtone.signaling.host=127.0.0.1 -Ddialtone.signaling.port="$port" \
    -Ddialtone.http.host=127.0.0.1 -Ddialtone.http.port="$http" -Ddialtone.relay.enabled=false \
    -Ddialtone.auth.jwt-secret="$SECRET" -Ddialtone.turn.secret="$SECRET" \
    -Ddialtone.signaling.limits.calls-per-minute=100000 -Ddialtone.cluster.redis-url="${2:-}" \
    -jar "$TMP/dialtone.jar" > "$OUT/$1.log" 2>&1 &
  PIDS+=($!)
  wait_port "$port"
  NODE_URL="http://127.0.0.1:$port"
}

start_redis() { # → REDIS_URL
  local port
  port=$(free_port)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no > "$OUT/redis.log" 2>&1 &
  PIDS+=($!)
  wait_port "$port"
  REDIS_URL="redis://127.0.0.1:$port"
}

for round in $(seq "$ROUNDS"); do
  for setup in $SETUPS; do
    log "round $round: $setup"
    case $setup in
      one) start_node "$setup-$round"; urls=$NODE_URL ;;
      one-redis) start_redis; start_node "$setup-$round" "$REDIS_URL"; urls=$NODE_URL ;;
      two-redis)
        start_redis
        start_node "$setup-$round-a" "$REDIS_URL"; urls=$NODE_URL
        start_node "$setup-$round-b" "$REDIS_URL"; urls="$urls,$NODE_URL" ;;
      *) log "unknown setup $setup"; exit 1 ;;
    esac
    result=$(timeout 600 node "$HERE/load.js" --urls "$urls" --secret "$SECRET" --pairs "$PAIRS" \
      --calls "$CALLS" --warmup "$WARMUP")
    echo "{\"setup\":\"$setup\",\"round\":$round,${result#\{}" | tee -a "$OUT/results.jsonl"
    stop_all
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/env.txt"
log "results in $OUT"
