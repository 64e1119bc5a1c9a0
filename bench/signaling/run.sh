#!/usr/bin/env bash
# Side-by-side signaling benchmark: the Node reference server (bench/signaling/
# reference/ref-server.js, socket.io 4.8) and Dialtone (server/target/dialtone.jar), each started fresh on
# a loopback port and driven by the same generator (load.js, seed protocol only), one after the
# other in one run. Prints one JSON line per measurement and a comparison table at the end.
#
#   bash bench/signaling/run.sh
#
# Knobs (environment): PAIRS=100 CALLS=300 WARMUP=200 (per pair; the warm-up lets the JIT finish) IDLE=2000 SDP=4000 PROCS="1 2"
#   (generator processes; each value is a separate measurement of both servers) ROUNDS=1
#   (repeat everything, servers alternating) SETTLE_MS=3000 (pause before measuring)
#   RATE=0 (calls/s offered over all pairs, measured phase and warm-up; 0: each pair calls again as soon as
#   its call ended, so the generator's speed sets the rate and the CPU per call moves with it)
#   STORM_MS=0 (after the measured phase, every idle socket drops and reconnects within this many
#   ms; back = Dialtone's iceServers / Node's connect) CLIENT_DEFLATE=default|off (off: the clients do
#   not offer permessage-deflate; a diagnostic, see README) TRANSPORT=websocket|default (default:
#   the clients connect as socket.io-client does by default, long-polling then the upgrade) SERVERS="node dialtone" (also
#   dialtone-aot: Dialtone started with an AOT cache trained by server/aot/train.sh; dialtone-edge: the
#   clients connect through Dialtone's edge port over TLS, https and wss, as behind a 443-only firewall;
#   dialtone-edge-aot: the same with the AOT cache;
#   dialtone-b: a second Dialtone from JAR_B with JAVA_OPTS_B, to compare builds or JVM options in one run) JAVA_OPTS="-Xms64m
#   -Xmx512m -XX:+UseG1GC" JAR=server/target/dialtone.jar RESULTS=dir (default: a new
#   bench/signaling/results/<UTC time>/, kept; raw JSON lines in results.jsonl).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PAIRS=${PAIRS:-100}
CALLS=${CALLS:-300}
WARMUP=${WARMUP:-200}
IDLE=${IDLE:-2000}
SDP=${SDP:-4000}
PROCS=${PROCS:-"1 2"}
CLIENT_DEFLATE=${CLIENT_DEFLATE:-default}
TRANSPORT=${TRANSPORT:-websocket}
ROUNDS=${ROUNDS:-1}
SERVERS=${SERVERS:-"node dialtone"}
SETTLE_MS=${SETTLE_MS:-3000}
STORM_MS=${STORM_MS:-0}
RATE=${RATE:-0}
RESULTS=${RESULTS:-$SIG_HERE/results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RESULTS"

ensure_deps
# Thousands of sockets on both ends: as many descriptors as this shell may have.
ulimit -n "$(ulimit -Hn)"
[ -f "$JAR" ] || { log "no jar at $JAR (build it with the README's command)"; exit 1; }

{
  echo "date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "loadavg_start=$(cat /proc/loadavg)"
  echo "cores=$(nproc)"
  echo "node=$(node -v)"
  echo "java=$(java -version 2>&1 | head -1)"
  echo "java_opts=$JAVA_OPTS"
  echo "jar_sha1=$(sha1sum "$JAR" | cut -c1-12) jar_mtime=$(date -u -r "$JAR" +%Y-%m-%dT%H:%M:%SZ)"
  case " $SERVERS " in *" dialtone-b "*)
    echo "java_opts_b=${JAVA_OPTS_B:-$JAVA_OPTS}"
    echo "jar_b_sha1=$(sha1sum "${JAR_B:-$JAR}" | cut -c1-12)" ;; esac
  echo "git_head=$(git -C "$SIG_REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "pairs=$PAIRS calls_per_pair=$CALLS warmup_per_pair=$WARMUP idle=$IDLE sdp=$SDP procs=\"$PROCS\" rounds=$ROUNDS client_deflate=$CLIENT_DEFLATE transport=$TRANSPORT rate=$RATE"
} | tee "$RESULTS/env.txt" >&2

for round in $(seq 1 "$ROUNDS"); do
  for procs in $PROCS; do
    for server in $SERVERS; do
      port=$(free_port)
      label="$server procs=$procs round=$round"
      log "start $label on 127.0.0.1:$port (loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
      start_server "$server" "$port" "$RESULTS/$server-p$procs-r$round.log"
      pid=$SERVER_PID
      ready_event=connect; [ "$server" = node ] || ready_event=iceServers
      if ! node "$SIG_HERE/load.js" --url "$SERVER_URL" --secret "$SECRET" --pid "$pid" \
          --pairs "$PAIRS" --calls "$CALLS" --warmup "$WARMUP" --idle "$IDLE" --sdp "$SDP" \
          --procs "$procs" --settle-ms "$SETTLE_MS" --storm-ms "$STORM_MS" --ready-event "$ready_event" --clk-tck "$CLK_TCK" --label "$label" --client-deflate "$CLIENT_DEFLATE" --transport "$TRANSPORT" --rate "$RATE" \
          | tee -a "$RESULTS/results.jsonl"; then
        log "load.js failed for $label"
      fi
      stop_server "$pid"
    done
  done
done

echo "loadavg_end=$(cat /proc/loadavg)" | tee -a "$RESULTS/env.txt" >&2
node "$SIG_HERE/summarize.js" "$RESULTS/results.jsonl" "$RESULTS/env.txt" | tee "$RESULTS/summary.md"
log "results in $RESULTS"
