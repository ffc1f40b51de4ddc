#!/usr/bin/env bash
# The ECS images (built by .ci/containers with podman) side by side with the same artifacts outside a container:
#   size   - each image, and the layers Sagewatch adds to its base
#   start  - process (or `podman run`) start to the first successful inference, interleaved round by round
#   load   - in the first LOAD_ROUNDS rounds: 64 connections for DURATION after one such run of warm-up; req/s,
#            and RSS after it against the container's memory limit
# The model fake and the record proxy (records acknowledged) run on the host; containers use the host's network. As
# shipped: every inference writes its log line (to a file outside a container; through podman's log pipe inside).
# Usage: bench/containers.sh [rounds=5]. Needs localhost/sagewatch:jvm and :native (.ci/containers jvm|native build).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
LOAD_ROUNDS=${LOAD_ROUNDS:-3}
DURATION=${DURATION:-10s}
MEMORY=${MEMORY:-512m}
export CONTAINERS_CONF=$PWD/target/containers/containers.conf
source bench/lib.sh
bench_setup
# the executable the native image was built from (.ci/containers native build, after package -Pnative)
RUNNER=$(compgen -G 'target/*-runner' | head -1 || true)
[ -x "$RUNNER" ] || { echo "no target/*-runner: ./mvnw package -Pnative, then .ci/containers native build"; exit 1; }
PIDS=""
GW=""
cleanup() {
  podman rm -f -t 0 bench-gw > /dev/null 2>&1 || true
  for p in $GW $PIDS; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
}
trap cleanup EXIT
start_services 0 0 target/bench/containers-services.log
PIDS="$SERVICES"

# container_env FLAGS...: the gateway's -D flags as podman -e settings (MicroProfile Config's environment names)
container_env() {
  local flag key
  for flag in "$@"; do
    key=${flag#-D}; key=${key%%=*}
    printf -- '-e %s=%s ' "$(tr 'a-z.\-"' 'A-Z___' <<< "$key")" "${flag#*=}"
  done
}

# launch VARIANT HTTP_PORT: starts the variant in the background, sets GW (its pid, or podman run's)
launch() {
  local flags
  flags="$(gateway_flags "$2" "$PROXY" "$MODEL") -Dsagewatch.endpoints.allowed=bench"
  # in a background subshell, so that cd stays there; exec: GW is the gateway (or podman run) itself
  # shellcheck disable=SC2046,SC2086 # the flags are words
  case "$1" in
    jar) cd target/quarkus-app && exec java @../../deploy/jvm.options $flags -jar quarkus-run.jar ;;
    native) cd target && exec "./${RUNNER#target/}" $flags ;;
    container-jvm | container-native)
      exec podman run --rm --name bench-gw --network host --memory "$MEMORY" $(container_env $flags) \
        "localhost/sagewatch:${1#container-}" ;;
  esac > "target/bench/containers-$1.log" 2>&1 &
  GW=$!
}

# first_answer PORT START_NS: waits for a 200, prints the ms since START_NS
first_answer() {
  local _
  for _ in $(seq 1 600); do
    if curl -fs -o /dev/null -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$1/endpoints/bench/invocations"; then
      echo $(( ($(date +%s%N) - $2) / 1000000 )); return
    fi
    sleep 0.02
  done
  echo "no answer within 12 s" >&2; return 1
}

# rss_mb VARIANT: the gateway's resident memory (the container's main process, as the host sees it)
rss_mb() {
  local pid=$GW
  case "$1" in container-*) pid=$(podman inspect --format '{{.State.Pid}}' bench-gw) ;; esac
  awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status"
}

stop() {
  case "$1" in container-*) podman stop -t 30 bench-gw > /dev/null ;; *) kill "$GW" ;; esac
  wait "$GW" 2>/dev/null || true
}

VARIANTS="jar container-jvm native container-native"
: > target/bench/containers.txt
for round in $(seq 1 "$ROUNDS"); do
  for v in $VARIANTS; do
    http=$(free_port); began=$(date +%s%N)
    launch "$v" "$http"
    ms=$(first_answer "$http" "$began")
    rps=""; rss=""
    if [ "$round" -le "$LOAD_ROUNDS" ]; then # a run to warm the JIT up, then the measured one
      wrk -t2 -c64 -d"$DURATION" -s bench/wrk.lua "http://127.0.0.1:$http/endpoints/bench/invocations" > /dev/null
      rps=$(wrk -t2 -c64 -d"$DURATION" -s bench/wrk.lua "http://127.0.0.1:$http/endpoints/bench/invocations" \
        | awk '/Requests\/sec/ {printf "%.0f", $2}')
      rss=$(rss_mb "$v")
    fi
    echo "$v $ms ${rps:--} ${rss:--}" >> target/bench/containers.txt
    stop "$v"
  done
done

size() { podman image inspect --format '{{.Size}}' "$1"; }
base_of() { sed -n 's/^FROM *\([^ ]*\).*/\1/p' "deploy/ecs/Dockerfile.$1" | head -1; }
python3 - target/bench/containers.txt "$ROUNDS" "$MEMORY" \
  "$(size localhost/sagewatch:jvm)" "$(size "$(base_of jvm)")" \
  "$(size localhost/sagewatch:native)" "$(size "$(base_of native)")" <<'PY'
import statistics, sys
path, rounds, memory = sys.argv[1], sys.argv[2], sys.argv[3]
jvm, jvm_base, native, native_base = (int(x) / 1e6 for x in sys.argv[4:8])
starts, loads = {}, {}
for line in open(path):
    v, ms, rps, rss = line.split()
    starts.setdefault(v, []).append(int(ms))
    if rps != "-":
        loads.setdefault(v, []).append((int(rps), int(rss)))
loads = {v: (statistics.median(r for r, _ in l), statistics.median(s for _, s in l)) for v, l in loads.items()}
print(f"| medians of {rounds} starts and of the loads (64 connections) | start to first inference | req/s"
      " | RSS after load | image |")
print("|---|---|---|---|---|")
image = {"container-jvm": f"{jvm:.0f} MB ({jvm - jvm_base:.0f} MB on the stand-in base)",
         "container-native": f"{native:.0f} MB ({native - native_base:.0f} MB on the stand-in base)"}
for v in ["jar", "container-jvm", "native", "container-native"]:
    rps, rss = loads.get(v, (0, 0))
    limit = f" of {memory}" if v.startswith("container") else ""
    print(f"| {v} | {statistics.median(starts[v]):.0f} ms | {rps:.0f} | {rss:.0f} MB{limit} | {image.get(v, '')} |")
PY
