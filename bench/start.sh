#!/usr/bin/env bash
# P3 start: time from process start to the first successful inference, and RSS right after it, side by side and
# interleaved (one run of each variant per round, so that the machine's noise hits all of them alike):
#   floor            - a bare Quarkus REST hello-world (bench/hello), built the same way
#   floor + AOT      - the same with its JDK AOT cache
#   gateway          - the gateway jar (the ECS build): DynamoDB Local with the table already there, demo model in-process
#   gateway + AOT    - the same jar with its JDK AOT cache (-XX:AOTCache, trained at build time)
# All on Temurin 25 (the AOT cache needs it); the gateway also on the default JDK 17 for reference.
# Prints a Markdown table (medians). Usage: bench/start.sh [rounds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
AOT="-Dquarkus.package.jar.aot.enabled=true -Dquarkus.package.jar.aot.type=aot -Dquarkus.package.jar.aot.phase=build"
mkdir -p target/bench

# shellcheck disable=SC2086 # the flags are words
JAVA_HOME=$JDK25 ./mvnw -B -q package -DskipTests -Dquarkus.package.output-directory=aot-app $AOT
# shellcheck disable=SC2086
JAVA_HOME=$JDK25 ./mvnw -B -q -f bench/hello/pom.xml package $AOT
[ -f target/bench-classpath.txt ] || ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt

source bench/lib.sh
DDB=$(free_port)
java -cp "$(cat target/bench-classpath.txt)" com.amazonaws.services.dynamodbv2.local.main.ServerRunner \
  -inMemory -disableTelemetry -port "$DDB" > target/bench/start-dynamodb.log 2>&1 &
PIDS="$!"
trap 'kill $PIDS 2>/dev/null || true' EXIT
create_table "$DDB"

# run VARIANT JAVA APP_DIR EXTRA_FLAGS...: one start, prints "VARIANT ms rss_mb"
run() {
  local variant=$1 java=$2 dir=$3 http model start gw
  shift 3
  http=$(free_port); model=$(free_port)
  start=$(date +%s%N)
  # shellcheck disable=SC2046 # the flags are words
  (cd "$dir" && exec "$java" "$@" $(gateway_flags "$http" "$DDB" "$model") \
    -Dsagewatch.dev.demo-model=true -Dsagewatch.dev.demo-model-port="$model" \
    -Dsagewatch.endpoints.allowed=demo-sentiment -jar quarkus-run.jar) > "target/bench/start-$variant.log" 2>&1 &
  gw=$!
  python3 - "$http" "$start" "$gw" "$variant" <<'PY'
import http.client, sys, time
port, start_ns, pid, variant = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
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
    if time.time() > deadline:
        sys.exit(f"{variant}: no successful inference within 60 s")
    time.sleep(0.002)
ms = (time.time_ns() - start_ns) / 1e6
rss = next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:")) / 1024
print(variant, f"{ms:.0f}", f"{rss:.0f}")
PY
  kill "$gw"; wait "$gw" 2>/dev/null || true
}

: > target/bench/start.txt
for _ in $(seq 1 "$ROUNDS"); do
  {
    run floor "$JDK25/bin/java" bench/hello/target/quarkus-app
    run floor+aot "$JDK25/bin/java" bench/hello/target/quarkus-app -XX:AOTCache=app.aot
    run gateway "$JDK25/bin/java" target/aot-app
    run gateway+aot "$JDK25/bin/java" target/aot-app -XX:AOTCache=app.aot
    run gateway-jdk17 java target/aot-app
  } >> target/bench/start.txt
done

python3 - target/bench/start.txt "$ROUNDS" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    variant, ms, rss = line.split()
    runs.setdefault(variant, []).append((int(ms), int(rss)))
med = {v: (statistics.median(m for m, _ in r), statistics.median(s for _, s in r)) for v, r in runs.items()}
floor, plain, aot = med["floor"][0], med["gateway"][0], med["gateway+aot"][0]
def verdict(ok): return "met" if ok else "missed"
names = {"floor": "floor: Quarkus REST hello-world, JDK 25", "floor+aot": "floor + AOT cache",
         "gateway": "gateway jar, JDK 25", "gateway+aot": "gateway jar + AOT cache, JDK 25",
         "gateway-jdk17": "gateway jar, JDK 17 (default)"}
print(f"| P3 start, median of {sys.argv[2]} interleaved runs | start to first success | RSS after it | ratio |")
print("|---|---|---|---|")
for v, (ms, rss) in med.items():
    ratio = ""
    if v == "gateway":
        ratio = f"{plain / floor:.2f}× the floor (goal ≤ 1.25×: {verdict(plain / floor <= 1.25)})"
    elif v == "gateway+aot":
        ratio = f"{aot / plain:.2f}× its plain start (goal ≤ 0.6×: {verdict(aot / plain <= 0.6)}); {aot / floor:.2f}× the floor"
    elif v == "floor+aot":
        ratio = f"{ms / floor:.2f}× the floor"
    print(f"| {names[v]} | {ms:.0f} ms | {rss:.0f} MB | {ratio} |")
PY
