# Shared by the bench scripts (sourced): free ports, the record table, and the gateway's flags for a loopback run.

# cpu_ticks PID: a process's CPU time so far, in clock ticks (user + system, from /proc)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# cpu_us_per_request TICKS_BEFORE TICKS_AFTER REQUESTS: a process's CPU time (from /proc/PID/stat) per request, in µs
cpu_us_per_request() { python3 -c "print(f'{($2 - $1) / $(getconf CLK_TCK) / $3 * 1e6:.0f}')"; }

# cleanup: kills what a script started (its pids in PIDS) and waits for them; scripts call `trap cleanup EXIT`
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; PIDS=""; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true

# create_table DYNAMO_PORT: the record table as production has it (InferenceTable.createRequest), before the gateway
# starts, so that no run times the table's creation.
create_table() {
  for _ in $(seq 1 100); do aws dynamodb list-tables --endpoint-url "http://127.0.0.1:$1" > /dev/null 2>&1 && break; sleep 0.2; done
  aws dynamodb create-table --endpoint-url "http://127.0.0.1:$1" --table-name sagewatch-inferences \
    --billing-mode PAY_PER_REQUEST \
    --attribute-definitions AttributeName=inference_id,AttributeType=S AttributeName=request_id,AttributeType=S \
      AttributeName=endpoint,AttributeType=S AttributeName=received_at,AttributeType=S \
    --key-schema AttributeName=inference_id,KeyType=HASH AttributeName=request_id,KeyType=RANGE \
    --global-secondary-indexes 'IndexName=by-endpoint,KeySchema=[{AttributeName=endpoint,KeyType=HASH},{AttributeName=received_at,KeyType=RANGE}],Projection={ProjectionType=ALL}' \
    > /dev/null
}

# gateway_flags HTTP_PORT DYNAMO_PORT MODEL_PORT: system properties for the jar, static credentials, loopback only.
gateway_flags() {
  echo "-Dquarkus.http.port=$1 -Dquarkus.http.host=127.0.0.1" \
    "-Dquarkus.dynamodb.endpoint-override=http://127.0.0.1:$2 -Dquarkus.dynamodb.aws.region=us-east-1" \
    "-Dquarkus.dynamodb.aws.credentials.type=static" \
    "-Dquarkus.dynamodb.aws.credentials.static-provider.access-key-id=bench" \
    "-Dquarkus.dynamodb.aws.credentials.static-provider.secret-access-key=bench" \
    "-Dsagewatch.sagemaker.endpoint-override=http://127.0.0.1:$3 -Dsagewatch.sagemaker.region=us-east-1" \
    "-Dsagewatch.sagemaker.access-key-id=bench -Dsagewatch.sagemaker.secret-access-key=bench"
}

# bench_setup: what a fresh machine may lack (wrk for the load, awscli for the table), the packaged HTTP jar, and the
# test classes with their classpath in CP (BenchServices lives there).
bench_setup() {
  local tool
  for tool in wrk:wrk aws:awscli; do
    command -v "${tool%%:*}" > /dev/null || { apt-get update -qq && apt-get install -y -qq "${tool#*:}" > /dev/null; }
  done
  # the default (HTTP) build; a Lambda build in target/ serves no HTTP
  if [ ! -f target/quarkus-app/quarkus-run.jar ] || compgen -G 'target/quarkus-app/lib/main/*quarkus-amazon-lambda*' > /dev/null; then
    ./mvnw -B -q package -DskipTests
  fi
  ./mvnw -B -q test-compile
  ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
  CP="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
  mkdir -p target/bench
}

# start_services D1_MS D2_MS LOG [TABLE=ack|write]: the model fake, DynamoDB Local and the delaying proxy
# (BenchServices), with the table; sets DYNAMO, PROXY, MODEL and SERVICES (its pid).
start_services() {
  DYNAMO=$(free_port); PROXY=$(free_port); MODEL=$(free_port)
  java -cp "$CP" io.sagewatch.bench.BenchServices "$DYNAMO" "$PROXY" "$MODEL" "$1" "$2" "${4:-ack}" > "$3" 2>&1 &
  SERVICES=$!
  for _ in $(seq 1 100); do grep -q "ready" "$3" && break; sleep 0.2; done
  create_table "$DYNAMO"
}

# first_inference VARIANT DIR DYNAMO_PORT MODEL_PORT COMMAND...: P3, one start. Runs COMMAND in DIR (a java command,
# then "-jar quarkus-run.jar" is added; or a native executable) with the gateway's flags, against the model fake
# already running out of process, as SageMaker is in production; polls until the first successful inference, prints
# "VARIANT ms_from_process_start rss_mb_after_it" (and its CPU ms so far with PROBE_CPU=1), stops it.
# The probe starts the process itself, once its interpreter is up: Python takes ~110 ms to start here, which would
# otherwise be counted (and compete for the two cores) in every start, and would be most of a native one.
first_inference() {
  local variant=$1 dir=$2 ddb=$3 model=$4 http jar=()
  shift 4
  http=$(free_port)
  case "$1" in */java | java) jar=(-jar quarkus-run.jar) ;; esac
  # shellcheck disable=SC2046 # the flags are words
  python3 - "$variant" "$dir" "$http" "target/bench/start-$variant.log" "$@" $(gateway_flags "$http" "$ddb" "$model") \
    -Dsagewatch.endpoints.allowed=demo-sentiment "${jar[@]}" <<'PY'
import http.client, os, subprocess, sys, time
variant, cwd, port, log, command = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
with open(log, "w") as out:
    start_ns = time.time_ns()
    gateway = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    try:  # the gateway is stopped whatever the probe finds
        deadline = time.time() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("POST", "/endpoints/demo-sentiment/invocations", body=b"what a great day",
                             headers={"Content-Type": "text/plain"})
                response = conn.getresponse(); response.read()
                if response.status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or gateway.poll() is not None:
                sys.exit(f"{variant}: no successful inference within 60 s (exit status {gateway.poll()})")
            time.sleep(0.002)
        ms = (time.time_ns() - start_ns) / 1e6
        status = f"/proc/{gateway.pid}"
        rss = next(int(l.split()[1]) for l in open(f"{status}/status") if l.startswith("VmRSS:")) / 1024
        cpu = sum(int(x) for x in open(f"{status}/stat").read().rsplit(")", 1)[1].split()[11:13]) * 1000 \
            // os.sysconf("SC_CLK_TCK")
        print(variant, f"{ms:.0f}", f"{rss:.0f}", *([cpu] if os.environ.get("PROBE_CPU") else []))
    finally:
        gateway.terminate()
        try:
            gateway.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gateway.kill(); gateway.wait()
PY
}

# start_gateway LOG: the packaged jar with $GATEWAY_JVM against the services above, endpoint "bench" allowed, the log
# line off; sets GW (its port) and GW_PID, and adds it to PIDS.
start_gateway() {
  GW=$(free_port)
  # shellcheck disable=SC2046,SC2086 # the flags are words
  java $GATEWAY_JVM $(gateway_flags "$GW" "$PROXY" "$MODEL") -Dquarkus.log.category.\"sagewatch.inference\".level=WARN \
    -Dsagewatch.endpoints.allowed=bench -jar target/quarkus-app/quarkus-run.jar > "$1" 2>&1 &
  GW_PID=$!; PIDS="$PIDS $GW_PID"
}

# start_portkey LOG: Portkey's AI gateway (bench/peers/package.json, installed on first use); sets PORTKEY (its port)
# and PORTKEY_PID, and adds it to PIDS.
start_portkey() {
  [ -d bench/peers/node_modules/@portkey-ai/gateway ] || (cd bench/peers && npm install --no-audit --no-fund --silent)
  PORTKEY=$(free_port)
  (cd bench/peers && NODE_ENV=production exec node node_modules/@portkey-ai/gateway/build/start-server.js \
    --port="$PORTKEY" --headless) > "$1" 2>&1 &
  PORTKEY_PID=$!; PIDS="$PIDS $PORTKEY_PID"
}
