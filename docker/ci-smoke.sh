#!/usr/bin/env bash
# Proves the Docker image in CI, on a machine with no container registry: builds docker/Dockerfile
# as it is, runs the image and checks what an operator would (readiness, a real Socket.IO call,
# the HEALTHCHECK turning healthy, `docker stop` draining and exiting 0), runs it once more as a
# relay-only node (coturn's client relaying through it), and checks docker/docker-compose.yml for
# both profiles. Run as root from anywhere: bash docker/ci-smoke.sh
#
# How, without a registry and without touching the host's network:
# - Debian's docker.io engine runs as a private dockerd (own data root, exec root, socket and
#   pidfile under a temp dir; no bridge, no iptables, no IP forwarding) in its own mount
#   namespace where /proc/sys is read-only, so it can change no sysctl; it is stopped by PID on
#   exit, whatever happened.
# - The Dockerfile's base images are made here under their names: a debootstrap minbase of
#   Debian (from this machine's apt mirror, with its extra CA certificates, which builds need to
#   reach Maven Central and npm) plus this machine's Temurin JDK 25 as eclipse-temurin:25-jre,
#   and that plus Debian's maven as maven:3.9-eclipse-temurin-25. The debootstrap tarball is
#   cached in $DIALTONE_DOCKER_CACHE (default /var/tmp/dialtone-docker-cache) for the next run.
# - The container gets its own network namespace (--network none: loopback only); the checks
#   run in that namespace (nsenter --net), so they reach nothing but the container.
# The whole script is one block, read before it runs: editing the file during a run is harmless.
{
set -euo pipefail
cd "$(dirname "$0")/.."

JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
CACHE=${DIALTONE_DOCKER_CACHE:-/var/tmp/dialtone-docker-cache}
SUITE=bookworm
# Debian's client, the same release as its engine (a newer client may sit first on PATH).
DOCKER=/usr/bin/docker
COMPOSE=/usr/bin/docker-compose
BUILD_IMAGE=maven:3.9-eclipse-temurin-25
RUNTIME_IMAGE=eclipse-temurin:25-jre
IMAGE=dialtone:ci-smoke
T0=$SECONDS

say() { printf '[docker-smoke +%ss] %s\n' "$((SECONDS - T0))" "$*"; }
die() { printf '[docker-smoke] FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (a private dockerd, debootstrap)"
"$JDK25/bin/java" -version 2>&1 | grep -q 'version "25' || die "no JDK 25 at $JDK25 (set JDK25)"

# ------------------------------------------------------------------ packages
# docker-compose is Compose v1 (1.29): bookworm has no Compose v2 plugin.
packages=(docker.io debootstrap docker-compose)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  # The package's own docker service must not start: it would make a bridge and iptables rules in
  # the host's namespace. policy-rc.d answering 101 is Debian's way to say so to maintainer scripts.
  policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
  [ -z "$policy" ] || rm -f "$policy"
fi

# ------------------------------------------------------------------ compose
# Compose v1 reads and interpolates the file as v2 does, with no daemon needed for `config`.
say "docker-compose config for both profiles, with only the two secrets set"
compose() {
  env -i PATH="$PATH" HOME=/nonexistent \
    DIALTONE_JWT_SECRET=ci-smoke-jwt-secret-of-at-least-32-bytes DIALTONE_TURN_SECRET=ci-smoke-turn-secret \
    "$COMPOSE" -f docker/docker-compose.yml "$@" 2>&1
}
out=$(compose config) || die "docker-compose config failed: $out"
# Compose v1 lists every service in `config`: the ones without a profile are what `up` starts.
default=$(python3 -c 'import sys, yaml
services = yaml.safe_load(sys.stdin)["services"]
print(" ".join(sorted(n for n, s in services.items() if not s.get("profiles"))))' <<<"$out")
[ "$default" = "dialtone" ] || die "the default profile should run dialtone alone, got: $default"
grep -q 'stop_grace_period: 20s' <<<"$out" || die "dialtone needs stop_grace_period: 20s (drain watchdog 15 s): $out"
out=$(compose --profile cluster config) || die "docker-compose --profile cluster config failed: $out"
services=$(compose --profile cluster config --services | sort | xargs)
[ "$services" = "dialtone dialtone-2 redis" ] || die "the cluster profile should run dialtone, dialtone-2, redis; got: $services"
grep -q 'DIALTONE_REDIS_URL: redis://127.0.0.1:6379' <<<"$out" || die "dialtone-2 should default to the profile's Redis: $out"
say "compose: default profile runs [$default], cluster profile runs [$services]"

# ------------------------------------------------------------------ private dockerd
RUN=$(mktemp -d /tmp/dialtone-docker-ci.XXXXXX)
export DOCKER_HOST="unix://$RUN/docker.sock"
export DOCKER_CONFIG="$RUN/client"      # none of the host's credential helpers
export DOCKER_BUILDKIT=0                # the classic builder of the engine itself
DOCKERD_PID=

cleanup() {
  local rc=$?
  set +e
  if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    if [ "$rc" != 0 ]; then
      say "dockerd log tail ($RUN/dockerd.log):"
      tail -n 20 "$RUN/dockerd.log" >&2
      if timeout 30 "$DOCKER" inspect dialtone-smoke >/dev/null 2>&1; then
        say "container log tail:"
        timeout 30 "$DOCKER" logs --tail 40 dialtone-smoke >&2 2>&1
      fi
    fi
    ids=$(timeout 30 "$DOCKER" ps -aq 2>/dev/null)
    # shellcheck disable=SC2086 # ids are words
    [ -z "$ids" ] || timeout 60 "$DOCKER" rm -f $ids >/dev/null 2>&1
    say "stopping dockerd (pid $DOCKERD_PID)"
    kill -TERM "$DOCKERD_PID"
    for _ in $(seq 1 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$DOCKERD_PID" 2>/dev/null && kill -KILL "$DOCKERD_PID"
  fi
  # containerd and shims started for this run name its directory: stop any left, by PID
  for pid in $(pgrep -f -- "$RUN/" || true); do kill -KILL "$pid" 2>/dev/null; done
  # the (empty) parent cgroups the daemon made for this run's containers
  for cg in /sys/fs/cgroup/*/"dialtone-ci-$$" /sys/fs/cgroup/"dialtone-ci-$$"; do
    [ -d "$cg" ] && rmdir "$cg" 2>/dev/null
  done
  # the daemon's mounts lived in its own mount namespace and went with it
  say "removing $RUN"
  rm -rf "$RUN"
  say "done"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$RUN/data" "$RUN/exec" "$DOCKER_CONFIG"
say "starting a private dockerd in $RUN"
# unshare without --fork execs: the PID started here is dockerd's own.
unshare --mount --propagation private -- sh -c '
  mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys /proc/sys || exit 1
  exec dockerd "$@"' dockerd \
  --data-root "$RUN/data" --exec-root "$RUN/exec" --pidfile "$RUN/docker.pid" -H "$DOCKER_HOST" \
  --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
  --userland-proxy=false --cgroup-parent "dialtone-ci-$$" --storage-driver overlay2 \
  >"$RUN/dockerd.log" 2>&1 &
DOCKERD_PID=$!
for i in $(seq 1 120); do
  "$DOCKER" version >/dev/null 2>&1 && break
  kill -0 "$DOCKERD_PID" 2>/dev/null || { tail -n 30 "$RUN/dockerd.log" >&2; die "dockerd exited at start"; }
  [ "$i" = 120 ] && { tail -n 30 "$RUN/dockerd.log" >&2; die "dockerd not answering within 60 s"; }
  sleep 0.5
done
say "dockerd $("$DOCKER" version -f '{{.Server.Version}}') up (pid $DOCKERD_PID)"

# ------------------------------------------------------------------ stand-in base images
# The Debian mirror this machine's apt uses (deb822 sources; the classic list as a fallback).
mirror=$(awk -v suite="$SUITE" '
  /^$/ { if (ok && uri) { print uri; exit } ok = 0; uri = "" }
  /^URIs:/ { uri = $2 }
  /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
  END { if (ok && uri) print uri }' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || die "no Debian $SUITE mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"

mkdir -p "$CACHE"
rootfs_key=$(printf '%s\n' "$SUITE" "$mirror" minbase ca-certificates "$(dpkg-query -W -f='${Version}' debootstrap)" | sha256sum | cut -c1-16)
rootfs_tar="$CACHE/debootstrap-$SUITE-$rootfs_key.tar"
if [ -s "$rootfs_tar" ]; then
  say "debootstrap rootfs from the cache ($rootfs_tar)"
else
  say "debootstrap --variant=minbase $SUITE from $mirror"
  rm -f "$CACHE"/debootstrap-*.tar    # older keys: one rootfs is enough
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$RUN/debootstrap" "$mirror" \
    >"$RUN/debootstrap.log" 2>&1 || { tail -n 30 "$RUN/debootstrap.log" >&2; die "debootstrap failed"; }
  rm -rf "$RUN/debootstrap/var/cache/apt/archives/"*.deb "$RUN/debootstrap/var/lib/apt/lists/"*
  tar -C "$RUN/debootstrap" --numeric-owner -cf "$rootfs_tar.part" . && mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$RUN/debootstrap"
fi

# eclipse-temurin:25-jre: the rootfs, this machine's apt sources and Acquire settings, its extra
# CA certificates in the system store, and its Temurin JDK 25 with the Java trust store it uses.
say "making $RUNTIME_IMAGE"
base="$RUN/rootfs"
mkdir -p "$base"
tar -C "$base" --numeric-owner -xf "$rootfs_tar"
rm -f "$base/etc/apt/sources.list"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  cp /etc/apt/sources.list.d/debian.sources "$base/etc/apt/sources.list.d/"
else
  echo "deb $mirror $SUITE main" >"$base/etc/apt/sources.list"
fi
grep -h '^Acquire::' /etc/apt/apt.conf.d/* >"$base/etc/apt/apt.conf.d/99host-acquire" 2>/dev/null || true
# as in Docker's official Debian and Ubuntu images: no fsync per unpacked file inside a build
echo force-unsafe-io >"$base/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
shopt -s nullglob
extra_cas=(/usr/local/share/ca-certificates/*.crt)
shopt -u nullglob
if [ ${#extra_cas[@]} -gt 0 ]; then
  cp "${extra_cas[@]}" "$base/usr/local/share/ca-certificates/"
fi
chroot "$base" update-ca-certificates >"$RUN/ca-certificates.log" 2>&1 \
  || { cat "$RUN/ca-certificates.log" >&2; die "update-ca-certificates in the stand-in failed"; }
mkdir -p "$base/opt/java"
cp -a "$JDK25" "$base/opt/java/openjdk"
# Debian's JDK packages link the trust store to /etc/ssl/certs/java: take the file itself.
rm -f "$base/opt/java/openjdk/lib/security/cacerts"
cp -L "$JDK25/lib/security/cacerts" "$base/opt/java/openjdk/lib/security/cacerts"
tar -C "$base" --numeric-owner -c . | "$DOCKER" import \
  --change 'ENV JAVA_HOME=/opt/java/openjdk' \
  --change 'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["jshell"]' \
  - "$RUNTIME_IMAGE" >/dev/null
rm -rf "$base"

# maven:3.9-eclipse-temurin-25: that plus Debian's maven (3.8, run on JAVA_HOME's JDK 25).
say "making $BUILD_IMAGE"
"$DOCKER" run --name dialtone-ci-maven --network host "$RUNTIME_IMAGE" sh -ec '
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends maven >/dev/null
  rm -rf /var/lib/apt/lists/*' >"$RUN/maven-standin.log" 2>&1 \
  || { tail -n 30 "$RUN/maven-standin.log" >&2; die "installing maven into the build stand-in failed"; }
"$DOCKER" commit \
  --change 'ENV MAVEN_HOME=/usr/share/maven' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["mvn"]' \
  dialtone-ci-maven "$BUILD_IMAGE" >/dev/null
"$DOCKER" rm dialtone-ci-maven >/dev/null

# ------------------------------------------------------------------ the image
say "docker build -f docker/Dockerfile (network host)"
t=$SECONDS
# each line stamped with the seconds since the build began, to tell which step takes the time
"$DOCKER" build --network host -f docker/Dockerfile -t "$IMAGE" . 2>&1 \
  | while IFS= read -r line; do printf '%4d %s\n' "$((SECONDS - t))" "$line"; done >"$RUN/build.log" \
  || { tail -n 60 "$RUN/build.log" >&2; die "docker build failed (log above)"; }
say "image built in $((SECONDS - t)) s: $("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%d MB", $1 / 1e6 }')"
awk -v end="$((SECONDS - t))" '
  $2 == "Step" { if (step) printf "  %4d s  %s\n", $1 - at, step; at = $1; $1 = ""; step = substr($0, 2, 90) }
  END { if (step) printf "  %4d s  %s\n", end - at, step }' "$RUN/build.log" | awk '$1 >= 5'
context=$(grep -m1 'Sending build context' "$RUN/build.log" || true)
[ -z "$context" ] || say "${context#*Sending }"

# The AOT cache made at build time is one this image's JVM accepts for this jar: with
# -XX:AOTMode=on a cache it cannot use stops the JVM instead of being skipped with a warning.
"$DOCKER" run --rm --network none --entrypoint java "$IMAGE" -XX:+UseCompactObjectHeaders -XX:AOTCache=/opt/dialtone/dialtone.aot \
  -XX:AOTMode=on -Ddialtone.auth.jwt-secret=aot-check-secret-of-at-least-32-bytes \
  -jar /opt/dialtone/dialtone.jar token aot-check >/dev/null \
  || die "the image's AOT cache is not usable by its JVM"
say "the image's JVM uses its AOT cache ($("$DOCKER" run --rm --network none --entrypoint du "$IMAGE" -h /opt/dialtone/dialtone.aot | cut -f1))"

# ------------------------------------------------------------------ the container
# Run as an operator would, with the settings moved through JDK_JAVA_OPTIONS: another HTTP port
# (the HEALTHCHECK must follow it) and TURN URLs with `?` in them (no shell may glob them).
[ -d e2e/node_modules ] || (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
secret() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
export DIALTONE_JWT_SECRET DIALTONE_TURN_SECRET DIALTONE_HTTP_PORT=8081
DIALTONE_JWT_SECRET=$(secret)
DIALTONE_TURN_SECRET=$(secret)
turn_urls=(stun:127.0.0.1:3478 "turn:127.0.0.1:3478?transport=udp" "turn:127.0.0.1:3478?transport=tcp")
java_opts="-XX:MaxRAMPercentage=75 -Ddialtone.http.port=$DIALTONE_HTTP_PORT"
for i in "${!turn_urls[@]}"; do java_opts+=" -Ddialtone.turn.urls.$i=${turn_urls[$i]}"; done
DIALTONE_TURN_URLS=$(printf '"%s",' "${turn_urls[@]}")
export DIALTONE_TURN_URLS="[${DIALTONE_TURN_URLS%,}]"
say "docker run --network none --stop-timeout 20 $IMAGE"
# secrets by name only (-e NAME): their values stay off every command line
"$DOCKER" run -d --name dialtone-smoke --network none --stop-timeout 20 \
  -e DIALTONE_JWT_SECRET -e DIALTONE_TURN_SECRET -e JDK_JAVA_OPTIONS="$java_opts" "$IMAGE" >/dev/null
pid=$("$DOCKER" inspect -f '{{.State.Pid}}' dialtone-smoke)
[ "$pid" -gt 0 ] 2>/dev/null || die "the container is not running: $("$DOCKER" logs dialtone-smoke 2>&1 | tail -n 20)"
say "checking it from inside its network namespace (e2e/docker/image.test.js)"
DOCKER="$DOCKER" DIALTONE_CONTAINER=dialtone-smoke \
  nsenter --net="/proc/$pid/ns/net" node --test --test-concurrency=1 e2e/docker/image.test.js

# The same image as a relay-only node (docs/relay.md), as documented: signaling off and the AOT
# cache, trained on calls, off. The container has only loopback, so its relayed sockets bind there
# and coturn's echo peer, on that loopback too, must be allowed.
relay_opts="-XX:MaxRAMPercentage=75 -XX:AOTMode=off -Ddialtone.signaling.enabled=false"
relay_opts+=" -Ddialtone.relay.relay-address=127.0.0.1 -Ddialtone.relay.allow-loopback-peers=true"
say "docker run --network none $IMAGE as a relay-only node"
"$DOCKER" run -d --name dialtone-relay-smoke --network none --stop-timeout 20 \
  -e DIALTONE_TURN_SECRET -e JDK_JAVA_OPTIONS="$relay_opts" "$IMAGE" >/dev/null
pid=$("$DOCKER" inspect -f '{{.State.Pid}}' dialtone-relay-smoke)
[ "$pid" -gt 0 ] 2>/dev/null || die "the relay-only container is not running: $("$DOCKER" logs dialtone-relay-smoke 2>&1 | tail -n 20)"
say "checking it from inside its network namespace (e2e/docker/relay-only.test.js)"
DOCKER="$DOCKER" DIALTONE_RELAY_CONTAINER=dialtone-relay-smoke \
  nsenter --net="/proc/$pid/ns/net" node --test --test-concurrency=1 e2e/docker/relay-only.test.js

say "docker image smoke test passed in $((SECONDS - T0)) s"
exit 0
}
