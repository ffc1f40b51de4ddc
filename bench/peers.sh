#!/usr/bin/env bash
# Peers side by side, in one run, interleaved round by round so that the machine's noise hits all alike. In front of
# the same model fake (BenchServices, record writes acknowledged by its proxy):
#   direct   - the model fake itself (what no proxy can beat)
#   nginx    - nginx as a plain keepalive reverse proxy, one process: the floor of any proxy
#   gateway  - Sagewatch, the packaged jar with its shipped JVM settings (GATEWAY_JVM), recording, metrics, log line on
#   portkey  - Portkey's AI gateway (Node, npm @portkey-ai/gateway, bench/peers/package.json), its SageMaker provider
#              signing SigV4 for the model fake as a custom host
# Per peer: added p50 at 1 connection (over direct), req/s and p50/p99 at 64 connections, CPU per request of the peer's
# own process, RSS after the run. Usage: bench/peers.sh [rounds=3] [duration=10s]. Prints a Markdown table of medians.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; DURATION=${2:-10s}
# The gateway's JVM settings as the container ships them (deploy/jvm.options) in the ECS template's default task
# (1 GB: -XX:MaxRAM stands in for the container's limit), unless told otherwise.
GATEWAY_JVM=${GATEWAY_JVM:-@deploy/jvm.options -XX:MaxRAM=1g}
source bench/lib.sh
bench_setup
command -v nginx > /dev/null || { apt-get update -qq && apt-get install -y -qq nginx-light > /dev/null; }

PIDS=""
trap cleanup EXIT
start_services 0 0 target/bench/peers-services.log
PIDS="$SERVICES"

# nginx
NGINX_DIR=$(mktemp -d); NGINX=$(free_port)
sed -e "s#@DIR@#$NGINX_DIR#g" -e "s#@MODEL@#$MODEL#g" -e "s#@PORT@#$NGINX#g" bench/peers/nginx.conf.template > "$NGINX_DIR/nginx.conf"
nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" > target/bench/peers-nginx.log 2>&1 &
NGINX_PID=$!; PIDS="$PIDS $NGINX_PID"

# the gateway
start_gateway target/bench/peers-gateway.log
start_portkey target/bench/peers-portkey.log
export PORTKEY_MODEL_URL="http://127.0.0.1:$MODEL"

# peer -> "url|lua script|pid"
declare -A PEER=(
  [direct]="http://127.0.0.1:$MODEL/endpoints/bench/invocations|bench/wrk.lua|$SERVICES"
  [nginx]="http://127.0.0.1:$NGINX/endpoints/bench/invocations|bench/wrk.lua|$NGINX_PID"
  [gateway]="http://127.0.0.1:$GW/endpoints/bench/invocations|bench/wrk.lua|$GW_PID"
  [portkey]="http://127.0.0.1:$PORTKEY/v1/endpoints/bench/invocations|bench/peers/portkey.lua|$PORTKEY_PID"
)
ORDER="direct nginx gateway portkey"
for name in $ORDER; do
  IFS='|' read -r url script _ <<< "${PEER[$name]}"
  for _ in $(seq 1 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
      -H 'x-portkey-provider: sagemaker' -H "x-portkey-custom-host: $PORTKEY_MODEL_URL" \
      -H 'x-portkey-aws-access-key-id: bench' -H 'x-portkey-aws-secret-access-key: bench' \
      -H 'x-portkey-aws-region: us-east-1' -d '{}' "$url" || true)
    [ "$code" = 200 ] && break
    sleep 0.1
  done
  [ "$code" = 200 ] || { echo "$name did not answer 200 ($code)"; tail -20 "target/bench/peers-$name.log" 2>/dev/null; exit 1; }
done

# run NAME CONNECTIONS OUTPUT: wrk against a peer; appends "name connections p50 p99 rps cpu_us rss" to the results
: > target/bench/peers.txt
run() {
  local name=$1 connections=$2 out=$3 url script pid before after
  IFS='|' read -r url script pid <<< "${PEER[$name]}"
  before=$(cpu_ticks "$pid")
  wrk -t"$((connections > 1 ? 2 : 1))" -c"$connections" -d"$DURATION" --latency -s "$script" "$url" > "$out"
  after=$(cpu_ticks "$pid")
  summary=$(python3 bench/wrk_summary.py "$out") || exit 1
  read -r p50 p99 rps requests <<< "$summary"
  echo "$name $connections $p50 $p99 $rps $(cpu_us_per_request "$before" "$after" "$requests") \
$(awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status")" >> target/bench/peers.txt
}

# JIT and connection pools warm for every peer at full load first (the JVM's C2 needs a while)
for name in $ORDER; do run "$name" 64 target/bench/peers-warmup.txt; run "$name" 64 target/bench/peers-warmup.txt; done
: > target/bench/peers.txt
for round in $(seq 1 "$ROUNDS"); do
  for name in $ORDER; do
    run "$name" 1 "target/bench/peers-$name-1.txt"
    run "$name" 64 "target/bench/peers-$name-64.txt"
  done
done

python3 - target/bench/peers.txt "$ROUNDS" "$DURATION" "$GATEWAY_JVM" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, conns, p50, p99, rps, cpu, rss = line.split()
    rows.setdefault((name, int(conns)), []).append((float(p50), float(p99), float(rps), float(cpu), float(rss)))
med = {k: [statistics.median(c) for c in zip(*v)] for k, v in rows.items()}
print(f"Peers side by side (median of {sys.argv[2]} interleaved {sys.argv[3]} runs each; wrk on loopback; "
      f"gateway JVM flags: `{sys.argv[4].strip()}`)\n")
print("| | p50 at 1 conn | added p50 at 1 conn | req/s at 64 conns | vs nginx | p50 / p99 at 64 | CPU µs per request | RSS MB |")
print("|---|---|---|---|---|---|---|---|")
direct1 = med[("direct", 1)][0]
nginx64 = med[("nginx", 64)][2]
for name in ["direct", "nginx", "gateway", "portkey"]:
    one, many = med[(name, 1)], med[(name, 64)]
    added = "—" if name == "direct" else f"{one[0] - direct1:.3f} ms"
    ratio = "—" if name == "direct" else f"{many[2] / nginx64:.3f}×"
    print(f"| {name} | {one[0]:.3f} ms | {added} | {many[2]:.0f} | {ratio} | {many[0]:.2f} / {many[1]:.2f} ms | "
          f"{many[3]:.0f} | {many[4]:.0f} |")
PY
