#!/usr/bin/env bash
# Streaming (InvokeEndpointWithResponseStream) side by side: straight to the model fake (the floor) and through the
# gateway, interleaved round by round, with src/test/java/io/sagewatch/bench/StreamLoad.java as the client.
#   - added time to first part at 1 and 64 streams at a time (4 parts each, unpaced);
#   - the gap between parts (32 parts paced 20 ms);
#   - concurrent streams sustained: N streams open at once, 64 parts paced 20 ms, every part within 5 ms of its slot;
#     and the gateway's RSS per open stream.
# Usage: bench/streams.sh [ROUNDS] [SUSTAIN_COUNTS...]   e.g. bench/streams.sh 3 250 500 1000 2000
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; shift || true
COUNTS=${*:-250 500 1000 2000}
source bench/lib.sh
bench_setup

PIDS=""
trap cleanup EXIT
start_services 0 0 target/bench/streams-services.log
PIDS="$SERVICES"

http=$(free_port)
# a stream holds its admission slot and its upstream connection until it ends: room for the largest count
# shellcheck disable=SC2046 # the flags are words
java -XX:+UseSerialGC -Xmx512m $(gateway_flags "$http" "$PROXY" "$MODEL") \
  -Dquarkus.log.category.\"sagewatch.inference\".level=WARN -Dsagewatch.endpoints.allowed=bench \
  -Dsagewatch.limits.max-concurrent=10000 -Dsagewatch.limits.max-concurrent-per-endpoint=10000 \
  -Dsagewatch.sagemaker.max-connections=10000 \
  -jar target/quarkus-app/quarkus-run.jar > target/bench/streams-gateway.log 2>&1 &
gw=$!
PIDS="$PIDS $gw"
for _ in $(seq 1 300); do
  curl -fs -o /dev/null -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$http/endpoints/bench/invocations" && break
  sleep 0.1
done

load() { java -cp "$CP" io.sagewatch.bench.StreamLoad "$@"; }
GATEWAY="http://127.0.0.1:$http"
DIRECT="http://127.0.0.1:$MODEL"
OUT=target/bench/streams.txt
: > "$OUT"

# warm the JIT on the stream path first
load ttft "$GATEWAY" 64 20000 > /dev/null
load sustain "$GATEWAY" 1000 > /dev/null

for round in $(seq 1 "$ROUNDS"); do
  for target in direct gateway; do
    url=$DIRECT; [ "$target" = gateway ] && url=$GATEWAY
    echo "round=$round target=$target c=1 $(load ttft "$url" 1 1000)" | tee -a "$OUT"
    echo "round=$round target=$target c=64 $(load ttft "$url" 64 10000)" | tee -a "$OUT"
    echo "round=$round target=$target $(load gaps "$url" 64)" | tee -a "$OUT"
  done
done
for count in $COUNTS; do
  echo "target=direct $(load sustain "$DIRECT" "$count")" | tee -a "$OUT"
  echo "target=gateway $(load sustain "$GATEWAY" "$count" "$gw")" | tee -a "$OUT"
done
echo "gateway errors logged: $(grep -c '"level":"ERROR"' target/bench/streams-gateway.log || true)" | tee -a "$OUT"
