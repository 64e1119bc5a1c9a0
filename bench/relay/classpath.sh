#!/usr/bin/env bash
# Compiles the relay module and what it needs (no tests) and prints its runtime classpath,
# target/classes first. One reactor build: common comes from its target/classes, not from ~/.m2
# (nothing is installed there, so no other checkout's build is ever picked up or disturbed).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=(-B -q -pl relay -am compile dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile=target/runtime.cp)
mvn -o "${BUILD[@]}" >/dev/null 2>&1 || mvn "${BUILD[@]}" >/dev/null
echo "$ROOT/relay/target/classes:$(cat relay/target/runtime.cp)"
