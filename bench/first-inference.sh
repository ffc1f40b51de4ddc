#!/usr/bin/env bash
# Time from process start to the first successful inference, and resident memory, of the packaged jar
# (target/quarkus-app/quarkus-run.jar, the ECS build), on loopback: DynamoDB Local in its own JVM with the table
# already created (as in production), the built-in demo model as the SageMaker endpoint.
# Usage: bench/first-inference.sh [runs=3] [warm-requests=2000]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
WARM=${2:-2000}
JAVA=${JAVA:-java}

# the default (HTTP) build; a Lambda build in target/ serves no HTTP
if [ ! -f target/quarkus-app/quarkus-run.jar ] || ls target/quarkus-app/lib/main | grep -q quarkus-amazon-lambda; then
  ./mvnw -B -q package -DskipTests
fi
[ -f target/bench-classpath.txt ] || ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt

source bench/lib.sh
DDB=$(free_port)
"$JAVA" -cp "$(cat target/bench-classpath.txt)" com.amazonaws.services.dynamodbv2.local.main.ServerRunner \
  -inMemory -disableTelemetry -port "$DDB" > target/bench-dynamodb.log 2>&1 &
DDB_PID=$!
PIDS="$DDB_PID"
trap 'kill $PIDS 2>/dev/null || true' EXIT
create_table "$DDB"

echo "| run | start to first inference (ms) | RSS after first (MB) | RSS after $WARM more (MB) |"
echo "|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  HTTP=$(free_port); MODEL=$(free_port)
  START=$(date +%s%N)
  # shellcheck disable=SC2046 # the flags are words
  "$JAVA" $(gateway_flags "$HTTP" "$DDB" "$MODEL") \
    -Dsagewatch.dev.demo-model=true -Dsagewatch.dev.demo-model-port="$MODEL" \
    -Dsagewatch.endpoints.allowed=demo-sentiment \
    -jar target/quarkus-app/quarkus-run.jar > "target/bench-gateway-$run.log" 2>&1 &
  GW=$!
  PIDS="$DDB_PID $GW"
  python3 - "$HTTP" "$START" "$WARM" "$GW" "$run" <<'PY'
import http.client, sys, time
port, start_ns, warm, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def rss_mb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
def invoke(conn):
    conn.request("POST", "/endpoints/demo-sentiment/invocations", body=b"what a great day", headers={"Content-Type": "text/plain"})
    r = conn.getresponse(); r.read()
    return r.status
deadline = time.time() + 60
while True:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        if invoke(conn) == 200:
            break
    except OSError:
        pass
    if time.time() > deadline:
        sys.exit("no successful inference within 60 s")
    time.sleep(0.005)
first_ms = (time.time_ns() - start_ns) / 1e6
first_rss = rss_mb()
for _ in range(warm):
    assert invoke(conn) == 200
print(f"| {sys.argv[5]} | {first_ms:.0f} | {first_rss:.0f} | {rss_mb():.0f} |")
PY
  kill "$GW"; wait "$GW" 2>/dev/null || true
done
