#!/usr/bin/env bash
# Side by side, in one run, on loopback with equal settings: coturn and Dialtone's relay under the
# same turnutils_uclient loads (3 sizes) and under ChannelDataFlood (saturation). Reports loss,
# messages/s, server CPU per relayed message (from /proc) and RSS.
# Usage: compare.sh [outfile]
# Env: DPORT/CPORT/PEER_PORT (34780/34790/34800), ROUNDS (1), FLOOD_SECS (5), FLOOD_ALLOCS (20), LOADS ("10 1000 20,50 1000 10,100 1000 5":
#      uclient clients msgs interval_ms; empty = flood only), PIN (empty; e.g. "1:0" runs both
#      servers on CPU 1 and every load generator on CPU 0, so each relay gets exactly one core)
# Every load is bounded in count and time; only 127.0.0.1 is used.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-/tmp/relay-compare.txt}
ROUNDS=${ROUNDS:-1}; FLOOD_SECS=${FLOOD_SECS:-5}; FLOOD_ALLOCS=${FLOOD_ALLOCS:-20}
SECRET=benchsecret; DPORT=${DPORT:-34780}; CPORT=${CPORT:-34790}; export PEER_PORT=${PEER_PORT:-34800}
LOADS=${LOADS-"10 1000 20,50 1000 10,100 1000 5"}
PIN=${PIN:-}; SERVER_CPU=${PIN%%:*}; CLIENT_CPU=${PIN##*:}
export SERVER_PIN=${PIN:+taskset -c $SERVER_CPU} CLIENT_PIN=${PIN:+taskset -c $CLIENT_CPU}
CP=$("$HERE/classpath.sh")
DPID=$("$HERE/relay-start.sh" $DPORT $SECRET bench /tmp/dialtone-bench) || exit 1
CPID=$("$HERE/coturn-start.sh" $CPORT $SECRET bench /tmp/coturn-bench) || { kill "$DPID"; exit 1; }
trap 'kill $DPID $CPID 2>/dev/null' EXIT
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
rss() { awk '/VmRSS/ {print $2/1024 " MB"}' "/proc/$1/status"; }
flood() { # port pid rate -> one result line with server CPU per relayed packet
  local c0 c1 line relayed
  c0=$(ticks "$2")
 line=$($CLIENT_PIN java -cp "$CP" -Dlogback.configurationFile="$HERE/logback-bench.xml" "$HERE/ChannelDataFlood.java" \
    127.0.0.1 "$1" $SECRET "$FLOOD_ALLOCS" "$FLOOD_SECS" 5000000 100 "${3:-0}" 2>>/tmp/relay-flood-errors.log | grep '^flood:')
  c1=$(ticks "$2")
  relayed=$(echo "$line" | grep -oE 'relayed=[0-9]+' | cut -d= -f2)
  echo "$line server_cpu=$(awk -v t=$((c1 - c0)) -v r="${relayed:-0}" -v hz="$(getconf CLK_TCK)" \
    'BEGIN{printf "%.2f core-s, %.2f us/relayed pkt", t/hz, (r>0 ? t/hz/r*1e6 : 0)}')"
}
{
  echo "# relay comparison $(date -u +%FT%TZ) on $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)${PIN:+, pinned servers:generators $PIN}"
  echo "# coturn $(turnserver --version 2>/dev/null | head -1) pid $CPID; Dialtone pid $DPID ($(java -version 2>&1 | head -1))"
  echo "## warm-up (JIT), not counted: one uclient load and one flood against each"
  for target in "$DPORT $DPID" "$CPORT $CPID"; do
    set -- $target
    MAX_SECS=60 $CLIENT_PIN "$HERE/uclient-load.sh" 127.0.0.1 "$1" $SECRET 50 500 100 5 peer "$2" >/dev/null
    flood "$1" "$2" >/dev/null
  done
  for round in $(seq 1 "$ROUNDS"); do
    IFS=, read -ra loads <<<"$LOADS"
    for load in "${loads[@]}"; do
      set -- $load
      echo "## uclient load: $1 clients x $2 msgs, 100 B, every $3 ms (round $round)"
      for target in "dialtone $DPORT $DPID" "coturn $CPORT $CPID"; do
        set -- $target $load
        echo "- $1: $(MAX_SECS=90 $CLIENT_PIN "$HERE/uclient-load.sh" 127.0.0.1 "$2" $SECRET "$4" "$5" 100 "$6" peer "$3" \
          | grep -E '^(summary|server_cpu)' | tr '\n' ' ')"
      done
    done
    echo "## ChannelDataFlood saturation: $FLOOD_ALLOCS allocations, 100 B, ${FLOOD_SECS}s, as fast as the generator sends (round $round)"
    echo "- dialtone: $(flood $DPORT "$DPID")"
    echo "- coturn:   $(flood $CPORT "$CPID")"
  done
  echo "## RSS at the end: dialtone $(rss "$DPID"), coturn $(rss "$CPID")"
} | tee "$OUT"
