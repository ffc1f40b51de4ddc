#!/usr/bin/env bash
# P3 start: time from process start to the first successful inference, and RSS right after it, side by side and
# interleaved (one run of each variant per round, so that the machine's noise hits all of them alike):
#   floor            - a bare Quarkus REST hello-world (bench/hello), built the same way
#   floor + AOT      - the same with its JDK AOT cache
#   gateway          - the gateway jar (the ECS build): DynamoDB Local with the table already there, the model fake
#                      out of process (BenchServices)
#   gateway + AOT    - the same jar with its JDK AOT cache (-XX:AOTCache, trained at build time)
#   gateway, trained - as the JVM image ships it (deploy/ecs/Dockerfile.jvm): the aot-jar layout and a cache written
#                      after the training run (TrainingRun: 1 000 calls through its own port, then exit)
#   floor, trained   - the floor the same way: its cache written after 1 000 calls of the same POST
# All on Temurin 25 (the AOT cache needs it); the gateway also on the default JDK 17 for reference.
# Prints a Markdown table (medians). Usage: bench/start.sh [rounds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
AOT="-Dquarkus.package.jar.aot.enabled=true -Dquarkus.package.jar.aot.type=aot -Dquarkus.package.jar.aot.phase=build"
mkdir -p target/bench

# Each app twice: as Quarkus packages it by default (its own class loader, indexed), and in the layout the JDK AOT cache
# needs (a flat class path, the cache trained at build time), which is slower without the cache: plain variants run
# the first, AOT variants the second.
# shellcheck disable=SC2086 # the flags are words
JAVA_HOME=$JDK25 ./mvnw -B -q package -DskipTests -Dquarkus.package.output-directory=aot-app $AOT
JAVA_HOME=$JDK25 ./mvnw -B -q -f bench/hello/pom.xml package
# shellcheck disable=SC2086
JAVA_HOME=$JDK25 ./mvnw -B -q -f bench/hello/pom.xml package -Dquarkus.package.output-directory=aot-app $AOT

source bench/lib.sh
# Trained as the JVM image trains (Dockerfile.jvm): the gateway by its own training run, the floor by 1 000 POSTs
JAVA_HOME=$JDK25 ./mvnw -B -q package -DskipTests -Dquarkus.package.output-directory=aot-trained \
  -Dquarkus.package.jar.type=aot-jar
(cd target/aot-trained && rm -f app.aot && "$JDK25/bin/java" -XX:AOTCacheOutput=app.aot \
  -Dquarkus.profile=prod,training -Dquarkus.http.port="$(free_port)" -Dsagewatch.dev.demo-model-port="$(free_port)" \
  -Dsagewatch.dev.training-table-port="$(free_port)" -jar quarkus-run.jar > ../aot-training.log 2>&1) \
  || { tail -20 target/aot-training.log; exit 1; }
JAVA_HOME=$JDK25 ./mvnw -B -q -f bench/hello/pom.xml package -Dquarkus.package.output-directory=aot-trained \
  -Dquarkus.package.jar.type=aot-jar
HELLO=$(free_port)
(cd bench/hello/target/aot-trained && rm -f app.aot \
  && exec "$JDK25/bin/java" -XX:AOTCacheOutput=app.aot -Dquarkus.http.port="$HELLO" -jar quarkus-run.jar) \
  > target/aot-training-floor.log 2>&1 &
FLOOR=$!
python3 - "$HELLO" <<'PY'
import http.client, sys, time
port, deadline, answered = int(sys.argv[1]), time.time() + 60, 0
conn = None
while answered < 1000:
    try:
        conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("POST", "/endpoints/demo-sentiment/invocations", body=b"what a great day",
                     headers={"Content-Type": "text/plain"})
        response = conn.getresponse(); response.read()
        answered += response.status == 200
    except OSError:
        conn = None
        if time.time() > deadline:
            sys.exit("the floor's training run got no answer within 60 s")
        time.sleep(0.01)
PY
kill -TERM "$FLOOR"; wait "$FLOOR" || true
test -s bench/hello/target/aot-trained/app.aot

./mvnw -B -q package -DskipTests # the plain build, fresh like the others
bench_setup
# records really written (DynamoDB Local, the table already there), the model fake out of process as SageMaker is
start_services 0 0 target/bench/start-services.log write
trap 'kill $SERVICES 2>/dev/null || true' EXIT

run() {
  local variant=$1 java=$2 dir=$3
  shift 3
  first_inference "$variant" "$dir" "$DYNAMO" "$MODEL" "$java" "$@"
}

: > target/bench/start.txt
for _ in $(seq 1 "$ROUNDS"); do
  {
    run floor "$JDK25/bin/java" bench/hello/target/quarkus-app
    run floor+aot "$JDK25/bin/java" bench/hello/target/aot-app -XX:AOTCache=app.aot
    run gateway "$JDK25/bin/java" target/quarkus-app
    run gateway+aot "$JDK25/bin/java" target/aot-app -XX:AOTCache=app.aot
    run gateway-jdk17 java target/quarkus-app
    run floor+trained "$JDK25/bin/java" bench/hello/target/aot-trained -XX:AOTCache=app.aot
    run gateway+trained "$JDK25/bin/java" target/aot-trained -XX:AOTCache=app.aot
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
         "gateway-jdk17": "gateway jar, JDK 17 (default)",
         "floor+trained": "floor + AOT cache trained on 1 000 calls",
         "gateway+trained": "gateway + AOT cache trained by its training run (the JVM image)"}
print(f"| P3 start, median of {sys.argv[2]} interleaved runs | start to first success | RSS after it | ratio |")
print("|---|---|---|---|")
for v, (ms, rss) in med.items():
    ratio = ""
    if v == "gateway":
        ratio = f"{plain / floor:.2f}× the floor (goal ≤ 1.25×: {verdict(plain / floor <= 1.25)})"
    elif v == "gateway+aot":
        ratio = (f"{aot / plain:.2f}× its plain start (goal ≤ 0.6×: {verdict(aot / plain <= 0.6)}); {aot / floor:.2f}× the"
                 f" floor; {aot / med['floor+aot'][0]:.2f}× the floor + AOT cache")
    elif v == "gateway+trained":
        ratio = (f"{ms / floor:.2f}× the floor (goal ≤ 1.25×: {verdict(ms / floor <= 1.25)}); {ms / plain:.2f}× its"
                 f" plain start; {ms / med['floor+trained'][0]:.2f}× the floor with its own trained cache")
    elif v in ("floor+aot", "floor+trained"):
        ratio = f"{ms / floor:.2f}× the floor"
    print(f"| {names[v]} | {ms:.0f} ms | {rss:.0f} MB | {ratio} |")
PY
