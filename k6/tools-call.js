// k6 load test: MCP tools/call on the echo plugin over Streamable HTTP, at a rising fixed arrival rate.
// UNTESTED HERE: k6 is not installable on our build machines (see README.md); bench/run.ts is what we ran.
//
//   k6 run -e MCP_URL=http://127.0.0.1:3000/mcp -e PEAK_RATE=10000 k6/tools-call.js
//
// Each VU opens one MCP session on its first iteration (initialize + notifications/initialized) and reuses
// it, as an agent would. Open model (ramping-arrival-rate): k6 starts iterations on schedule whether or not
// earlier ones finished, so a slow gateway shows up as latency and dropped_iterations, not hidden by waiting.
import http from "k6/http";
import { check, fail } from "k6";

const URL = __ENV.MCP_URL || "http://127.0.0.1:3000/mcp";
const PEAK = Number(__ENV.PEAK_RATE || 10000); // tools/call per second at the top of the ramp
const TEXT = "x".repeat(Number(__ENV.TEXT_BYTES || 100));
const VERSION = "2025-11-25";

export const options = {
  scenarios: {
    tools_call: {
      executor: "ramping-arrival-rate",
      startRate: Math.round(PEAK / 10),
      timeUnit: "1s",
      preAllocatedVUs: Number(__ENV.VUS || 64),
      maxVUs: Number(__ENV.MAX_VUS || 256),
      stages: [
        { target: PEAK, duration: __ENV.RAMP || "30s" }, // ramp up
        { target: PEAK, duration: __ENV.HOLD || "60s" }, // hold at peak
        { target: 0, duration: "10s" },
      ],
    },
  },
  thresholds: {
    // The promise to users: under 20 ms P99 for a call (only tools/call is measured, not session setup).
    "http_req_duration{name:tools_call}": ["p(99)<20"],
    "checks{name:tools_call}": ["rate>0.999"],
    "http_req_failed{name:tools_call}": ["rate<0.001"],
    dropped_iterations: ["count<100"], // the generator itself could not keep the schedule
  },
};

const BASE_HEADERS = {
  "Content-Type": "application/json",
  Accept: "application/json, text/event-stream", // Streamable HTTP requires both
  "MCP-Protocol-Version": VERSION,
};

let session = null; // module scope is per VU in k6: one MCP session per VU
let nextId = 1;

function initialize() {
  const res = http.post(
    URL,
    JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: "k6", version: "1" } },
    }),
    { headers: BASE_HEADERS, tags: { name: "initialize" } },
  );
  const id = res.headers["Mcp-Session-Id"] || res.headers["mcp-session-id"];
  if (res.status !== 200 || !id) fail(`initialize failed: ${res.status} ${res.body}`);
  const headers = Object.assign({}, BASE_HEADERS, { "Mcp-Session-Id": id });
  const ack = http.post(URL, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), {
    headers,
    tags: { name: "initialized" },
  });
  if (ack.status !== 202) fail(`notifications/initialized got ${ack.status}`);
  return headers;
}

export default function () {
  if (!session) session = initialize();
  const id = nextId++;
  const res = http.post(
    URL,
    JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { text: TEXT } } }),
    { headers: session, tags: { name: "tools_call" } },
  );
  if (res.status === 404) session = null; // session expired or gateway restarted: initialize again next time
  let body = null;
  try {
    body = res.json();
  } catch (_) {
    // not JSON (e.g. an SSE reply): the checks below fail
  }
  check(
    res,
    {
      "status is 200": (r) => r.status === 200,
      "result is not an error": () => !!body && !!body.result && body.result.isError !== true && body.id === id,
      "echo returned the text": () => !!body && !!body.result && body.result.content && body.result.content[0].text === TEXT,
    },
    { name: "tools_call" },
  );
}
