#!/usr/bin/env bash
# Where does Dialtone's CPU go, kernel included? Like profile.sh, but samples the server's threads
# with Linux perf (cpu-clock, call graphs) during the measured phase, and names JIT-compiled Java
# frames from the JVM's perf map (jcmd Compiler.perfmap). Needs `perf` (Debian linux-perf) and
# permission to profile a process of this user (kernel.perf_event_paranoid <= 1, or root).
#
#   bash bench/signaling/perf.sh       # knobs: PAIRS=100 CALLS=200 WARMUP=200 CLIENT_DEFLATE=default|off OUT=dir
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PAIRS=${PAIRS:-100}
CALLS=${CALLS:-200}
WARMUP=${WARMUP:-200}
CLIENT_DEFLATE=${CLIENT_DEFLATE:-default}
OUT=${OUT:-$SIG_TMP}
command -v perf >/dev/null || { log "no perf (apt-get install linux-perf)"; exit 1; }
mkdir -p "$OUT"
ensure_deps
echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ) loadavg=$(cut -d' ' -f1-3 /proc/loadavg) jar_sha1=$(sha1sum "$JAR" | cut -c1-12) java_opts=$JAVA_OPTS"
port=$(free_port)
JAVA_OPTS="$JAVA_OPTS -XX:+PreserveFramePointer" start_server dialtone "$port" "$OUT/dialtone.log"
pid=$SERVER_PID
node "$SIG_HERE/load.js" --url "http://127.0.0.1:$port" --secret "$SECRET" --pid "$pid" --pairs "$PAIRS" \
  --calls "$WARMUP" --warmup 0 --idle 0 --settle-ms 500 --client-deflate "$CLIENT_DEFLATE" --label warmup >/dev/null
# perf stops by itself after 120 s at most; the measured run ends it sooner
timeout -s INT 120 perf record -F 999 -g -p "$pid" -o "$OUT/perf.data" 2>"$OUT/perf-record.log" &
perf_pid=$!
sleep 1
node "$SIG_HERE/load.js" --url "http://127.0.0.1:$port" --secret "$SECRET" --pid "$pid" --pairs "$PAIRS" \
  --calls "$CALLS" --warmup 0 --idle 0 --settle-ms 500 --client-deflate "$CLIENT_DEFLATE" --label profiled
kill -INT "$perf_pid" 2>/dev/null || true
wait "$perf_pid" 2>/dev/null || true
jcmd "$pid" Compiler.perfmap >/dev/null
stop_server "$pid"
# report SORT PERCENT-LIMIT LINES [perf report options]: shares of the event loops' samples
report() {
  perf report -i "$OUT/perf.data" --stdio --percent-limit "$2" --sort "$1" -g none "${@:4}" 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | head -"$3"
}
echo; echo "== by thread (all of the server's samples)"; report comm 1 12 --no-children
echo; echo "== event loops: kernel vs user (dso)"; report dso 1 12 --no-children --comms nioEventLoopGro
echo; echo "== event loops: system calls, inclusive"
report sym 0.5 400 --children --comms nioEventLoopGro | grep -E '\[k\] (__x64_sys_|do_syscall_64|entry_SYSCALL)' | head -12
echo; echo "== event loops: hottest symbols (self)"; report sym 0.6 45 --no-children --comms nioEventLoopGro
