#!/usr/bin/env bash
# Side by side: two or more gateway builds or JVM settings under the same load, interleaved round by round (the order
# rotated each round) so the machine's noise hits all alike (P1 load: 64 connections, no delays; records acknowledged
# by the delaying proxy).
# Usage: bench/ab.sh ROUNDS "label|quarkus-app dir|JVM flags" "label|dir|flags" ...  (CONNECTIONS=1 for one connection)
# e.g.   bench/ab.sh 3 "main|target/quarkus-app|" "lean|target/quarkus-app|-XX:+UseSerialGC -Xmx96m"
# Prints a Markdown table of medians: req/s, p50, p99, gateway CPU per inference, RSS after the run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=$1; shift
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=$((CONNECTIONS < 2 ? 1 : 2))
source bench/lib.sh
bench_setup

PIDS=""
trap cleanup EXIT
start_services 0 0 target/bench/ab-services.log

load() {
  WRK_PERCENTILES="$2.pct" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/wrk.lua "$1/endpoints/bench/invocations" > "$2"
}

: > target/bench/ab.txt
SPECS=("$@")
for round in $(seq 1 "$ROUNDS"); do
  # each round starts one variant later: no variant always has the same slot (on 2026-12-07 the second slot of every
  # round ran fastest, whichever build was in it)
  ORDERED=("${SPECS[@]:$(( (round - 1) % ${#SPECS[@]} ))}" "${SPECS[@]:0:$(( (round - 1) % ${#SPECS[@]} ))}")
  for spec in "${ORDERED[@]}"; do
    IFS='|' read -r label dir flags <<< "$spec"
    http=$(free_port)
    # shellcheck disable=SC2046,SC2086 # the flags are words
    java $flags $(gateway_flags "$http" "$PROXY" "$MODEL") -Dquarkus.log.category.\"sagewatch.inference\".level=WARN \
      -Dsagewatch.endpoints.allowed=bench -jar "$dir/quarkus-run.jar" > "target/bench/ab-${label// /_}.log" 2>&1 &
    gw=$!
    for _ in $(seq 1 300); do
      curl -fs -o /dev/null -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$http/endpoints/bench/invocations" && break
      sleep 0.1
    done
    load "http://127.0.0.1:$http" target/bench/ab-warmup.txt
    load "http://127.0.0.1:$http" target/bench/ab-warmup.txt
    before=$(cpu_ticks "$gw")
    load "http://127.0.0.1:$http" "target/bench/ab-${label// /_}.txt"
    after=$(cpu_ticks "$gw")
    rss=$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$gw/status")
    summary=$(python3 bench/wrk_summary.py "target/bench/ab-${label// /_}.txt") || exit 1
    read -r p50 p99 rps requests <<< "$summary"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rps" "$p50" "$p99" \
      "$(cpu_us_per_request "$before" "$after" "$requests")" "$rss" >> target/bench/ab.txt
    kill "$gw"; wait "$gw" 2>/dev/null || true
  done
done
kill "$SERVICES"; wait "$SERVICES" 2>/dev/null || true

python3 - target/bench/ab.txt "$ROUNDS" "$DURATION" "$CONNECTIONS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, *values = line.rstrip("\n").split("\t")
    rows.setdefault(label, []).append([float(v) for v in values])
first = None
print(f"| variant (median of {sys.argv[2]} interleaved {sys.argv[3]} runs, {sys.argv[4]} connections) | req/s | vs first | p50 ms | p99 ms | CPU µs per inference | RSS MB after |")
print("|---|---|---|---|---|---|---|")
for label, runs in rows.items():
    med = [statistics.median(column) for column in zip(*runs)]
    first = first or med[0]
    print(f"| {label} | {med[0]:.0f} | {med[0] / first:.2f}× | {med[1]:.3f} | {med[2]:.1f} | {med[3]:.0f} | {med[4]:.0f} |")
PY
