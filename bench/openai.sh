#!/usr/bin/env bash
# The OpenAI front side by side, in one run, interleaved round by round. One chat completion in OpenAI's wire format
# against the same model fake (BenchServices: a chat model, on InvokeEndpoint and on an OpenAI route):
#   direct            - the fake's OpenAI route itself (what no proxy can beat)
#   gateway-openai    - Sagewatch's /v1/chat/completions (model "bench": the messages protocol, InvokeEndpoint)
#   gateway-sagemaker - the same body through Sagewatch's InvokeEndpoint front, for the OpenAI front's own share
#   portkey           - Portkey's AI gateway's /v1/chat/completions, its OpenAI provider pointed at the fake
# Per peer: added p50 at 1 connection, req/s and CPU per completion of the peer's process at 64 connections; then the
# added time to first chunk of a streamed completion (sequential, client-side time to the first body byte), beside
# the SageMaker front's stream of the same answer (InvokeEndpointWithResponseStream) over the fake's event stream.
# Usage: bench/openai.sh [rounds=3] [duration=10s]. Prints Markdown tables of medians.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; DURATION=${2:-10s}
GATEWAY_JVM=${GATEWAY_JVM:-@deploy/jvm.options -XX:MaxRAM=1g}
source bench/lib.sh
bench_setup

PIDS=""
trap cleanup EXIT
start_services 0 0 target/bench/openai-services.log
PIDS="$SERVICES"

start_gateway target/bench/openai-gateway.log
start_portkey target/bench/openai-portkey.log
FAKE_OPENAI="http://127.0.0.1:$MODEL/endpoints/bench/openai/v1"

# peer -> "url|pid|portkey custom host or empty"
declare -A PEER=(
  [direct]="$FAKE_OPENAI/chat/completions|$SERVICES|"
  [gateway-openai]="http://127.0.0.1:$GW/v1/chat/completions|$GW_PID|"
  [gateway-sagemaker]="http://127.0.0.1:$GW/endpoints/bench/invocations|$GW_PID|"
  [portkey]="http://127.0.0.1:$PORTKEY/v1/chat/completions|$PORTKEY_PID|$FAKE_OPENAI"
  # streams only: the fake's event stream (InvokeEndpointWithResponseStream) direct, and through the SageMaker front
  [direct-eventstream]="http://127.0.0.1:$MODEL/endpoints/bench/invocations-response-stream|$SERVICES|"
  [gateway-sagemaker-stream]="http://127.0.0.1:$GW/endpoints/bench/invocations-response-stream|$GW_PID|"
)
ORDER="direct gateway-openai gateway-sagemaker portkey"
BODY='{"model":"bench","messages":[{"role":"user","content":"hi"}]}'
for name in $ORDER; do
  IFS='|' read -r url _ host <<< "${PEER[$name]}"
  for _ in $(seq 1 300); do
    code=$(curl -s -o target/bench/openai-check.json -w '%{http_code}' -H 'Content-Type: application/json' \
      -H 'Authorization: Bearer bench' ${host:+-H "x-portkey-provider: openai" -H "x-portkey-custom-host: $host"} \
      -d "$BODY" "$url" || true)
    [ "$code" = 200 ] && grep -q chat.completion target/bench/openai-check.json && break
    sleep 0.1
  done
  [ "$code" = 200 ] || { echo "$name did not answer 200 ($code)"; cat target/bench/openai-check.json; exit 1; }
done

: > target/bench/openai.txt
run() {
  local name=$1 connections=$2 out=$3 url pid host before after
  IFS='|' read -r url pid host <<< "${PEER[$name]}"
  before=$(cpu_ticks "$pid")
  PORTKEY_CUSTOM_HOST=$host wrk -t"$((connections > 1 ? 2 : 1))" -c"$connections" -d"$DURATION" --latency \
    -s bench/peers/openai-chat.lua "$url" > "$out"
  after=$(cpu_ticks "$pid")
  summary=$(python3 bench/wrk_summary.py "$out") || exit 1
  read -r p50 p99 rps requests <<< "$summary"
  echo "$name $connections $p50 $p99 $rps $(cpu_us_per_request "$before" "$after" "$requests")" >> target/bench/openai.txt
}
# the fake's stream through each peer: time to the first body byte, sequential requests on one connection
ttft() {
  python3 - "$1" "$2" "$3" <<'PY'
import http.client, statistics, sys, time, urllib.parse
url, host, n = urllib.parse.urlparse(sys.argv[1]), sys.argv[2], int(sys.argv[3])
headers = {"Content-Type": "application/json", "Authorization": "Bearer bench"}
if host:
    headers.update({"x-portkey-provider": "openai", "x-portkey-custom-host": host})
body = '{"model":"bench","stream":true,"messages":[{"role":"user","content":"hi"}]}'
conn = http.client.HTTPConnection(url.hostname, url.port)
times = []
for _ in range(n):
    start = time.perf_counter_ns()
    conn.request("POST", url.path, body, headers)
    response = conn.getresponse()
    first = response.read1(1)
    times.append((time.perf_counter_ns() - start) / 1e6)
    assert first and response.status == 200, (response.status, first)
    response.read()
print(f"{statistics.median(times):.3f}")
PY
}

for name in $ORDER; do run "$name" 64 target/bench/openai-warmup.txt; run "$name" 64 target/bench/openai-warmup.txt; done
: > target/bench/openai.txt
: > target/bench/openai-ttft.txt
STREAMERS="direct gateway-openai portkey direct-eventstream gateway-sagemaker-stream"
for name in $STREAMERS; do IFS='|' read -r url _ host <<< "${PEER[$name]}"; ttft "$url" "$host" 200 > /dev/null; done
for round in $(seq 1 "$ROUNDS"); do
  for name in $ORDER; do
    run "$name" 1 "target/bench/openai-$name-1.txt"
    run "$name" 64 "target/bench/openai-$name-64.txt"
  done
  for name in $STREAMERS; do
    IFS='|' read -r url _ host <<< "${PEER[$name]}"
    echo "$name $(ttft "$url" "$host" 300)" >> target/bench/openai-ttft.txt
  done
done

python3 - target/bench/openai.txt target/bench/openai-ttft.txt "$ROUNDS" "$DURATION" "$GATEWAY_JVM" <<'PY'
import statistics, sys
rows, ttft = {}, {}
for line in open(sys.argv[1]):
    name, conns, p50, p99, rps, cpu = line.split()
    rows.setdefault((name, int(conns)), []).append((float(p50), float(p99), float(rps), float(cpu)))
for line in open(sys.argv[2]):
    name, ms = line.split()
    ttft.setdefault(name, []).append(float(ms))
med = {k: [statistics.median(c) for c in zip(*v)] for k, v in rows.items()}
print(f"One chat completion side by side (median of {sys.argv[3]} interleaved {sys.argv[4]} runs each; wrk on loopback; "
      f"gateway JVM flags: `{sys.argv[5].strip()}`)\n")
print("| | p50 at 1 conn | added p50 at 1 conn | req/s at 64 conns | p50 / p99 at 64 | CPU µs per completion |")
print("|---|---|---|---|---|---|")
direct1 = med[("direct", 1)][0]
for name in ["direct", "gateway-openai", "gateway-sagemaker", "portkey"]:
    one, many = med[(name, 1)], med[(name, 64)]
    added = "—" if name == "direct" else f"{one[0] - direct1:.3f} ms"
    print(f"| {name} | {one[0]:.3f} ms | {added} | {many[2]:.0f} | {many[0]:.2f} / {many[1]:.2f} ms | {many[3]:.0f} |")
print("\nTime to the first chunk of a streamed chat completion (median of per-round medians, 300 sequential requests)\n")
print("| | time to first chunk | added |")
print("|---|---|---|")
for name, base in [("direct", None), ("gateway-openai", "direct"), ("portkey", "direct"),
                   ("direct-eventstream", None), ("gateway-sagemaker-stream", "direct-eventstream")]:
    value = statistics.median(ttft[name])
    added = "—" if base is None else f"{value - statistics.median(ttft[base]):.3f} ms (over {base})"
    print(f"| {name} | {value:.3f} ms | {added} |")
PY
