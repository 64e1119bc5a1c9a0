# Shared by run.sh and soak.sh: dependencies, ports, starting and stopping the two servers.
# Sourced, not run. Every server started here is killed by the EXIT trap (sig_cleanup).

SIG_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIG_REPO=$(cd "$SIG_HERE/../.." && pwd)
# The anchor: the Node reference server (the seed's handlers on socket.io 4.8) and its package
# lock, carried in the repo so that the bench runs from a fresh clone.
SHARED=${SHARED:-$SIG_HERE/reference}
JAR=${JAR:-$SIG_REPO/server/target/dialtone.jar}
# Heap: 512 MiB cap, small initial heap so RSS reflects use, not reservation. G1 is the JVM's
# default on this 2-core machine; override with JAVA_OPTS="..." to try others.
JAVA_OPTS=${JAVA_OPTS:-"-Xms64m -Xmx512m -XX:+UseG1GC"}
CLK_TCK=$(getconf CLK_TCK)

SIG_PIDS=()
SIG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dialtone-sigbench.XXXXXX")

sig_cleanup() {
  local p
  for p in "${SIG_PIDS[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null || true
  done
  for p in "${SIG_PIDS[@]:-}"; do
    [ -n "$p" ] && wait "$p" 2>/dev/null || true
  done
  rm -rf "$SIG_TMP"
}
trap sig_cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# npm ci the reference's package lock once (into a cached temp copy keyed by the lock's hash) and
# point NODE_PATH at it, so ref-server.js and our load.js resolve the same socket.io 4.8.4 /
# client 4.8.4.
ensure_deps() {
  if [ -n "${SIG_NODE_MODULES:-}" ] && [ -d "$SIG_NODE_MODULES/socket.io-client" ]; then
    :
  elif [ -d "$SHARED/node_modules/socket.io-client" ]; then
    SIG_NODE_MODULES=$SHARED/node_modules
  else
    local key dir
    key=$(sha1sum "$SHARED/package-lock.json" | cut -c1-12)
    dir=${TMPDIR:-/tmp}/dialtone-sigbench-deps-$key
    if [ ! -d "$dir/node_modules/socket.io-client" ]; then
      log "npm ci of $SHARED/package-lock.json into $dir"
      rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
      cp "$SHARED/package.json" "$SHARED/package-lock.json" "$dir.tmp/"
      (cd "$dir.tmp" && npm ci --no-audit --no-fund --loglevel=error >&2)
      rm -rf "$dir" && mv "$dir.tmp" "$dir"
    fi
    SIG_NODE_MODULES=$dir/node_modules
  fi
  export NODE_PATH=$SIG_NODE_MODULES
}

free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

wait_port() { # port pid
  local i
  for i in $(seq 1 300); do
    if ! kill -0 "$2" 2>/dev/null; then log "server $2 died"; return 1; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  log "port $1 not ready after 60 s"; return 1
}

# A fresh random JWT secret, 48 bytes (HS256 wants at least 32), the same for both servers.
SECRET=${SECRET:-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}

# start_server node|dialtone|dialtone-aot|dialtone-edge|dialtone-edge-aot|dialtone-b PORT LOGFILE  -> sets SERVER_PID, and SERVER_URL
# (where clients connect: the port, or for dialtone-edge(-aot) a free edge port over TLS, as clients
# behind a firewall that lets only 443 out do; its certificate is made here, self-signed, with openssl).
# dialtone-b is a second Dialtone, JAR_B with JAVA_OPTS_B (each defaults to the first's), to compare
# two builds or two JVM settings in one run.
start_server() {
  local kind=$1 port=$2 logf=$3 edge=() edge_port=""
  SERVER_URL="http://127.0.0.1:$port"
  if [ "$kind" = dialtone-edge ] || [ "$kind" = dialtone-edge-aot ]; then
    edge_port=$(free_port)
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
      -keyout "$SIG_TMP/edge-key.pem" -out "$SIG_TMP/edge-cert.pem" 2>/dev/null
    edge=(-Ddialtone.edge.host=127.0.0.1 -Ddialtone.edge.port="$edge_port"
      -Ddialtone.edge.cert-file="$SIG_TMP/edge-cert.pem" -Ddialtone.edge.key-file="$SIG_TMP/edge-key.pem")
    SERVER_URL="https://127.0.0.1:$edge_port"
  fi
  case "$kind" in
    node)
      node -r "$SIG_HERE/loopback.js" "$SHARED/ref-server.js" --port "$port" --secret "$SECRET" >"$logf" 2>&1 &
      SERVER_PID=$!
      ;;
    dialtone|dialtone-aot|dialtone-edge|dialtone-edge-aot|dialtone-b)
      # A private copy: the lead may rebuild the jar while we run.
      local jar="$SIG_TMP/dialtone-$port.jar" aot=() opts=$JAVA_OPTS source_jar=$JAR
      if [ "$kind" = dialtone-b ]; then opts=${JAVA_OPTS_B:-$JAVA_OPTS}; source_jar=${JAR_B:-$JAR}; fi
      cp "$source_jar" "$jar"
      if [ "$kind" = dialtone-aot ] || [ "$kind" = dialtone-edge-aot ]; then
        # The cache is tied to the jar's path: train it for this copy (server/aot/train.sh).
        log "AOT training run for $jar"
        TRAIN_JAVA_OPTS="$opts" bash "$SIG_REPO/server/aot/train.sh" "$jar" "$SIG_TMP/dialtone-$port.aot" >&2
        aot=(-XX:AOTCache="$SIG_TMP/dialtone-$port.aot")
      fi
      # shellcheck disable=SC2086
      java $opts "${aot[@]}" "${edge[@]}" \
        -Ddialtone.signaling.host=127.0.0.1 -Ddialtone.signaling.port="$port" \
        -Ddialtone.relay.enabled=false \
        -Ddialtone.http.host=127.0.0.1 -Ddialtone.http.port="$(free_port)" \
        -Ddialtone.auth.jwt-secret="$SECRET" -Ddialtone.turn.secret=bench-turn-secret \
        -Ddialtone.signaling.limits.calls-per-minute=100000 \
        -Ddialtone.signaling.limits.max-signal-bytes=65536 \
        -jar "$jar" >"$logf" 2>&1 &
      SERVER_PID=$!
      ;;
    *) log "unknown server $kind"; return 1 ;;
  esac
  SIG_PIDS+=("$SERVER_PID")
  wait_port "$port" "$SERVER_PID" || return 1
  [ -z "$edge_port" ] || wait_port "$edge_port" "$SERVER_PID"
}

stop_server() { # pid
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
