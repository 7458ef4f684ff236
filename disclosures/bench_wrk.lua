-- wrk's script for the serving benchmark (disclosures/serving_bench.py):
--   wrk -s disclosures/bench_wrk.lua http://127.0.0.1:PORT -- /path/one /path/two ...
-- Each connection requests the paths after "--" in turn (a mixed workload when there are
-- several), and the run ends with one line of JSON: latency percentiles in microseconds,
-- requests, seconds, and every error wrk counted (non-2xx/3xx statuses included), because
-- wrk's own summary has no p95 and is meant for people, not programs.

local paths = { "/" }
local counter = 0

function init(args)
   if #args > 0 then
      paths = args
   end
   -- Threads start at different places in the list, so a mix is mixed from the first request.
   counter = math.random(0, #paths - 1)
end

function request()
   counter = counter + 1
   return wrk.format(nil, paths[(counter % #paths) + 1])
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      '{"requests": %d, "seconds": %.6f, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, '
         .. '"mean_us": %.1f, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
      summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
      latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
