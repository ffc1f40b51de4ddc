#!/usr/bin/env bash
# Model quality's and Data Capture's costs. In one process (QualityAndCaptureCost, JIT warmed): the request path per
# settled outcome with each off and on, and the worker threads' work per item. Then the whole gateway under load
# (64 connections) with Data Capture on against moto's S3: files put per 1 000 inferences, and CPU per inference
# beside the same load with it off, interleaved round by round.
# Usage: bench/quality.sh [ROUNDS]   (DURATION=20s, FLUSH=10s by default)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
DURATION=${DURATION:-20s}
FLUSH=${FLUSH:-10s}
source bench/lib.sh
bench_setup

java -cp "$CP" io.sagewatch.bench.QualityAndCaptureCost 2000000 2> /dev/null > target/bench/quality-inprocess.md

PIDS=""
trap cleanup EXIT
start_services 0 0 target/bench/quality-services.log
S3=$(free_port)
moto_server -H 127.0.0.1 -p "$S3" > target/bench/quality-moto.log 2>&1 &
MOTO=$!; PIDS="$PIDS $MOTO"
for _ in $(seq 1 100); do curl -fs -o /dev/null "http://127.0.0.1:$S3/moto-api/" && break; sleep 0.1; done
AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench aws --endpoint-url "http://127.0.0.1:$S3" --region us-east-1 \
  s3api create-bucket --bucket bench-capture > /dev/null

CAPTURE="-Dsagewatch.data-capture.destination=s3://bench-capture/datacapture -Dsagewatch.data-capture.flush-interval=$FLUSH \
 -Dquarkus.s3.endpoint-override=http://127.0.0.1:$S3 -Dquarkus.s3.aws.region=us-east-1 -Dquarkus.s3.path-style-access=true \
 -Dquarkus.s3.aws.credentials.type=static -Dquarkus.s3.aws.credentials.static-provider.access-key-id=bench \
 -Dquarkus.s3.aws.credentials.static-provider.secret-access-key=bench"
VARIANTS=("off|" "Data Capture on (every inference)|$CAPTURE")
thread_ticks() {
  local task
  for task in /proc/"$1"/task/*; do
    if [ "$(cat "$task/comm" 2>/dev/null)" = "$2" ]; then awk '{print $14 + $15}' "$task/stat"; return; fi
  done
  echo 0
}
: > target/bench/quality.txt
: > target/bench/quality-threads.txt
for round in $(seq 1 "$ROUNDS"); do
  for spec in "${VARIANTS[@]}"; do
    IFS='|' read -r label flags <<< "$spec"
    http=$(free_port)
    # shellcheck disable=SC2046,SC2086 # the flags are words
    java $(gateway_flags "$http" "$PROXY" "$MODEL") $flags -Dquarkus.log.category.\"sagewatch.inference\".level=WARN \
      -Dsagewatch.endpoints.allowed=bench -jar target/quarkus-app/quarkus-run.jar > target/bench/quality-gateway.log 2>&1 &
    gw=$!; PIDS="$PIDS $gw"
    for _ in $(seq 1 300); do
      curl -fs -o /dev/null -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$http/endpoints/bench/invocations" && break
      sleep 0.1
    done
    wrk -t2 -c64 -d10s -s bench/wrk.lua "http://127.0.0.1:$http/endpoints/bench/invocations" > /dev/null
    before=$(cpu_ticks "$gw"); writer_before=$(thread_ticks "$gw" sagewatch-data-); moto_before=$(cpu_ticks "$MOTO")
    wrk -t2 -c64 -d"$DURATION" --latency -s bench/wrk.lua "http://127.0.0.1:$http/endpoints/bench/invocations" > target/bench/quality-run.txt
    after=$(cpu_ticks "$gw"); writer_after=$(thread_ticks "$gw" sagewatch-data-); moto_after=$(cpu_ticks "$MOTO")
    # CPU by thread (names as the kernel keeps them), for where any difference goes
    for task in /proc/"$gw"/task/*; do
      printf '%s\t%s\n' "$(cat "$task/comm" 2>/dev/null)" "$(awk '{print $14 + $15}' "$task/stat" 2>/dev/null)"
    done | awk -F'\t' -v l="$label" '{gsub(/[0-9]+$/, "", $1); t[$1] += $2} END {for (n in t) printf "%s\t%s\t%d\n", l, n, t[n]}' \
      >> target/bench/quality-threads.txt
    kill "$gw"; wait "$gw" 2>/dev/null || true # shutdown puts what is left
    summary=$(python3 bench/wrk_summary.py target/bench/quality-run.txt) || exit 1
    read -r p50 p99 rps requests <<< "$summary"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rps" "$p50" "$((after - before))" "$requests" \
      "$((writer_after - writer_before))" "$((moto_after - moto_before))" >> target/bench/quality.txt
  done
done
# every object the runs put, and the lines in them (boto3 reads the bucket as a user would)
python3 - "$S3" > target/bench/quality-files.txt <<'PY'
import sys, boto3
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                  aws_access_key_id="bench", aws_secret_access_key="bench")
files = lines = 0
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="bench-capture"):
    for item in page.get("Contents", []):
        files += 1
        lines += s3.get_object(Bucket="bench-capture", Key=item["Key"])["Body"].read().count(b"\n")
print(files, lines)
PY
python3 - target/bench/quality.txt "$ROUNDS" "$DURATION" "$(getconf CLK_TCK)" "$(cat target/bench/quality-files.txt)" "$FLUSH" <<'PY'
import statistics, sys
tick_us = 1e6 / float(sys.argv[4])
files, lines = (int(x) for x in sys.argv[5].split())
rows = {}
for line in open(sys.argv[1]):
    label, rps, p50, ticks, requests, writer, moto = line.rstrip("\n").split("\t")
    rows.setdefault(label, []).append((float(rps), float(p50), float(ticks) * tick_us / float(requests),
                                        float(writer) * tick_us / float(requests), float(moto) * tick_us / float(requests)))
med = lambda runs, i: statistics.median(r[i] for r in runs)
print(f"| variant (median of {sys.argv[2]} interleaved {sys.argv[3]} runs, 64 connections) | req/s | p50 ms | gateway CPU µs per inference | of which the capture writer | S3 (moto) CPU µs per inference |")
print("|---|---|---|---|---|---|")
for label, runs in rows.items():
    print(f"| {label} | {med(runs, 0):.0f} | {med(runs, 1):.2f} | {med(runs, 2):.1f} | {med(runs, 3):.1f} | {med(runs, 4):.1f} |")
print()
print(f"Data Capture: {files} files holding {lines} lines over every 'on' run (flush interval {sys.argv[6]}): "
      f"{files / lines * 1000:.3f} S3 puts per 1 000 inferences." if lines else "Data Capture wrote nothing")
PY
echo
cat target/bench/quality-inprocess.md
