#!/usr/bin/env bash
# Per-inference cost of recording metrics for each sink (side by side, one run), and P5: CloudWatch API calls per
# N inferences for each sink (PutMetricData counted where it arrives: a counting CloudWatch endpoint on loopback).
# Usage: bench/metrics-cost.sh [measured-inferences=1000000] [p5-inferences=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q test-compile
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt
java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.sagewatch.bench.MetricsCostBenchmark "${1:-1000000}" "${2:-1000000}" 2>&1 | grep -E '^(\||$)'
