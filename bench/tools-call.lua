-- wrk script: POST a JSON-RPC tools/call for tool "echo" with a text argument, and check every answer.
-- Usage: wrk -t1 -c64 -d10s -s bench/tools-call.lua http://127.0.0.1:PORT/mcp -- <session-id> <text> [<api-key> [<repeat>]]
--   session-id, api-key, repeat: "-" = none (no Mcp-Session-Id / no Authorization header / no "repeat" argument).
--   The text must need no JSON escaping (it is put into the body as is).
-- Each request gets its own JSON-RPC id (fixed width, so Content-Length never changes) like a real client's.
-- A response counts as bad unless it is HTTP 200, carries the text repeated `repeat` times and is not an
-- isError result.
-- done() prints one JSON line (prefixed "WRK_JSON ") that bench/run.ts parses; latencies are in µs.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local session, text, key, repeat_ = args[1], args[2], args[3], args[4]
  local headers = "Host: " .. wrk.host .. ":" .. wrk.port .. "\r\n"
    .. "Content-Type: application/json\r\n"
    .. "Accept: application/json, text/event-stream\r\n"
    .. "Mcp-Protocol-Version: 2025-11-25\r\n"
  if session and session ~= "-" then headers = headers .. "Mcp-Session-Id: " .. session .. "\r\n" end
  if key and key ~= "-" then headers = headers .. "Authorization: Bearer " .. key .. "\r\n" end
  local times, extra = 1, ""
  if repeat_ and repeat_ ~= "-" then
    times = tonumber(repeat_)
    extra = ',"repeat":' .. times
  end
  local before = '{"jsonrpc":"2.0","id":'
  local after = ',"method":"tools/call","params":{"name":"echo","arguments":{"text":"' .. text .. '"' .. extra .. '}}}'
  local length = #before + 9 + #after -- ids are 9 digits: 100000000 upwards
  head = "POST " .. wrk.path .. " HTTP/1.1\r\n" .. headers .. "Content-Length: " .. length .. "\r\n\r\n" .. before
  tail = after
  expected = '"text":"' .. string.rep(text, times) .. '"'
  id = 100000000
  ok, bad, shown = 0, 0, 0
end

function request()
  id = id + 1
  return head .. id .. tail
end

function response(status, headers, body)
  if status == 200 and body and string.find(body, expected, 1, true) and not string.find(body, '"isError":true', 1, true) then
    ok = ok + 1
  else
    bad = bad + 1
    if shown < 3 then -- a few samples make a failing run easy to diagnose
      shown = shown + 1
      io.stderr:write("bad response: " .. status .. " " .. tostring(body):sub(1, 300) .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local good, wrong = 0, 0
  for _, t in ipairs(threads) do
    good = good + t:get("ok")
    wrong = wrong + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"ok":%d,"bad":%d,"socket_errors":%d,"timeouts":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, good, wrong, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean))
end
