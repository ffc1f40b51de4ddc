#!/usr/bin/env bash
# Budgets' cost, side by side in one run (bench/ab.sh: interleaved rounds, the same load for all; at 64 connections,
# then at 1 connection for the added latency):
#   without - the build just before budgets came (BASE, built from a git archive into target/bench/)
#   off     - this build, no budget configured
#   on      - this build, two budgets that count every request (a requests budget by day and a tokens budget by hour:
#             each request's tokens estimated from its JSON body), caps far above the load: the steady state
# Then the table calls of "on" per 1 000 inferences in the steady state, at 64 and at 1 connection: the bench
# services' proxy counts the DynamoDB operations it passes (UpdateItem: leases taken, heartbeats; GetItem: reads).
# Before them, the guard's own CPU per request in one process (BudgetCost).
# Usage: bench/budgets.sh [rounds=3] [BASE commit=067bc8c]. Prints Markdown tables of medians, then the counts.
# PARTS="ab cost calls" (the default) picks what runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; BASE=${2:-067bc8c}
PARTS=${PARTS:-ab cost calls}
source bench/lib.sh
bench_setup

ON="-Dsagewatch.budgets.all-requests.requests=1000000000000 -Dsagewatch.budgets.all-requests.period=1d"
ON="$ON -Dsagewatch.budgets.all-tokens.tokens=1000000000000000 -Dsagewatch.budgets.all-tokens.period=1h"

if [[ " $PARTS " == *" ab "* ]]; then
WITHOUT=target/bench/without-budgets
if [ ! -f "$WITHOUT/target/quarkus-app/quarkus-run.jar" ]; then
  rm -rf "$WITHOUT"; mkdir -p "$WITHOUT"
  git archive "$BASE" | tar -x -C "$WITHOUT"
  (cd "$WITHOUT" && ./mvnw -B -q package -DskipTests)
fi

for connections in 64 1; do
  CONNECTIONS=$connections bench/ab.sh "$ROUNDS" \
    "without|$WITHOUT/target/quarkus-app|" \
    "off|target/quarkus-app|" \
    "on|target/quarkus-app|$ON"
done
fi

# the request path's share, in one process (BudgetCost: reserve + settle per request, JIT warmed)
if [[ " $PARTS " == *" cost "* ]]; then
  echo
  java -cp "$CP" io.sagewatch.budgets.BudgetCost 2000000 2> /dev/null
fi
[[ " $PARTS " == *" calls "* ]] || exit 0

# table calls per 1 000 inferences, budgets on
trap cleanup EXIT
start_services 0 0 target/bench/budgets-services.log
PIDS="$SERVICES"
operations() { curl -fs "http://127.0.0.1:$PROXY/_bench/operations" | awk '$1 == "UpdateItem" || $1 == "GetItem" {n += $2} END {print n + 0}'; }
http=$(free_port)
# shellcheck disable=SC2046,SC2086 # the flags are words
java $ON $(gateway_flags "$http" "$PROXY" "$MODEL") -Dquarkus.log.category.\"sagewatch.inference\".level=WARN \
  -Dsagewatch.endpoints.allowed=bench -jar target/quarkus-app/quarkus-run.jar > target/bench/budgets-gateway.log 2>&1 &
gw=$!
PIDS="$PIDS $gw"
for _ in $(seq 1 300); do
  curl -fs -o /dev/null -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$http/endpoints/bench/invocations" && break
  sleep 0.1
done
echo
echo "| connections | inferences | budget table calls | per 1 000 inferences |"
echo "|---|---|---|---|"
for connections in 64 1; do
  threads=$((connections < 2 ? 1 : 2))
  wrk -t"$threads" -c"$connections" -d10s -s bench/wrk.lua "http://127.0.0.1:$http/endpoints/bench/invocations" > /dev/null
  before=$(operations)
  wrk -t"$threads" -c"$connections" -d20s --latency -s bench/wrk.lua "http://127.0.0.1:$http/endpoints/bench/invocations" \
    > target/bench/budgets-calls.txt
  sleep 1.5 # the last heartbeat of the run
  after=$(operations)
  requests=$(python3 bench/wrk_summary.py target/bench/budgets-calls.txt | awk '{print $4}')
  python3 -c "print(f'| $connections | $requests | {$after - $before} | {($after - $before) / $requests * 1000:.2f} |')"
done
