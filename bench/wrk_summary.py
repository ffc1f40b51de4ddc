"""One wrk --latency report as numbers: "p50_ms p99_ms requests_per_s requests".

Fails (exit 1) when wrk saw non-2xx answers: a benchmark of failures is no benchmark.
Usage: python3 bench/wrk_summary.py REPORT
"""
import re
import sys


def ms(value):
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


text = open(sys.argv[1]).read()
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors:
    sys.exit(f"{sys.argv[1]}: {errors.group(1)} failed responses")
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
requests = int(re.search(r"(\d+) requests in", text).group(1))
print(f"{p50:.3f} {p99:.3f} {rps:.1f} {requests}")
