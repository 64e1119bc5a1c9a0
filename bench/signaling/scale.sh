#!/usr/bin/env bash
# 10,000 connected sockets (issue 9): RSS per idle connection at 10,000, calls/s with them all
# connected, then a reconnect storm (all 10,000 drop and come back within 10 s), Node reference
# and Dialtone in one run.
#
#   bash bench/signaling/scale.sh           # ~5 min; knobs as run.sh's
exec env IDLE="${IDLE:-10000}" STORM_MS="${STORM_MS:-10000}" PROCS="${PROCS:-2}" \
  RESULTS="${RESULTS:-$(dirname "$0")/results/$(date -u +%Y%m%dT%H%M%SZ)-scale}" \
  bash "$(dirname "$0")/run.sh"
