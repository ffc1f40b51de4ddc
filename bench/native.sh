#!/usr/bin/env bash
# Native vs JVM, side by side on this machine (the HTTP/ECS build):
#   start  - process start to the first successful inference, and RSS after it, interleaved round by round:
#            the native executable, the jar (JDK 25), the jar with its JDK AOT cache (as bench/start.sh)
#   load   - CPU per inference at saturation (64 connections, no delays, records acknowledged by the delaying proxy)
#            and RSS after 100k inferences: native and jar (the shipped JVM settings in a 1 GB task)
#   size   - the executable with its .so files, and the jar's app directory
#   build  - wall time of the native build here (2 cores), when this script builds it
# The Lambda build's cold start (init, first invocation) is bench/lambda-native.sh.
# Needs a native-image: GRAALVM_HOME (a GraalVM/Mandrel 25), or ../shared/native-image-kit is installed.
# Usage: bench/native.sh [rounds=5]. NATIVE_ARGS="-Ob" for a quick build (CI's mode: less optimised code).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
DURATION=${DURATION:-10s}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
GRAALVM_HOME=${GRAALVM_HOME:-$PWD/target/native-image-kit}
OUT=target/bench-native
AOT="-Dquarkus.package.jar.aot.enabled=true -Dquarkus.package.jar.aot.type=aot -Dquarkus.package.jar.aot.phase=build"
mkdir -p target/bench "$OUT"

build_seconds="(built before)"
if [ ! -x "$OUT/sagewatch-runner" ]; then
  [ -x "$GRAALVM_HOME/bin/native-image" ] || bash ../shared/native-image-kit/install-native-image.sh "$GRAALVM_HOME"
  began=$(date +%s)
  ./mvnw -B -q package -Pnative -DskipTests -Dquarkus.native.graalvm-home="$GRAALVM_HOME" \
    ${NATIVE_ARGS:+-Dquarkus.native.additional-build-args=$NATIVE_ARGS}
  build_seconds=$(( $(date +%s) - began ))
  cp target/*-runner "$OUT/sagewatch-runner"
  cp target/*.so "$OUT/" 2>/dev/null || true
  echo "$build_seconds" > "$OUT/build-seconds"
fi
[ -f "$OUT/build-seconds" ] && build_seconds=$(cat "$OUT/build-seconds")
# shellcheck disable=SC2086 # the flags are words
JAVA_HOME=$JDK25 ./mvnw -B -q package -DskipTests -Dquarkus.package.output-directory=aot-app $AOT

source bench/lib.sh
bench_setup
PIDS=""
trap cleanup EXIT

# ---- start ----
# records really written (DynamoDB Local), the model fake out of process
start_services 0 0 target/bench/native-start-services.log write
PIDS="$SERVICES"
: > target/bench/native-start.txt
for _ in $(seq 1 "$ROUNDS"); do
  {
    first_inference native "$OUT" "$DYNAMO" "$MODEL" ./sagewatch-runner
    first_inference jar target/aot-app "$DYNAMO" "$MODEL" "$JDK25/bin/java"
    first_inference jar+aot target/aot-app "$DYNAMO" "$MODEL" "$JDK25/bin/java" -XX:AOTCache=app.aot
  } >> target/bench/native-start.txt
done
kill $PIDS 2>/dev/null || true; wait 2>/dev/null || true; PIDS=""

# ---- load: CPU per inference at saturation, RSS after 100k ----
# load_figures VARIANT COMMAND...: prints "VARIANT cpu_us rps rss_mb requests"
load_figures() {
  local variant=$1 http gw before after summary rps requests total=0 jar=()
  shift
  start_services 0 0 "target/bench/native-services-$variant.log"
  PIDS="$SERVICES"
  http=$(free_port)
  case "$1" in */java | java) jar=(-jar target/quarkus-app/quarkus-run.jar) ;; esac
  # shellcheck disable=SC2046 # the flags are words
  "$@" $(gateway_flags "$http" "$PROXY" "$MODEL") -Dquarkus.log.category.\"sagewatch.inference\".level=WARN \
    -Dsagewatch.endpoints.allowed=bench "${jar[@]}" > "target/bench/native-$variant.log" 2>&1 &
  gw=$!
  PIDS="$PIDS $gw"
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$http/endpoints/bench/invocations" \
      && break
    sleep 0.1
  done
  wrk_run() {
    wrk -t2 -c64 -d"$DURATION" --latency -s bench/wrk.lua "http://127.0.0.1:$http/endpoints/bench/invocations" > "$1"
    python3 bench/wrk_summary.py "$1"
  }
  for _ in 1 2; do  # JIT warm-up for the jar; the same load for the native executable
    total=$((total + $(wrk_run target/bench/native-warmup.txt | cut -d' ' -f4)))
  done
  before=$(cpu_ticks "$gw")
  summary=$(wrk_run "target/bench/native-load-$variant.txt")
  after=$(cpu_ticks "$gw")
  read -r _ _ rps requests <<< "$summary"
  total=$((total + requests))
  for _ in $(seq 1 100); do
    [ "$total" -ge 100000 ] && break
    total=$((total + $(wrk_run target/bench/native-warmup.txt | cut -d' ' -f4)))
  done
  echo "$variant $(cpu_us_per_request "$before" "$after" "$requests") $rps $(rss_mb "$gw") $total"
  kill $PIDS 2>/dev/null || true; wait 2>/dev/null || true; PIDS=""
}
rss_mb() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
{
  load_figures native "$OUT/sagewatch-runner"
  # shellcheck disable=SC2086 # the flags are words
  load_figures jar java @deploy/jvm.options -XX:MaxRAM=1g
} > target/bench/native-load.txt

exe_mb=$(du -cm "$OUT"/sagewatch-runner "$OUT"/*.so 2>/dev/null | tail -1 | cut -f1)
jar_mb=$(du -sm target/quarkus-app | cut -f1)
python3 - target/bench/native-start.txt target/bench/native-load.txt "$ROUNDS" "$exe_mb" "$jar_mb" "$build_seconds" <<'PY'
import statistics, sys
start, load, rounds, exe_mb, jar_mb, build = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
runs = {}
for line in open(start):
    variant, ms, rss = line.split()
    runs.setdefault(variant, []).append((int(ms), int(rss)))
med = {v: (statistics.median(m for m, _ in r), statistics.median(s for _, s in r)) for v, r in runs.items()}
loads = {l.split()[0]: l.split()[1:] for l in open(load)}
def verdict(ok): return "met" if ok else "missed"
n, j, a = med["native"], med["jar"], med["jar+aot"]
print(f"| native vs JVM (HTTP build), median of {rounds} interleaved starts | native executable | jar, JDK 25 | jar + AOT cache |")
print("|---|---|---|---|")
print(f"| start to first inference | {n[0]:.0f} ms | {j[0]:.0f} ms | {a[0]:.0f} ms |")
print(f"| the native start ÷ this | (≤ 150 ms: {verdict(n[0] <= 150)}) | {n[0] / j[0]:.2f}× (goal ≤ 0.2×: "
      f"{verdict(n[0] / j[0] <= 0.2)}) | {n[0] / a[0]:.2f}× |")
print(f"| RSS after the first inference | {n[1]:.0f} MB | {j[1]:.0f} MB | {a[1]:.0f} MB |")
nl, jl = loads["native"], loads["jar"]
print(f"| RSS after {int(nl[3]):,} / {int(jl[3]):,} inferences | {nl[2]} MB (goal ≤ 80 MB: "
      f"{verdict(int(nl[2]) <= 80)}) | {jl[2]} MB | |")
print(f"| CPU per inference at saturation (64 connections) | {nl[0]} µs | {jl[0]} µs | |")
print(f"| throughput at saturation | {float(nl[1]):.0f} req/s | {float(jl[1]):.0f} req/s | |")
print(f"| size | {exe_mb} MB (executable + .so) | {jar_mb} MB (quarkus-app) | |")
print(f"| build time here (2 cores) | {build} s | | |")
PY
