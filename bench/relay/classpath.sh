#!/usr/bin/env bash
# Builds the relay module (no tests) and prints its runtime classpath, target/classes first.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
mvn -B -q -o -pl relay -am install -DskipTests >/dev/null 2>&1 || mvn -B -q -pl relay -am install -DskipTests >/dev/null
mvn -B -q -o -pl relay dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile=/tmp/dialtone-relay.cp >/dev/null 2>&1
echo "$ROOT/relay/target/classes:$(cat /tmp/dialtone-relay.cp)"
