#!/usr/bin/env bash
# The console's costs. In one process (ConsoleCost, JIT warmed): the request path per settled outcome with rollups off
# and on, and the writer's work per span. Then pages: DynamoDB Local seeded with a week of rollups for ENDPOINTS
# endpoints written by REPLICAS replicas (ConsoleSeed), the packaged gateway in front of it, and each page's time as
# curl sees it on loopback (server time plus a few hundred µs), after a warm-up. Last, the whole gateway under load
# (64 connections, wrk) with rollups off and on, interleaved round by round: CPU per inference.
# Usage: bench/console.sh [REQUESTS]   (ENDPOINTS=20, REPLICAS=2, ROUNDS=2, DURATION=15s by default; ROUNDS=0 leaves the
# load out)
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${1:-30}
ENDPOINTS=${ENDPOINTS:-20}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-15s}
REPLICAS=${REPLICAS:-2}
source bench/lib.sh
bench_setup

[ "${CALLS:-2000000}" = 0 ] || java -cp "$CP" io.sagewatch.bench.ConsoleCost "${CALLS:-2000000}" 2> /dev/null > target/bench/console-inprocess.md

PIDS=""
trap cleanup EXIT
start_services 0 0 target/bench/console-services.log
NAMES=$(java -cp "$CP" io.sagewatch.bench.ConsoleSeed "$DYNAMO" "$ENDPOINTS" "$REPLICAS" 2> target/bench/console-seed.log)
http=$(free_port)
# shellcheck disable=SC2046 # the flags are words
java $(gateway_flags "$http" "$DYNAMO" "$MODEL") -Dsagewatch.endpoints.allowed="$NAMES" \
  -jar target/quarkus-app/quarkus-run.jar > target/bench/console-gateway.log 2>&1 &
gw=$!; PIDS="$PIDS $gw"
for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$http/q/health/ready" && break; sleep 0.1; done

{
  echo "| page ($ENDPOINTS endpoints, $REPLICAS replicas, $(cat target/bench/console-seed.log)) | p50 ms | p95 ms | max ms | bytes |"
  echo "|---|---|---|---|---|"
  for page in "/console?range=week" "/console?range=day" "/console?range=hour" "/console/overview.json?range=week" \
      "/console?range=week&endpoint=endpoint-3"; do
    for _ in $(seq 1 "$REQUESTS"); do curl -fs -o /dev/null "http://127.0.0.1:$http$page"; done  # warm-up
    for _ in $(seq 1 "$REQUESTS"); do
      curl -fs -o /dev/null -w '%{time_total} %{size_download}\n' "http://127.0.0.1:$http$page"
    done | python3 -c "
import sys
rows = [line.split() for line in sys.stdin]
times = sorted(float(r[0]) * 1000 for r in rows)
p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f'| \`$page\` | {p(0.5):.1f} | {p(0.95):.1f} | {times[-1]:.1f} | {rows[-1][1]} |')"
  done
} > target/bench/console-pages.md
kill "$gw"; wait "$gw" 2> /dev/null || true

: > target/bench/console-load.txt
for round in $(seq 1 "$ROUNDS"); do
  for variant in off on; do
    http=$(free_port)
    flag=$([ "$variant" = on ] && echo true || echo false)
    # shellcheck disable=SC2046 # the flags are words
    java $(gateway_flags "$http" "$DYNAMO" "$MODEL") -Dsagewatch.endpoints.allowed=bench \
      -Dsagewatch.console.rollups.enabled="$flag" -Dquarkus.log.category.\"sagewatch.inference\".level=WARN \
      -jar target/quarkus-app/quarkus-run.jar > target/bench/console-gateway.log 2>&1 &
    gw=$!; PIDS="$PIDS $gw"
    for _ in $(seq 1 300); do
      curl -fs -o /dev/null -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$http/endpoints/bench/invocations" && break
      sleep 0.1
    done
    wrk -t2 -c64 -d10s -s bench/wrk.lua "http://127.0.0.1:$http/endpoints/bench/invocations" > /dev/null
    before=$(cpu_ticks "$gw")
    wrk -t2 -c64 -d"$DURATION" --latency -s bench/wrk.lua "http://127.0.0.1:$http/endpoints/bench/invocations" > target/bench/console-run.txt
    after=$(cpu_ticks "$gw")
    requests=$(awk '/requests in/ {print $1}' target/bench/console-run.txt)
    rps=$(awk '/Requests\/sec/ {print $2}' target/bench/console-run.txt)
    printf '%s\t%s\t%s\t%s\n' "$round" "rollups $variant" "$rps" "$(cpu_us_per_request "$before" "$after" "$requests")" \
      >> target/bench/console-load.txt
    kill "$gw"; wait "$gw" 2> /dev/null || true
  done
done

cat target/bench/console-inprocess.md
echo
cat target/bench/console-pages.md
echo
echo "| round | variant | req/s | gateway CPU µs per inference |"
echo "|---|---|---|---|"
awk -F'\t' '{printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4}' target/bench/console-load.txt
