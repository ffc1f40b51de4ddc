#!/usr/bin/env bash
# Where load shedding starts: the gateway jar (default limits: 256 in flight per endpoint, 512 in all) in front of a
# model fake answering after 50 ms, loaded by wrk at rising concurrency. Prints, per concurrency, the answers per
# second that reached the model (2xx) and those shed at once (429/503), and the p50 latency.
# Usage: bench/shedding.sh [duration=10s] [connections...=64 128 256 384 512]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10s}; shift || true
LEVELS=${*:-64 128 256 384 512}
source bench/lib.sh
bench_setup
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
start_services 50 0 target/bench/shed-services.log
PIDS="$SERVICES"
http=$(free_port)
# shellcheck disable=SC2046 # the flags are words
java $(gateway_flags "$http" "$PROXY" "$MODEL") -Dquarkus.log.category.\"sagewatch.inference\".level=WARN \
  -Dsagewatch.endpoints.allowed=bench -jar target/quarkus-app/quarkus-run.jar > target/bench/shed-gateway.log 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 1 300); do
  curl -fs -o /dev/null -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$http/endpoints/bench/invocations" && break
  sleep 0.1
done
# JIT warm-up below the bound
wrk -t2 -c64 -d"$DURATION" -s bench/wrk.lua "http://127.0.0.1:$http/endpoints/bench/invocations" > /dev/null

echo "| connections | answered (2xx) req/s | shed (429/503) req/s | p50 |"
echo "|---|---|---|---|"
for c in $LEVELS; do
  wrk -t2 -c"$c" -d"$DURATION" --latency -s bench/wrk.lua "http://127.0.0.1:$http/endpoints/bench/invocations" \
    > target/bench/shed-$c.txt
  python3 - target/bench/shed-$c.txt "$c" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
seconds = float(re.search(r"requests in ([\d.]+)s", text).group(1))
total = int(re.search(r"(\d+) requests in", text).group(1))
failed = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
shed = int(failed.group(1)) if failed else 0
p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)
print(f"| {sys.argv[2]} | {(total - shed) / seconds:.0f} | {shed / seconds:.0f} | {p50} |")
PY
done
