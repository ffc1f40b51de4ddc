#!/usr/bin/env bash
# Native vs JVM, side by side on this machine (the HTTP/ECS build), three ways to run the same code:
#   native     - the native executable
#   jar        - the jar as Quarkus packages it by default, JDK 25
#   jar+cache  - as the JVM image ships it (deploy/ecs/Dockerfile.jvm): the aot-jar layout and a JDK AOT cache written
#                after its training run (TrainingRun: 1 000 calls through its own port, then exit)
# Both JVM variants run with the shipped JVM settings (deploy/jvm.options) in a 1 GB task (-XX:MaxRAM=1g), as trained.
#   start  - process start to the first successful inference, and RSS after it, interleaved round by round
#   load   - CPU per inference at saturation (64 connections, no delays, records acknowledged by the delaying proxy)
#            and RSS after at least 100k inferences (NATIVE_YOUNG="32m 16m" adds native rows with -Xmn set;
#            LOAD_ROUNDS=N runs the loads N times interleaved, medians shown)
#   size   - the executable with its .so files; the jar's app directory (with the cache)
#   build  - wall time here (2 cores): the native build when this script builds it; the jar's package; the training
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
mkdir -p target/bench "$OUT"
source bench/lib.sh

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

JVM=("$JDK25/bin/java" "@$PWD/deploy/jvm.options" -XX:MaxRAM=1g)
began=$(date +%s)
JAVA_HOME=$JDK25 ./mvnw -B -q package -DskipTests
jar_seconds=$(( $(date +%s) - began ))
began=$(date +%s)
JAVA_HOME=$JDK25 ./mvnw -B -q package -DskipTests -Dquarkus.package.output-directory=aot-trained \
  -Dquarkus.package.jar.type=aot-jar
(cd target/aot-trained && rm -f app.aot && "${JVM[@]}" -XX:AOTCacheOutput=app.aot \
  -Dquarkus.profile=prod,training -Dquarkus.http.port="$(free_port)" -Dsagewatch.dev.demo-model-port="$(free_port)" \
  -Dsagewatch.dev.training-table-port="$(free_port)" -jar quarkus-run.jar > ../aot-training.log 2>&1) \
  || { tail -20 target/aot-training.log; exit 1; }
cache_seconds=$(( $(date +%s) - began ))

bench_setup
trap cleanup EXIT

# ---- start ----
# records really written (DynamoDB Local), the model fake out of process
start_services 0 0 target/bench/native-start-services.log write
PIDS="$SERVICES"
: > target/bench/native-start.txt
for _ in $(seq 1 "$ROUNDS"); do
  {
    first_inference native "$OUT" "$DYNAMO" "$MODEL" ./sagewatch-runner
    first_inference jar target/quarkus-app "$DYNAMO" "$MODEL" "${JVM[@]}"
    first_inference jar+cache target/aot-trained "$DYNAMO" "$MODEL" "${JVM[@]}" -XX:AOTCache=app.aot
  } >> target/bench/native-start.txt
done
cleanup

# ---- load: CPU per inference at saturation, RSS after 100k ----
# load_figures VARIANT DIR COMMAND...: runs COMMAND in DIR (java: "-jar quarkus-run.jar" added) under load; prints
# "VARIANT cpu_us rps rss_mb requests anon_mb"
load_figures() {
  local variant=$1 dir=$2 http gw before after summary rps requests total=0 jar=()
  shift 2
  start_services 0 0 "target/bench/native-services-$variant.log"
  PIDS="$SERVICES"
  http=$(free_port)
  case "$1" in */java | java) jar=(-jar quarkus-run.jar) ;; esac
  # shellcheck disable=SC2046 # the flags are words
  (cd "$dir" && exec "$@" $(gateway_flags "$http" "$PROXY" "$MODEL") \
    -Dquarkus.log.category.\"sagewatch.inference\".level=WARN -Dsagewatch.endpoints.allowed=bench "${jar[@]}") \
    > "target/bench/native-$variant.log" 2>&1 &
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
  echo "$variant $(cpu_us_per_request "$before" "$after" "$requests") $rps $(rss_mb "$gw" VmRSS) $total" \
    "$(rss_mb "$gw" RssAnon)"
  cleanup
}
rss_mb() { awk -v field="$2:" '$1 == field {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
for _ in $(seq 1 "${LOAD_ROUNDS:-1}"); do  # interleaved rounds; the table shows medians
  load_figures native "$OUT" ./sagewatch-runner
  for young in ${NATIVE_YOUNG:-}; do load_figures "native-Xmn$young" "$OUT" ./sagewatch-runner "-Xmn$young"; done
  load_figures jar target/quarkus-app "${JVM[@]}"
  load_figures jar+cache target/aot-trained "${JVM[@]}" -XX:AOTCache=app.aot
done > target/bench/native-load.txt

exe_mb=$(du -cm "$OUT"/sagewatch-runner "$OUT"/*.so 2>/dev/null | tail -1 | cut -f1)
jar_mb=$(du -sm target/quarkus-app | cut -f1)
cache_mb=$(du -sm target/aot-trained | cut -f1)
python3 - target/bench/native-start.txt target/bench/native-load.txt "$ROUNDS" "$exe_mb" "$jar_mb" "$cache_mb" \
  "$build_seconds" "$jar_seconds" "$cache_seconds" <<'PY'
import statistics, sys
start, load, rounds, exe_mb, jar_mb, cache_mb, build, jar_s, cache_s = sys.argv[1:10]
runs = {}
for line in open(start):
    variant, ms, rss = line.split()
    runs.setdefault(variant, []).append((int(ms), int(rss)))
med = {v: (statistics.median(m for m, _ in r), statistics.median(s for _, s in r)) for v, r in runs.items()}
by_variant = {}
for l in open(load):
    by_variant.setdefault(l.split()[0], []).append([float(x) for x in l.split()[1:]])
# medians per column over the load rounds, printed as whole numbers
loads = {v: [f"{statistics.median(col):.0f}" for col in zip(*rows)] for v, rows in by_variant.items()}
def verdict(ok): return "met" if ok else "missed"
n, j, a = med["native"], med["jar"], med["jar+cache"]
nl, jl, al = loads["native"], loads["jar"], loads["jar+cache"]
print(f"| native vs JVM (HTTP build), median of {rounds} interleaved starts | native executable | jar, JDK 25 |"
      " jar + trained AOT cache (the JVM image) |")
print("|---|---|---|---|")
print(f"| start to first inference | {n[0]:.0f} ms | {j[0]:.0f} ms | {a[0]:.0f} ms |")
print(f"| the native start ÷ this | (≤ 150 ms: {verdict(n[0] <= 150)}) | {n[0] / j[0]:.2f}× (goal ≤ 0.2×: "
      f"{verdict(n[0] / j[0] <= 0.2)}) | {n[0] / a[0]:.2f}× |")
print(f"| RSS after the first inference | {n[1]:.0f} MB (goal ≤ 80 MB: {verdict(n[1] <= 80)}) | {j[1]:.0f} MB |"
      f" {a[1]:.0f} MB |")
print(f"| RSS after ≥ 100k inferences at saturation (of it anonymous) | {nl[2]} MB ({nl[4]}) after {int(nl[3]):,}"
      f" (≤ 80 MB: {verdict(int(nl[2]) <= 80)}) |"
      f" {jl[2]} MB ({jl[4]}) after {int(jl[3]):,} | {al[2]} MB ({al[4]}) after {int(al[3]):,} |")
for v, l in loads.items():
    if v.startswith("native-Xmn"):
        print(f"| … native with `-{v[7:]}` | {l[2]} MB ({l[4]}), {l[0]} µs, {float(l[1]):.0f} req/s "
              f"({float(l[1]) / float(nl[1]):.2f}× the default's) | | |")
print(f"| CPU per inference at saturation (64 connections) | {nl[0]} µs | {jl[0]} µs | {al[0]} µs |")
print(f"| throughput at saturation | {float(nl[1]):.0f} req/s | {float(jl[1]):.0f} req/s | {float(al[1]):.0f} req/s |")
print(f"| size | {exe_mb} MB (executable + .so) | {jar_mb} MB (quarkus-app) | {cache_mb} MB (app + cache) |")
print(f"| build time here (2 cores) | {build} s (native-image) | {jar_s} s (package) | {cache_s} s (package +"
      " training run) |")
PY
