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

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
DDB=$(free_port)
"$JAVA" -cp "$(cat target/bench-classpath.txt)" com.amazonaws.services.dynamodbv2.local.main.ServerRunner \
  -inMemory -disableTelemetry -port "$DDB" > target/bench-dynamodb.log 2>&1 &
DDB_PID=$!
PIDS="$DDB_PID"
trap 'kill $PIDS 2>/dev/null || true' EXIT
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
for _ in $(seq 1 100); do aws dynamodb list-tables --endpoint-url "http://127.0.0.1:$DDB" > /dev/null 2>&1 && break; sleep 0.2; done
aws dynamodb create-table --endpoint-url "http://127.0.0.1:$DDB" --table-name sagewatch-inferences \
  --billing-mode PAY_PER_REQUEST \
  --attribute-definitions AttributeName=inference_id,AttributeType=S AttributeName=request_id,AttributeType=S \
    AttributeName=endpoint,AttributeType=S AttributeName=received_at,AttributeType=S \
  --key-schema AttributeName=inference_id,KeyType=HASH AttributeName=request_id,KeyType=RANGE \
  --global-secondary-indexes 'IndexName=by-endpoint,KeySchema=[{AttributeName=endpoint,KeyType=HASH},{AttributeName=received_at,KeyType=RANGE}],Projection={ProjectionType=ALL}' \
  > /dev/null

echo "| run | start to first inference (ms) | RSS after first (MB) | RSS after $WARM more (MB) |"
echo "|---|---|---|---|"
for run in $(seq 1 "$RUNS"); do
  HTTP=$(free_port); MODEL=$(free_port)
  START=$(date +%s%N)
  "$JAVA" -Dquarkus.http.port="$HTTP" -Dquarkus.http.host=127.0.0.1 \
    -Dquarkus.dynamodb.endpoint-override="http://127.0.0.1:$DDB" -Dquarkus.dynamodb.aws.region=us-east-1 \
    -Dquarkus.dynamodb.aws.credentials.type=static \
    -Dquarkus.dynamodb.aws.credentials.static-provider.access-key-id=bench \
    -Dquarkus.dynamodb.aws.credentials.static-provider.secret-access-key=bench \
    -Dsagewatch.sagemaker.endpoint-override="http://127.0.0.1:$MODEL" -Dsagewatch.sagemaker.region=us-east-1 \
    -Dsagewatch.sagemaker.access-key-id=bench -Dsagewatch.sagemaker.secret-access-key=bench \
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
