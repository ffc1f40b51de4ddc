#!/usr/bin/env bash
# Model health's cost, side by side: the same load (64 connections, records acknowledged by the delaying proxy) with
# monitoring off and on, interleaved round by round. Reports per inference the gateway's CPU, and apart from it the
# model-health worker thread's CPU per sampled record (read from /proc/PID/task/TID), so the request path's share is
# (CPU per inference - worker CPU per inference) - the same for "off".
# Usage: bench/monitor.sh [ROUNDS]   (DURATION=10s by default)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DURATION=${DURATION:-10s}
source bench/lib.sh
bench_setup

PIDS=""
trap cleanup EXIT
start_services 0 0 target/bench/monitor-services.log

ON="-Dsagewatch.endpoint.bench.monitor.enabled=true -Dsagewatch.endpoint.bench.monitor.window=60s"
ALL="$ON -Dsagewatch.endpoint.bench.monitor.max-samples-per-second=1000000"
# label|wrk script|gateway flags
VARIANTS=(
  "llm, off|bench/wrk.lua|"
  "llm, on (defaults: at most 100 samples/s)|bench/wrk.lua|$ON -Dsagewatch.endpoint.bench.monitor.preset=llm"
  "llm, on, every inference sampled|bench/wrk.lua|$ALL -Dsagewatch.endpoint.bench.monitor.preset=llm"
  "tabular (12 features), off|bench/wrk-tabular.lua|"
  "tabular (12 features), on, every inference sampled|bench/wrk-tabular.lua|$ALL"
)

worker_ticks() {
  local task
  for task in /proc/"$1"/task/*; do
    if [ "$(cat "$task/comm" 2>/dev/null)" = "sagewatch-model" ]; then awk '{print $14 + $15}' "$task/stat"; return; fi
  done
  echo 0
}
samples() {
  curl -fs "http://127.0.0.1:$1/q/metrics" | awk '/^ModelHealthSamples_total/ {s += $2} END {printf "%.0f", s + 0}'
}

: > target/bench/monitor.txt
for round in $(seq 1 "$ROUNDS"); do
  for spec in "${VARIANTS[@]}"; do
    IFS='|' read -r label script flags <<< "$spec"
    http=$(free_port)
    # shellcheck disable=SC2046,SC2086 # the flags are words
    java $(gateway_flags "$http" "$PROXY" "$MODEL") $flags -Dquarkus.log.category.\"sagewatch.inference\".level=WARN \
      -Dsagewatch.endpoints.allowed=bench -jar target/quarkus-app/quarkus-run.jar > target/bench/monitor-gateway.log 2>&1 &
    gw=$!; PIDS="$gw"
    for _ in $(seq 1 300); do
      curl -fs -o /dev/null -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$http/endpoints/bench/invocations" && break
      sleep 0.1
    done
    for _ in 1 2; do wrk -t2 -c64 -d"$DURATION" -s "$script" "http://127.0.0.1:$http/endpoints/bench/invocations" > /dev/null; done
    before=$(cpu_ticks "$gw"); worker_before=$(worker_ticks "$gw"); samples_before=$(samples "$http")
    wrk -t2 -c64 -d"$DURATION" --latency -s "$script" "http://127.0.0.1:$http/endpoints/bench/invocations" > target/bench/monitor-run.txt
    sleep 1 # the worker drains what is queued
    after=$(cpu_ticks "$gw"); worker_after=$(worker_ticks "$gw"); samples_after=$(samples "$http")
    summary=$(python3 bench/wrk_summary.py target/bench/monitor-run.txt) || exit 1
    read -r p50 p99 rps requests <<< "$summary"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rps" "$p50" "$((after - before))" "$((worker_after - worker_before))" \
      "$requests" "$((samples_after - samples_before))" >> target/bench/monitor.txt
    kill "$gw"; wait "$gw" 2>/dev/null || true; PIDS=""
  done
done
kill "$SERVICES"; wait "$SERVICES" 2>/dev/null || true
# the request path alone, measured in one process: CPU of the calling thread per settled outcome
java -cp "$CP" io.sagewatch.bench.ModelHealthIntakeCost 2000000 2> /dev/null > target/bench/monitor-intake.md

python3 - target/bench/monitor.txt "$ROUNDS" "$DURATION" "$(getconf CLK_TCK)" <<'PY'
import statistics, sys
tick_us = 1e6 / float(sys.argv[4])
rows = {}
for line in open(sys.argv[1]):
    label, rps, p50, ticks, worker, requests, samples = line.rstrip("\n").split("\t")
    rows.setdefault(label, []).append((float(rps), float(p50), float(ticks) * tick_us / float(requests),
                                        float(worker) * tick_us / float(requests),
                                        float(worker) * tick_us / float(samples) if float(samples) else 0.0,
                                        float(samples) / float(requests)))
med = lambda runs, i: statistics.median(r[i] for r in runs)
print(f"| variant (median of {sys.argv[2]} interleaved {sys.argv[3]} runs, 64 connections) | req/s | p50 ms | CPU µs per inference | of which worker | request path vs off | worker µs per sampled record | sampled |")
print("|---|---|---|---|---|---|---|---|")
off = {}
for label, runs in rows.items():
    kind = label.split(",")[0]
    request_path = med(runs, 2) - med(runs, 3)
    if "off" in label:
        off[kind] = request_path
    delta = request_path - off.get(kind, request_path)
    print(f"| {label} | {med(runs, 0):.0f} | {med(runs, 1):.2f} | {med(runs, 2):.1f} | {med(runs, 3):.1f} | "
          f"{delta:+.1f} | {med(runs, 4):.1f} | {med(runs, 5) * 100:.0f} % |")
PY
echo
cat target/bench/monitor-intake.md
