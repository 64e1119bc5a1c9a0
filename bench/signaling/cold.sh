#!/usr/bin/env bash
# The first 5,000 calls after a start (issue 9's cold targets): the Node reference, Dialtone, and
# Dialtone with an AOT cache, each started fresh and measured with no warm-up, in one run.
#
#   bash bench/signaling/cold.sh            # ~2 min; knobs as run.sh's, e.g. ROUNDS=3
exec env WARMUP=0 IDLE=0 SETTLE_MS=0 PAIRS="${PAIRS:-100}" CALLS="${CALLS:-50}" PROCS="${PROCS:-1}" \
  SERVERS="${SERVERS:-node dialtone dialtone-aot}" RESULTS="${RESULTS:-$(dirname "$0")/results/$(date -u +%Y%m%dT%H%M%SZ)-cold}" \
  bash "$(dirname "$0")/run.sh"
