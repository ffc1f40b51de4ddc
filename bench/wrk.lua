-- The inference request, and at the end the latency distribution (µs) for the chart, in $WRK_PERCENTILES.
wrk.method = "POST"
wrk.body = '{"inputs": "the gateway measures the latency of the model"}'
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
  local path = os.getenv("WRK_PERCENTILES")
  if not path then return end
  local out = io.open(path, "w")
  for _, p in ipairs({1, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.5, 99.9, 99.99, 100}) do
    out:write(string.format("%g %d\n", p, latency:percentile(p)))
  end
  out:close()
end
