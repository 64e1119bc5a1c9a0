#!/usr/bin/env bash
# Side by side, in one run, on loopback with equal relay settings, under the same loads:
#   dialtone   the full jar as users run it (java -jar dialtone.jar: signaling and HTTP on too)
#   relay      Dialtone's relay alone: the same jar as a relay-only node (dialtone.signaling.enabled = false)
#   coturn     Debian's coturn (4.6.1)
#   master     coturn built from master, given by path: COTURN_MASTER=/path/to/turnserver
#              (with --rfc5766-channel-numbers: 4.6.1's uclient binds channels above 0x4FFF)
#   master-mp  the same with --multiplex-peer --udp-gso
#   floor      floor.c (../shared/bench/relay): a C forwarder, one receive and one send per datagram,
#              run at the packet rate Dialtone (the jar) produced in each load
# Loads: turnutils_uclient at three paced loads and flat out (-z 0), ChannelDataFlood (saturation), and
# TURN/TCP clients (uclient -t, paced). For each server: server CPU per echoed message (per relayed
# packet for the flood), loss, rate, peak RSS and threads; then a side-by-side table and the ratios.
# Usage: compare.sh [outfile]     (~15 min with COTURN_MASTER set)
# Env: DIALTONE_JAR (server/target/dialtone.jar, built first with `mvn package` unless BUILD=0; another
#      jar given here runs as it is),
#      COTURN_MASTER (unset: its columns are skipped), FLOOR_C (../shared/bench/relay/floor.c; none: no floor),
#      LOADS ("10 1000 20,50 1000 10,100 1000 5": uclient clients msgs interval_ms), FLAT ("60 2000":
#      clients msgs at -z 0), FLOOD_ALLOCS (20), FLOOD_SECS (5), TCP ("2000 50 200": clients msgs
#      interval_ms), TCP_PROCS (10: uclient processes the TCP clients are spread over), FLOOR_SECS (5),
#      FLOOR_MODES ("1 32": floor fwd's recvfrom/sendto and recvmmsg/sendmmsg), ROUNDS (1), WARM_ROUNDS (8:
#      most warm-up rounds), WARM_JIT_PCT (2: a Java server is warm when its JIT took at most this % of its
#      CPU in a warm-up round), SERVERS
#      (all of the above that are available, e.g. "dialtone coturn"), PIN (e.g. "1:0": servers on CPU 1,
#      generators on CPU 0)
# An empty LOADS, FLAT or TCP skips those loads. Every load is bounded in count and time; only 127.0.0.0/8
# is used; every server and helper process is stopped by its PID.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-/tmp/relay-compare.txt}
SECRET=benchsecret
LOADS=${LOADS-"10 1000 20,50 1000 10,100 1000 5"}
FLAT=${FLAT-"60 2000"}
TCP=${TCP-"2000 50 200"}; TCP_PROCS=${TCP_PROCS:-10}
FLOOD_ALLOCS=${FLOOD_ALLOCS:-20}; FLOOD_SECS=${FLOOD_SECS:-5}
FLOOR_SECS=${FLOOR_SECS:-5}; FLOOR_MODES=${FLOOR_MODES:-"1 32"}
ROUNDS=${ROUNDS:-1}
WARM_ROUNDS=${WARM_ROUNDS:-8}; WARM_JIT_PCT=${WARM_JIT_PCT:-2}
FLOOR_C=${FLOOR_C:-$ROOT/../shared/bench/relay/floor.c}
DIALTONE_JAR=${DIALTONE_JAR:-$ROOT/server/target/dialtone.jar}
export PEER_PORT=${PEER_PORT:-24800}
PIN=${PIN:-}; SERVER_CPU=${PIN%%:*}; CLIENT_CPU=${PIN##*:}
export SERVER_PIN=${PIN:+taskset -c $SERVER_CPU} CLIENT_PIN=${PIN:+taskset -c $CLIENT_CPU}
# Ports on 127.0.0.1, below the ephemeral range (32768-60999 here) so that no client connection holds
# one when a server starts: one per server (the jar's signaling and HTTP on the next two), the floor's two,
# and master-mp's relay sockets (two per relay thread from MP_PORT).
declare -A PORT=([dialtone]=24780 [relay]=24785 [coturn]=24790 [master]=24791 [master-mp]=24792)
MP_PORT=24820; FLOOR_IN=24810; FLOOR_OUT=24811
WORK=$(mktemp -d /tmp/relay-compare.XXXXXX)
declare -A PID=()
cleanup() {
  local p
  for p in "${PID[@]}"; do kill "$p" 2>/dev/null; done
  rm -f "$WORK/floor"
}
trap cleanup EXIT
die() { echo "compare.sh: $*" >&2; exit 2; }

# --- what runs ---------------------------------------------------------------------------------
if [ "$DIALTONE_JAR" = "$ROOT/server/target/dialtone.jar" ] && { [ "${BUILD:-1}" = 1 ] || [ ! -f "$DIALTONE_JAR" ]; }; then
  (cd "$ROOT" && mvn -B -q -pl server -am package -DskipTests >"$WORK/build.log" 2>&1) \
    || die "building the jar failed; see $WORK/build.log"
fi
[ -f "$DIALTONE_JAR" ] || die "no jar at $DIALTONE_JAR"
FLOOR=""
if [ "$FLOOR_C" != none ]; then
  [ -f "$FLOOR_C" ] || die "no floor source at $FLOOR_C: it is the team's ../shared/bench/relay/floor.c next to
  this repository's checkout (see bench/README.md, Relay); set FLOOR_C=/path/to/floor.c, or FLOOR_C=none to run without the floor"
  gcc -O2 -o "$WORK/floor" "$FLOOR_C" || die "gcc could not build $FLOOR_C"
  FLOOR=$WORK/floor
fi
MASTER_NOTE=""
if [ -z "${COTURN_MASTER:-}" ]; then
  MASTER_NOTE="coturn master: skipped (set COTURN_MASTER=/path/to/turnserver built from coturn master)"
elif [ ! -x "$COTURN_MASTER" ]; then
  die "COTURN_MASTER=$COTURN_MASTER is not an executable"
fi
# master-mp's uclient loads need one peer per allocation (one uclient per client) and master's own
# uclient with --no-even-port: 4.6.1's asks for EVEN-PORT on a random half of its allocations,
# which --multiplex-peer refuses with 508.
MASTER_UCLIENT=$(dirname "${COTURN_MASTER:-/nonexistent}")/turnutils_uclient
DEFAULT_SERVERS="dialtone relay coturn${COTURN_MASTER:+ master master-mp}"
read -ra SERVERS <<<"${SERVERS:-$DEFAULT_SERVERS}"

start_server() { # name -> PID on stdout
  local name=$1 port=${PORT[$1]}
  case $name in
    dialtone) FULL_JAR=$DIALTONE_JAR "$HERE/relay-start.sh" "$port" $SECRET bench "$WORK/dialtone" ;;
    relay) RELAY_ONLY_JAR=$DIALTONE_JAR "$HERE/relay-start.sh" "$port" $SECRET bench "$WORK/relay" ;;
    coturn) "$HERE/coturn-start.sh" "$port" $SECRET bench "$WORK/coturn" ;;
    master) TURNSERVER=$COTURN_MASTER COTURN_EXTRA=--rfc5766-channel-numbers \
      "$HERE/coturn-start.sh" "$port" $SECRET bench "$WORK/master" ;;
    master-mp) TURNSERVER=$COTURN_MASTER COTURN_EXTRA="--rfc5766-channel-numbers --multiplex-peer --udp-gso --multiplex-peer-port=$MP_PORT" \
      "$HERE/coturn-start.sh" "$port" $SECRET bench "$WORK/master-mp" ;;
    *) die "unknown server $name (SERVERS: dialtone relay coturn master master-mp)" ;;
  esac
}
for s in "${SERVERS[@]}"; do
  [[ $s == master* ]] && [ -z "${COTURN_MASTER:-}" ] && die "SERVERS names $s but COTURN_MASTER is unset"
  [ "$s" = master-mp ] && [ ! -x "$MASTER_UCLIENT" ] && die "master-mp needs master's turnutils_uclient next to COTURN_MASTER ($MASTER_UCLIENT)"
  PID[$s]=$(start_server "$s") || die "$s did not start"
done

# --- measuring -----------------------------------------------------------------------------------
HZ=$(getconf CLK_TCK)
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
# Peak RSS (MB) and threads of a PID, sampled every 0.2 s into a file until killed (at most 10 min).
sample_peaks() {
  local rss=0 thr=0 r t i
  for ((i = 0; i < 3000; i++)); do
    read -r r t < <(awk '/^VmRSS/ {r=$2} /^Threads/ {t=$2} END {print r+0, t+0}' "/proc/$1/status" 2>/dev/null)
    [ "${r:-0}" -gt "$rss" ] && rss=$r
    [ "${t:-0}" -gt "$thr" ] && thr=$t
    echo "$((rss / 1024)) $thr" >"$2.new" && mv "$2.new" "$2"   # whole lines only, whenever it is killed
    sleep 0.2
  done
}
declare -A US=() LOSS=() RATE=() RSS=() THR=() FLOOR_US=() FLOOR_AT=()
# record load server us loss rate: the numbers of one measurement, with the peaks of its sampler
record() {
  local peaks
  read -r peaks <"$WORK/peaks" 2>/dev/null
  US[$1,$2]=$3; LOSS[$1,$2]=$4; RATE[$1,$2]=$5; RSS[$1,$2]=${peaks% *}; THR[$1,$2]=${peaks#* }
}
with_peaks() { # server command... : runs the command while sampling the server's peaks
  local pid=${PID[$1]} sampler rc
  shift
  echo "0 0" >"$WORK/peaks"
  sample_peaks "$pid" "$WORK/peaks" &
  sampler=$!
  "$@"; rc=$?
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
  return $rc
}

# uclient load: load-name server clients msgs interval [extra uclient flags] [processes] -> prints the
# line, records. Every run gets peers on fresh addresses (PEER_NET), see uclient-load.sh.
PEER_NET=0
uclient_run() {
  local load=$1 s=$2 clients=$3 msgs=$4 ivl=$5 extra=${6:-} procs=${7:-1} uclient=turnutils_uclient out
  if [ "$s" = master-mp ]; then
    procs=$clients; uclient=$MASTER_UCLIENT; extra="$extra --no-even-port"
  fi
  PEER_NET=$((PEER_NET % 250 + 1))
  out=$(with_peaks "$s" env MAX_SECS=180 OUTDIR="$WORK/uclient-$s" PROCS="$procs" PEER_NET=$PEER_NET UCLIENT="$uclient" UCLIENT_EXTRA="$extra" \
    $CLIENT_PIN "$HERE/uclient-load.sh" 127.0.0.1 "${PORT[$s]}" $SECRET "$clients" "$msgs" 100 "$ivl" peer "${PID[$s]}" \
    | grep -E '^(cmd|summary|server_cpu|note)')
  # Loss against what every client should have sent: a client that failed to allocate counts too.
  local recv rate us
  recv=$(grep -oE 'recv=[0-9]+' <<<"$out" | cut -d= -f2)
  rate=$(grep -oE 'recv_msgs/s\(transmit\)=[0-9]+' <<<"$out" | cut -d= -f2)
  us=$(grep -oE '[0-9.]+ us CPU per echoed msg' <<<"$out" | cut -d' ' -f1)
  [ "${recv:-0}" -gt 0 ] || us=""
  record "$load" "$s" "$us" "$(awk -v r="${recv:-0}" -v e=$((clients * msgs)) 'BEGIN{printf "%.2f", 100*(e-r)/e}')" "${rate:-0}"
  echo "- $s: $(grep -Ev '^(cmd|note)' <<<"$out" | tr '\n' ' ')| peak RSS ${RSS[$load,$s]} MB, ${THR[$load,$s]} threads"
  grep '^note' <<<"$out" | sed 's/^/  /'
  [ "$procs" -gt 1 ] && echo "  ($(grep '^cmd' <<<"$out" | cut -c6-))"
}

# ChannelDataFlood: load-name server -> one line; relayed packets/s, loss and CPU per relayed packet
flood_run() {
  local load=$1 s=$2 c0 c1 line relayed
  c0=$(ticks "${PID[$s]}")
  line=$(with_peaks "$s" $CLIENT_PIN java -cp "$DIALTONE_JAR" -Dlogback.configurationFile="$HERE/logback-bench.xml" \
    "$HERE/ChannelDataFlood.java" 127.0.0.1 "${PORT[$s]}" $SECRET "$FLOOD_ALLOCS" "$FLOOD_SECS" 5000000 100 0 "$FLOOD_ALLOCS" \
    2>>"$WORK/flood-errors.log" | grep '^flood:')
  c1=$(ticks "${PID[$s]}")
  relayed=$(grep -oE 'relayed=[0-9]+' <<<"$line" | cut -d= -f2)
  local us=""
  [ "${relayed:-0}" -gt 0 ] && us=$(awk -v t=$((c1 - c0)) -v r="$relayed" -v hz="$HZ" 'BEGIN{printf "%.2f", t/hz/r*1e6}')
  record "$load" "$s" "$us" "$(grep -oE 'loss=[0-9.]+' <<<"$line" | cut -d= -f2)" \
    "$(grep -oE 'relayed_rate=[0-9]+' <<<"$line" | cut -d= -f2)"
  echo "- $s: ${line:-no result (see $WORK/flood-errors.log)} server_cpu=$(awk -v t=$((c1 - c0)) -v hz="$HZ" 'BEGIN{printf "%.2f", t/hz}') core-s, ${us:-?} us/relayed pkt | peak RSS ${RSS[$load,$s]} MB, ${THR[$load,$s]} threads"
}

# The floor at a packet rate: gen -> fwd -> sink for FLOOR_SECS; fwd's CPU (schedstat, ns) per packet
# that reached the sink. load-name pkt/s per-unit (2: per echoed message, 1: per packet)
floor_run() {
  local load=$1 rate=$2 unit=$3 mode fwd sink c0 c1 got best=""
  [ -n "$FLOOR" ] || return 0
  [ "${rate:-0}" -gt 0 ] || { echo "- floor: no rate to run at (Dialtone produced none)"; return 0; }
  local line="- floor at $rate pkt/s:"
  for mode in $FLOOR_MODES; do
    $SERVER_PIN "$FLOOR" fwd $FLOOR_IN $FLOOR_OUT "$mode" >/dev/null &
    fwd=$!
    $CLIENT_PIN "$FLOOR" sink $FLOOR_OUT $((FLOOR_SECS + 2)) >"$WORK/sink.out" &
    sink=$!
    for _ in $(seq 1 50); do
      ss -Huln "sport = :$FLOOR_IN" | grep -q . && ss -Huln "sport = :$FLOOR_OUT" | grep -q . && break
      sleep 0.1
    done
    c0=$(cut -d' ' -f1 "/proc/$fwd/schedstat")
    $CLIENT_PIN "$FLOOR" gen $FLOOR_IN "$FLOOR_SECS" "$rate" >/dev/null
    sleep 0.3
    c1=$(cut -d' ' -f1 "/proc/$fwd/schedstat")
    kill "$fwd"; wait "$sink" 2>/dev/null; wait "$fwd" 2>/dev/null
    got=$(grep -oE '[0-9]+' "$WORK/sink.out")
    local us
    us=$(awk -v ns=$((c1 - c0)) -v n="${got:-0}" -v u="$unit" 'BEGIN{ if (n > 0) printf "%.2f", u*ns/1000/n }')
    line="$line mode $mode: ${got:-0} forwarded, $(awk -v ns=$((c1 - c0)) 'BEGIN{printf "%.2f", ns/1e9}') core-s, ${us:-?} us per $([ "$unit" = 2 ] && echo "2 packets" || echo packet);"
    if [ -n "$us" ] && { [ -z "$best" ] || awk -v a="$us" -v b="$best" 'BEGIN{exit !(a < b)}'; }; then best=$us; fi
  done
  FLOOR_US[$load]=$best; FLOOR_AT[$load]=$rate
  echo "$line"
}

# CPU ticks of a JVM's JIT compiler threads (C1, C2); 0 for a server that has none
jit_ticks() {
  local t sum=0
  for t in /proc/"$1"/task/*; do
    case $(cat "$t/comm" 2>/dev/null) in
      C1\ Compiler*|C2\ Compiler*) sum=$((sum + $(awk '{print $14+$15}' "$t/stat" 2>/dev/null || echo 0))) ;;
    esac
  done
  echo "$sum"
}
# A server is warm when its JIT is done with the paths the loads run: until then, compiling them costs
# more CPU than relaying (C2 was still compiling the allocation and request path in the measured loads
# after a single warm-up load).
warm_up() {
  local s=$1 pid=${PID[$1]} round c0 j0 c1 j1 pct
  for ((round = 1; round <= WARM_ROUNDS; round++)); do
    c0=$(ticks "$pid"); j0=$(jit_ticks "$pid")
    uclient_run warm "$s" 100 250 5 >/dev/null
    flood_run warm "$s" >/dev/null
    if [ -n "$TCP" ] && [ "$s" != master-mp ]; then uclient_run warm "$s" 1000 20 50 -t "$TCP_PROCS" >/dev/null; fi
    c1=$(ticks "$pid"); j1=$(jit_ticks "$pid")
    pct=$(awk -v j=$((j1 - j0)) -v c=$((c1 - c0)) 'BEGIN{printf "%.1f", (c > 0 ? 100*j/c : 0)}')
    echo "- $s: warm-up round $round: server CPU $(awk -v c=$((c1 - c0)) -v hz="$HZ" 'BEGIN{printf "%.2f", c/hz}') core-s, JIT ${pct}% of it"
    awk -v p="$pct" -v m="$WARM_JIT_PCT" 'BEGIN{exit !(p <= m)}' && return 0
  done
}

# --- the run ---------------------------------------------------------------------------------------
LOAD_NAMES=()
describe() { case $1 in
  u:*) set -- ${1#u:}; echo "uclient $1 clients x $2 msgs, 100 B, every $3 ms" ;;
  flat:*) set -- ${1#flat:}; echo "uclient flat out: $1 clients x $2 msgs, 100 B, -z 0" ;;
  flood) echo "ChannelDataFlood: $FLOOD_ALLOCS allocations to $FLOOD_ALLOCS sinks, 100 B, ${FLOOD_SECS}s flat out (us per relayed packet)" ;;
  tcp:*) set -- ${1#tcp:}; echo "TURN/TCP: uclient -t, $1 clients ($TCP_PROCS processes) x $2 msgs, 100 B, every $3 ms" ;;
esac; }
IFS=, read -ra paced <<<"$LOADS"
for l in "${paced[@]}"; do [ -n "$l" ] && LOAD_NAMES+=("u:$l"); done
[ -n "$FLAT" ] && LOAD_NAMES+=("flat:$FLAT")
LOAD_NAMES+=(flood)
[ -n "$TCP" ] && LOAD_NAMES+=("tcp:$TCP")

label() { case $1 in # short, for the tables
  u:*) set -- ${1#u:}; echo "$1 clients / $3 ms" ;;
  flat:*) set -- ${1#flat:}; echo "$1 clients flat out" ;;
  flood) echo "flood, per packet" ;;
  tcp:*) set -- ${1#tcp:}; echo "TCP $1 clients / $3 ms" ;;
esac; }

run_load() { # load server
  local load=$1 s=$2 c0 j0 c1 j1
  c0=$(ticks "${PID[$s]}"); j0=$(jit_ticks "${PID[$s]}")
  run_load_once "$load" "$s"
  c1=$(ticks "${PID[$s]}"); j1=$(jit_ticks "${PID[$s]}")
  [ "$j1" -gt 0 ] && echo "  (JIT compiler threads: $(awk -v j=$((j1 - j0)) -v c=$((c1 - c0)) 'BEGIN{printf "%.1f", (c > 0 ? 100*j/c : 0)}')% of $s's CPU in this load)"
}
run_load_once() { # load server
  local load=$1 s=$2
  case $load in
    u:*) set -- ${load#u:}; uclient_run "$load" "$s" "$1" "$2" "$3" ;;
    flat:*) set -- ${load#flat:}; uclient_run "$load" "$s" "$1" "$2" 0 ;;
    flood) flood_run "$load" "$s" ;;
    tcp:*)
      if [ "$s" = master-mp ]; then # one uclient per client, for thousands of clients: not bounded here
        echo "- master-mp: skipped (--multiplex-peer needs one peer per allocation: one uclient per client)"
      else
        set -- ${load#tcp:}; uclient_run "$load" "$s" "$1" "$2" "$3" -t "$TCP_PROCS"
      fi ;;
  esac
}

{
  echo "# relay comparison $(date -u +%FT%TZ) on $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)${PIN:+, pinned servers:generators $PIN}"
  echo "# git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+changes'), jar $(sha256sum "$DIALTONE_JAR" | cut -c1-12), $(java -version 2>&1 | head -1)"
  for s in "${SERVERS[@]}"; do
    case $s in
      dialtone) echo "# dialtone  pid ${PID[$s]}: java -jar $(basename "$DIALTONE_JAR") ${JAR_JAVA_OPTS:-} (signaling, HTTP and relay; default logging)" ;;
      relay) echo "# relay     pid ${PID[$s]}: java ${JAVA_OPTS:--Xms16m -Xmx128m -XX:+UseSerialGC} -Ddialtone.signaling.enabled=false -jar $(basename "$DIALTONE_JAR") (relay-only node)" ;;
      coturn) echo "# coturn    pid ${PID[$s]}: $(turnserver --version 2>/dev/null | head -1) (Debian)" ;;
      master) echo "# master    pid ${PID[$s]}: $COTURN_MASTER $("$COTURN_MASTER" --version 2>/dev/null | head -1), --rfc5766-channel-numbers" ;;
      master-mp) echo "# master-mp pid ${PID[$s]}: the same, --multiplex-peer --udp-gso; uclient loads: one $MASTER_UCLIENT --no-even-port per client, each with its own peer" ;;
    esac
  done
  echo "# raw outputs (server logs, every uclient's log): $WORK"
  [ -n "$MASTER_NOTE" ] && echo "# $MASTER_NOTE"
  [ -n "$FLOOR" ] && echo "# floor: gcc -O2 $FLOOR_C, fwd modes $FLOOR_MODES, ${FLOOR_SECS}s at the packet rate dialtone (else the first server) produced" \
    || echo "# floor: skipped (FLOOR_C=none)"
  echo "## warm-up, not counted: rounds of one uclient load (100 clients x 250, 5 ms), one flood$([ -n "$TCP" ] && echo " and 1,000 TURN/TCP")"
  echo "## $([ -n "$TCP" ] && echo "clients x 20 (50 ms)"); a Java server gets more rounds until its JIT compiler threads spent at most"
  echo "## ${WARM_JIT_PCT}% of its CPU in the last one (at most $WARM_ROUNDS rounds)"
  for s in "${SERVERS[@]}"; do warm_up "$s"; done
  for round in $(seq 1 "$ROUNDS"); do
    for load in "${LOAD_NAMES[@]}"; do
      echo "## $(describe "$load") (round $round)"
      for s in "${SERVERS[@]}"; do run_load "$load" "$s"; done
      ref=${SERVERS[0]}; [ -n "${RATE[$load,dialtone]:-}" ] && ref=dialtone
      if [ "$load" = flood ]; then
        floor_run "$load" "${RATE[$load,$ref]:-0}" 1
      else # an echoed message is two relayed packets
        floor_run "$load" $((2 * ${RATE[$load,$ref]:-0})) 2
      fi
    done
  done

  echo
  echo "## Side by side (last round): server CPU in us per echoed message (flood: per relayed packet), loss, rate"
  echo "## (echoed msgs/s; flood: relayed pkt/s), peak RSS, peak threads"
  header="| load |"; rule="|---|"
  for s in "${SERVERS[@]}"; do header="$header $s |"; rule="$rule---|"; done
  [ -n "$FLOOR" ] && { header="$header floor |"; rule="$rule---|"; }
  echo "$header"; echo "$rule"
  for load in "${LOAD_NAMES[@]}"; do
    row="| $(label "$load") |"
    for s in "${SERVERS[@]}"; do
      if [ -n "${RATE[$load,$s]+x}" ] && [ -z "${RATE[$load,$s]}" ]; then
        row="$row no result (see its line above) |"
      elif [ -n "${RATE[$load,$s]+x}" ]; then
        row="$row ${US[$load,$s]:-?} us, ${LOSS[$load,$s]:-?}% loss, ${RATE[$load,$s]}/s, ${RSS[$load,$s]} MB, ${THR[$load,$s]} thr |"
      else
        row="$row - |"
      fi
    done
    [ -n "$FLOOR" ] && row="$row ${FLOOR_US[$load]:-?} us at ${FLOOR_AT[$load]:-?} pkt/s |"
    echo "$row"
  done

  others=()
  for s in coturn master master-mp; do [[ " ${SERVERS[*]} " == *" $s "* ]] && others+=("$s"); done
  if [ ${#others[@]} -eq 0 ] && [ -z "$FLOOR" ]; then
    echo "# done $(date -u +%FT%TZ), load average: $(cut -d' ' -f1-3 /proc/loadavg); no ratios: neither coturn nor the floor ran"
    exit 0
  fi
  echo
  echo "## Ratios of server CPU per echoed message (flood: per packet), lower is better; floor = the better fwd mode"
  header="| load | Dialtone |"; rule="|---|---|"
  for s in "${others[@]}"; do header="$header / $s |"; rule="$rule---|"; done
  [ -n "$FLOOR" ] && { header="$header / floor |"; rule="$rule---|"; }
  echo "$header"; echo "$rule"
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a > 0 && b > 0) printf "%.2f", a/b; else printf "-" }'; }
  for load in "${LOAD_NAMES[@]}"; do
    for d in dialtone relay; do
      [[ " ${SERVERS[*]} " == *" $d "* ]] || continue
      row="| $(label "$load") | $([ $d = dialtone ] && echo "full jar" || echo "relay alone") |"
      for s in "${others[@]}"; do row="$row $(ratio "${US[$load,$d]:-0}" "${US[$load,$s]:-0}") |"; done
      [ -n "$FLOOR" ] && row="$row $(ratio "${US[$load,$d]:-0}" "${FLOOR_US[$load]:-0}") |"
      echo "$row"
    done
  done
  echo "# done $(date -u +%FT%TZ), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT"
