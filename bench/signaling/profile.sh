#!/usr/bin/env bash
# Where does Dialtone's CPU go under the benchmark's call load? Starts Dialtone, warms it up, and
# profiles the measured phase only, with one of:
#   PROFILER=jfr (default): Java Flight Recorder (settings=profile); prints the share of CPU
#     samples by area (permessage-deflate, JSON, netty-socketio, Dialtone's own code, netty) and
#     the hottest frames. Java code only.
#   PROFILER=perf: Linux perf (cpu-clock, call graphs) on the server's threads, JIT-compiled frames
#     named from the JVM's perf map (jcmd Compiler.perfmap); prints CPU by thread, kernel against
#     Java, the system calls and the hottest symbols of the event loops, then the system calls and
#     context switches per call of a second measured run (perf stat). Needs `perf` (Debian
#     linux-perf) and leave to profile this user's processes (kernel.perf_event_paranoid <= 1, or root).
#
#   bash bench/signaling/profile.sh   # knobs: PROFILER=jfr|perf PAIRS=100 CALLS=200 WARMUP=200 CLIENT_DEFLATE=default|off OUT=dir (perf's data)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PROFILER=${PROFILER:-jfr}
PAIRS=${PAIRS:-100}
CALLS=${CALLS:-200}
WARMUP=${WARMUP:-200}
CLIENT_DEFLATE=${CLIENT_DEFLATE:-default}
OUT=${OUT:-$SIG_TMP}
case "$PROFILER" in
  jfr) ;;
  perf) command -v perf >/dev/null || { log "no perf (apt-get install linux-perf)"; exit 1; }
        JAVA_OPTS="$JAVA_OPTS -XX:+PreserveFramePointer" ;;
  *) log "PROFILER is jfr or perf, not $PROFILER"; exit 1 ;;
esac
mkdir -p "$OUT"
ensure_deps
echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ) loadavg=$(cut -d' ' -f1-3 /proc/loadavg) jar_sha1=$(sha1sum "$JAR" | cut -c1-12) client_deflate=$CLIENT_DEFLATE java_opts=$JAVA_OPTS profiler=$PROFILER"
port=$(free_port)
start_server dialtone "$port" "$OUT/dialtone.log"
pid=$SERVER_PID
load() { # label: one run of CALLS calls per pair
  node "$SIG_HERE/load.js" --url "http://127.0.0.1:$port" --secret "$SECRET" --pid "$pid" --pairs "$PAIRS" \
    --calls "$CALLS" --warmup 0 --idle 0 --settle-ms 500 --client-deflate "$CLIENT_DEFLATE" --label "$1"
}
# warm-up run (not recorded), then the recorded run
CALLS=$WARMUP load warmup >/dev/null

if [ "$PROFILER" = jfr ]; then
  jfr="$OUT/dialtone.jfr"
  jcmd "$pid" JFR.start name=bench settings=profile >/dev/null
  load profiled
  jcmd "$pid" JFR.stop name=bench filename="$jfr" >/dev/null
  stop_server "$pid"
  jfr print --stack-depth 64 --events jdk.ExecutionSample "$jfr" > "$OUT/samples.txt"
  jfr print --stack-depth 3 --events jdk.NativeMethodSample "$jfr" > "$OUT/native.txt"
  node "$SIG_HERE/jfr-summary.js" "$OUT/samples.txt" "$OUT/native.txt"
  exit 0
fi

# perf stops by itself after 120 s at most; the measured run ends it sooner
timeout -s INT 120 perf record -F 999 -g -p "$pid" -o "$OUT/perf.data" 2>"$OUT/perf-record.log" &
recorder=$!
sleep 1
load profiled
kill -INT "$recorder" 2>/dev/null || true
wait "$recorder" 2>/dev/null || true
jcmd "$pid" Compiler.perfmap >/dev/null
stats=(raw_syscalls:sys_enter syscalls:sys_enter_read syscalls:sys_enter_write syscalls:sys_enter_writev
       syscalls:sys_enter_epoll_wait context-switches)
timeout -s INT 120 perf stat -x, -e "$(IFS=,; echo "${stats[*]}")" -p "$pid" -o "$OUT/perf-stat.txt" &
counter=$!
sleep 1
load counted >/dev/null
kill -INT "$counter" 2>/dev/null || true
wait "$counter" 2>/dev/null || true
stop_server "$pid"
# report SORT PERCENT-LIMIT LINES [perf report options]
report() {
  # never fails: a section with nothing to show (some perf versions resolve no dso for JIT frames) prints nothing
  perf report -i "$OUT/perf.data" --stdio --percent-limit "$2" --sort "$1" -g none "${@:4}" 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | head -"$3" || true
}
echo; echo "== by thread (share of all the server's samples)"; report comm 1 12 --no-children
echo; echo "== event loops: where their own time goes (self, share of the loops' samples)"
report sym 0 100000 --no-children --comms nioEventLoopGro | awk '
  { p = $1; sub("%", "", p); total += p
    if ($2 == "[k]") c = "kernel"
    else if ($0 ~ /corundumstudio/) c = "netty-socketio"
    else if ($0 ~ /fasterxml/) c = "Jackson"
    else if ($0 ~ /io\.netty\.handler\.codec\.http/) c = "Netty HTTP and websocket codecs"
    else if ($0 ~ /io\.netty/) c = "Netty (pipeline, buffers, event loop)"
    else if ($0 ~ /dev\.dialtone/) c = "Dialtone"
    else if ($0 ~ /ch\.qos\.logback|org\.slf4j/) c = "logging"
    else c = "JDK, JVM, libc"
    share[c] += p }
  END { for (c in share) printf "  %5.1f%%  %s\n", 100 * share[c] / total, c }' | sort -rn
echo; echo "== event loops: system calls, inclusive"
report sym 0.5 400 --children --comms nioEventLoopGro | grep -E '\[k\] (__x64_sys_|ksys_|do_writev|do_syscall_64)' | head -12 || true
echo; echo "== event loops: hottest symbols (self)"; report sym 0.6 45 --no-children --comms nioEventLoopGro
echo; echo "== per call, second measured run ($((PAIRS * CALLS)) calls)"
awk -F, -v calls=$((PAIRS * CALLS)) '$3 != "" && $1 ~ /^[0-9]/ { printf "%8.2f  %s\n", $1 / calls, $3 }' "$OUT/perf-stat.txt"
