-- wrk script for every closed-loop row: optional request body, and a machine-readable
-- summary (wrk's text output rounds latencies; this prints exact microseconds).
--   BENCH_METHOD  request method (default GET)
--   BENCH_BODY    file sent as the request body (the upload row)

local method = os.getenv("BENCH_METHOD")
if method and method ~= "" then wrk.method = method end

local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  local f = assert(io.open(body, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/octet-stream"
end

function done(s, lat, _)
  local e = s.errors
  io.write(string.format(
    'BENCH {"us":%d,"requests":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}\n',
    s.duration, s.requests, s.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    lat:percentile(50), lat:percentile(99), lat:percentile(99.9), lat.max, lat.mean))
end
