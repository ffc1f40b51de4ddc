#!/usr/bin/env bash
# The native Lambda build's cold start, as Lambda would see it: target/function.zip unzipped, its bootstrap started
# ROUNDS times against a local Lambda Runtime API (the one LambdaFunctionZipIT uses) in front of DynamoDB Local and
# the SageMaker fake. Per start: init (process start to its first "next"), the first invocation (event handed out to
# response), RSS after it. Prints a Markdown table of medians.
# Builds function.zip with -Plambda,native when target/function.zip holds no bootstrap (GRAALVM_HOME or the kit).
# Usage: bench/lambda-native.sh [rounds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-10}
GRAALVM_HOME=${GRAALVM_HOME:-$PWD/target/native-image-kit}
mkdir -p target/bench
if ! unzip -Z1 target/function.zip 2>/dev/null | grep -x bootstrap > /dev/null; then
  [ -x "$GRAALVM_HOME/bin/native-image" ] || bash ../shared/native-image-kit/install-native-image.sh "$GRAALVM_HOME"
  ./mvnw -B -q package -Plambda,native -DskipTests -Dquarkus.native.graalvm-home="$GRAALVM_HOME" \
    ${NATIVE_ARGS:+-Dquarkus.native.additional-build-args=$NATIVE_ARGS}
fi
rm -rf target/bench-lambda && mkdir -p target/bench-lambda
unzip -q target/function.zip -d target/bench-lambda
[ -f target/bench-classpath.txt ] || ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt
./mvnw -B -q test-compile
java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" io.sagewatch.bench.LambdaColdStart \
  target/bench-lambda "$ROUNDS" | grep -E '^[0-9.]+ [0-9.]+ [0-9]+$' > target/bench/lambda-cold-start.txt
zip_mb=$(du -m target/function.zip | cut -f1)
python3 - target/bench/lambda-cold-start.txt "$ROUNDS" "$zip_mb" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
init, first, rss = (statistics.median(r[i] for r in rows) for i in range(3))
print(f"| native Lambda, median of {sys.argv[2]} cold starts (local Runtime API) | |")
print("|---|---|")
print(f"| init: process start to the first `next` | {init:.0f} ms |")
print(f"| first invocation: event handed out to response (SageMaker call, record written, EMF line) | {first:.0f} ms |")
print(f"| RSS after the first invocation | {rss:.0f} MB |")
print(f"| function.zip | {sys.argv[3]} MB |")
PY
