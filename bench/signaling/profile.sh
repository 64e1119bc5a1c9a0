#!/usr/bin/env bash
# Where does Dialtone's CPU go under the benchmark's call load? Starts Dialtone with Java Flight
# Recorder (settings=profile), warms it up, records the measured phase only, and prints the
# share of CPU samples by area (permessage-deflate, JSON, netty-socketio, Dialtone's own code,
# netty) and the hottest frames.
#
#   bash bench/signaling/profile.sh            # knobs: PAIRS=100 CALLS=200 WARMUP=200 CLIENT_DEFLATE=default|off
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PAIRS=${PAIRS:-100}
CALLS=${CALLS:-200}
WARMUP=${WARMUP:-200}
CLIENT_DEFLATE=${CLIENT_DEFLATE:-default}
ensure_deps
echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ) loadavg=$(cut -d' ' -f1-3 /proc/loadavg) jar_sha1=$(sha1sum "$JAR" | cut -c1-12) client_deflate=$CLIENT_DEFLATE java_opts=$JAVA_OPTS"
port=$(free_port)
start_server dialtone "$port" "$SIG_TMP/dialtone.log"
pid=$SERVER_PID
jfr="$SIG_TMP/dialtone.jfr"
# warm-up run (not recorded), then the recorded run
node "$SIG_HERE/load.js" --url "http://127.0.0.1:$port" --secret "$SECRET" --pid "$pid" --pairs "$PAIRS" \
  --calls "$WARMUP" --warmup 0 --idle 0 --settle-ms 500 --client-deflate "$CLIENT_DEFLATE" --label warmup >/dev/null
jcmd "$pid" JFR.start name=bench settings=profile >/dev/null
node "$SIG_HERE/load.js" --url "http://127.0.0.1:$port" --secret "$SECRET" --pid "$pid" --pairs "$PAIRS" \
  --calls "$CALLS" --warmup 0 --idle 0 --settle-ms 500 --client-deflate "$CLIENT_DEFLATE" --label profiled
jcmd "$pid" JFR.stop name=bench filename="$jfr" >/dev/null
stop_server "$pid"
jfr print --stack-depth 64 --events jdk.ExecutionSample "$jfr" > "$SIG_TMP/samples.txt"
jfr print --stack-depth 3 --events jdk.NativeMethodSample "$jfr" > "$SIG_TMP/native.txt"
node "$SIG_HERE/jfr-summary.js" "$SIG_TMP/samples.txt" "$SIG_TMP/native.txt"
