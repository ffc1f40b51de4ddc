#!/usr/bin/env bash
# Tracing's cost, side by side in one run (bench/ab.sh: interleaved rounds, the same load for all; at 64 connections,
# then at 1 connection for the added latency):
#   without  - the build just before tracing came (BASE, built from a git archive into target/bench/)
#   off      - this build as shipped: tracing off (quarkus.otel.sdk.disabled=true)
#   on-100   - this build, tracing on, every trace sampled, every span exported over OTLP/HTTP (protobuf) to a sink
#              that answers 200 (nginx, whose CPU is not the gateway's)
# Usage: bench/tracing.sh [rounds=3] [BASE commit=d7701d2]. Prints two Markdown tables of medians.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; BASE=${2:-d7701d2}
source bench/lib.sh
mkdir -p target/bench
command -v nginx > /dev/null || { apt-get update -qq && apt-get install -y -qq nginx-light > /dev/null; }
[ -f target/quarkus-app/quarkus-run.jar ] || ./mvnw -B -q package -DskipTests

WITHOUT=target/bench/without-tracing
if [ ! -f "$WITHOUT/target/quarkus-app/quarkus-run.jar" ]; then
  rm -rf "$WITHOUT"; mkdir -p "$WITHOUT"
  git archive "$BASE" | tar -x -C "$WITHOUT"
  (cd "$WITHOUT" && ./mvnw -B -q package -DskipTests)
fi

SINK=$(free_port)
SINK_DIR=$PWD/target/bench/otlp-sink
mkdir -p "$SINK_DIR"
cat > "$SINK_DIR/nginx.conf" <<CONF
worker_processes 1;
error_log stderr;
pid $SINK_DIR/nginx.pid;
daemon off;
events {}
http {
  access_log off;
  client_body_temp_path $SINK_DIR;
  server { listen 127.0.0.1:$SINK; location / { return 200; } }
}
CONF
nginx -p "$SINK_DIR" -c "$SINK_DIR/nginx.conf" > target/bench/otlp-sink.log 2>&1 &
NGINX_PID=$!
trap 'kill $NGINX_PID 2>/dev/null || true' EXIT

ON="-Dquarkus.otel.sdk.disabled=false -Dquarkus.otel.exporter.otlp.traces.endpoint=http://127.0.0.1:$SINK"
for connections in 64 1; do
  CONNECTIONS=$connections bench/ab.sh "$ROUNDS" \
    "without|$WITHOUT/target/quarkus-app|" \
    "off|target/quarkus-app|" \
    "on-100|target/quarkus-app|$ON"
done
