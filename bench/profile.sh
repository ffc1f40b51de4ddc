#!/usr/bin/env bash
# Where the gateway's CPU goes at saturation: async-profiler 4.1 (from Maven Central) attached to the packaged jar
# after a JIT warm-up, while wrk loads it at 64 connections (model fake and acknowledged record writes, as bench/ab.sh).
# Writes target/bench/profile.collapsed (flame-graph input) and prints the share of samples by component.
# Also prints the gateway's samples per 1 000 requests with the JIT's threads left out: a relative measure of CPU per
# request (itimer signals coalesce across threads, so samples undercount CPU time; compare builds by their ratio),
# steadier on this noisy machine than process CPU time, which counts a JIT still compiling.
# Usage: bench/profile.sh [seconds=20]; APP=<quarkus-app dir> profiles another build, GATEWAY_OPTS adds JVM flags.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PROFILED=${1:-20}
source bench/lib.sh
bench_setup
AP=target/bench/async-profiler
if [ ! -f "$AP/linux-x64/libasyncProfiler.so" ]; then
  ./mvnw -B -q dependency:get -Dartifact=tools.profiler:async-profiler:4.1
  mkdir -p "$AP" && unzip -o -q ~/.m2/repository/tools/profiler/async-profiler/4.1/async-profiler-4.1.jar \
    'linux-x64/*' -d "$AP"
fi
PIDS=""
trap cleanup EXIT
start_services 0 0 target/bench/profile-services.log
PIDS="$SERVICES"
http=$(free_port)
# shellcheck disable=SC2046 # the flags are words
java $(gateway_flags "$http" "$PROXY" "$MODEL") -Dquarkus.log.category.\"sagewatch.inference\".level=WARN \
  -Dsagewatch.endpoints.allowed=bench ${GATEWAY_OPTS:-} -jar "${APP:-target/quarkus-app}/quarkus-run.jar" \
  > target/bench/profile-gateway.log 2>&1 &
GW=$!; PIDS="$PIDS $GW"
for _ in $(seq 1 300); do
  curl -fs -o /dev/null -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:$http/endpoints/bench/invocations" && break
  sleep 0.1
done
URL="http://127.0.0.1:$http/endpoints/bench/invocations"
wrk -t2 -c64 -d30s -s bench/wrk.lua "$URL" > /dev/null   # JIT warm-up
OUT=$(pwd)/target/bench/profile.collapsed
# the options in quotes: jcmd would read "a=b" as one of its own named arguments
jcmd "$GW" "JVMTI.agent_load $(pwd)/$AP/linux-x64/libasyncProfiler.so \"start,event=itimer,interval=1ms\"" > /dev/null
RPS=$(wrk -t2 -c64 -d"${SECONDS_PROFILED}s" -s bench/wrk.lua "$URL" | awk '/Requests\/sec/ {print $2}')
echo "Requests/sec: $RPS"
jcmd "$GW" "JVMTI.agent_load $(pwd)/$AP/linux-x64/libasyncProfiler.so \"stop,collapsed,file=$OUT\"" > /dev/null
python3 - "$OUT" "$RPS" "$SECONDS_PROFILED" <<'PY'
import collections, sys
# A stack goes to: the JIT or the GC (by their threads); the AWS SDK if any frame is the SDK's (its own Netty
# included: the SDK called it); else the library of its leaf-most frame outside the JDK.
libraries = [("Sagewatch", "io/sagewatch"), ("Jackson", "com/fasterxml/jackson"), ("Micrometer", "io/micrometer"),
             ("Mutiny", "io/smallrye/mutiny"), ("RESTEasy Reactive / Quarkus", "org/jboss/resteasy"),
             ("RESTEasy Reactive / Quarkus", "io/quarkus"), ("Vert.x", "io/vertx"), ("Netty (Vert.x)", "io/netty"),
             ("JBoss logging", "org/jboss/logmanager")]
totals, total = collections.Counter(), 0
for line in open(sys.argv[1]):
    stack, count = line.rsplit(" ", 1)
    count, frames = int(count), stack.split(";")
    total += count
    if any(f.startswith(("CompileBroker", "C2Compiler", "Compiler", "C1")) for f in frames[:4]) or "CompileBroker::" in stack:
        chosen = "JIT compiler"
    elif "GCTaskThread" in stack or "G1" in frames[0] or "VM_GC" in stack or "GenCollect" in stack:
        chosen = "GC"
    elif "software/amazon/awssdk/http/auth" in stack:
        chosen = "AWS SDK: SigV4 signing (both calls)"
    elif "software/amazon/awssdk" in stack:
        chosen = "AWS SDK: the rest (client pipeline, its Netty, credentials)"
    else:
        chosen = "JDK / kernel"
        for frame in reversed(frames):
            hit = next((name for name, prefix in libraries if frame.startswith(prefix)), None)
            if hit:
                chosen = hit
                break
    totals[chosen] += count
print(f"{total} samples")
requests = float(sys.argv[2]) * float(sys.argv[3])
print(f"samples per 1 000 requests, the JIT compiler left out: {(total - totals['JIT compiler']) * 1000 / requests:.1f}")
for name, count in totals.most_common():
    print(f"{100 * count / total:5.1f} %  {name}")
PY
