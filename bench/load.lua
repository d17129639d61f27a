-- wrk script of bench/load.py: replays the request plan load.py wrote (LOAD_PLAN, a Lua file
-- returning {headers = {name = {...}}, threads = {{{method, path, header set, body}, ...}}})
-- and prints wrk's summary as one JSON line for load.py to read.
--
-- Each wrk thread takes its own request list and loops over it; the requests are formatted
-- once in init(), so request() costs the load generator next to nothing (it shares the CPUs
-- with the server). LOAD_PLAN unset: wrk's own single request (the /healthz baseline).

local plan_file = os.getenv("LOAD_PLAN")
local plan = nil
if plan_file and plan_file ~= "" then
  plan = dofile(plan_file)
end

local started = 0

function setup(thread)
  started = started + 1
  thread:set("tid", started)
end

function init(args)
  if plan == nil then
    return
  end
  local mine = plan.threads[((tid - 1) % #plan.threads) + 1]
  formatted = {}
  for i, r in ipairs(mine) do
    local body = r[4]
    if body == "" then
      body = nil
    end
    formatted[i] = wrk.format(r[1], r[2], plan.headers[r[3]], body)
  end
  position = 0
end

if plan ~= nil then
  function request()
    position = position % #formatted + 1
    return formatted[position]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOADJSON {"duration_us": %d, "requests": %d, "bytes": %d, "connect": %d, "read": %d, '
      .. '"write": %d, "status": %d, "timeout": %d, "mean_us": %.1f, "max_us": %d, '
      .. '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99)))
end
