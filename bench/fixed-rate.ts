/**
 * Open-loop (fixed-rate) load generator for one URL, like wrk2: requests are due at fixed intervals
 * (t0 + i / rate) whether or not earlier ones have been answered, and latency is measured from the time a
 * request was DUE, not from when it could be sent, so a stalled server is not hidden by the generator
 * waiting for it (no coordinated omission). "service" latency (from the actual send) is reported beside it.
 *
 * Each of --connections keep-alive connections carries one request at a time (HTTP/1.1, no pipelining);
 * due requests wait in a FIFO for a free connection. It speaks raw HTTP over Bun.connect because fetch()
 * costs the generator several times more CPU per request, and this machine's 2 cores are shared.
 * The schedule is checked on a 1 ms timer (Bun's timers fire every ~1.07 ms) and after every response, so
 * a send can be up to ~1 ms late: "send_late" reports it, and the plain Bun.serve baseline run at the same
 * rate shows this floor. Spinning on setImmediate would remove it but take a whole core from the server.
 *
 * Every answer is checked: HTTP 200, the echoed text (repeated --repeat times) present, no "isError":true.
 * Anything else is counted.
 *
 *   bun bench/fixed-rate.ts --url http://127.0.0.1:PORT/mcp --rate 5000 --duration 10 --connections 64 [--session ID] [--warmup 3]
 *                           [--text T] [--repeat R]  # arguments {"text": T, "repeat": R}; R absent = no "repeat"
 *                           [--auth KEY]             # sends Authorization: Bearer KEY
 * Prints one line: FIXED_JSON {...} (latencies in ms).
 */
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({
  options: {
    url: { type: "string" },
    rate: { type: "string", default: "5000" },
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "64" },
    session: { type: "string" },
    text: { type: "string", default: "x".repeat(100) },
    repeat: { type: "string" },
    auth: { type: "string" },
    grace: { type: "string", default: "2" }, // seconds to wait for in-flight answers after the last send
    // Seconds at the same rate before measuring (like wrk2's calibration): answers are checked, not timed.
    // The gateway shows 10-20 ms stalls for the first ~3 s after load resumes, which is not steady state.
    warmup: { type: "string", default: "3" },
  },
});
if (!flags.url) throw new Error("--url is required");
const url = new URL(flags.url);
const rate = Number(flags.rate);
const warmupCount = Math.round(rate * Number(flags.warmup));
const measuredCount = Math.round(rate * Number(flags.duration));
const total = warmupCount + measuredCount;
const intervalMs = 1000 / rate;
const connections = Number(flags.connections);

// The request, with a 9-digit id so the Content-Length is the same for every request.
const before = '{"jsonrpc":"2.0","id":';
const repeat = flags.repeat === undefined ? undefined : Number(flags.repeat);
const args = repeat === undefined ? { text: flags.text } : { text: flags.text, repeat };
const after = `,"method":"tools/call","params":{"name":"echo","arguments":${JSON.stringify(args)}}}`;
const head =
  `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
  `Accept: application/json, text/event-stream\r\nMcp-Protocol-Version: 2025-11-25\r\n` +
  (flags.session && flags.session !== "-" ? `Mcp-Session-Id: ${flags.session}\r\n` : "") +
  (flags.auth ? `Authorization: Bearer ${flags.auth}\r\n` : "") +
  `Content-Length: ${before.length + 9 + after.length}\r\n\r\n${before}`;
const expected = Buffer.from(`"text":${JSON.stringify(flags.text!.repeat(repeat ?? 1))}`);
const isError = Buffer.from('"isError":true');
const HEADER_END = Buffer.from("\r\n\r\n");

const latency = new Float64Array(measuredCount); // from due time
const service = new Float64Array(measuredCount); // from send time
const lateness = new Float64Array(total); // send time - due time: the generator's own floor plus queueing for a connection
let done = 0, ok = 0, timed = 0, bad = 0, errors = 0, sent = 0, nextId = 100_000_000, lastAnswer = 0;
let measureFrom = Infinity; // due time of the first measured request, set once the schedule starts
const badSamples: string[] = [];

interface Conn {
  socket: Bun.Socket<Conn> | null;
  due: number; // due time of the request in flight, or -1 when idle
  sentAt: number;
  buf: Buffer | null;
}
const idle: Conn[] = [];
const queue: number[] = []; // due times waiting for a connection
let queueHead = 0;

function send(conn: Conn, due: number): void {
  conn.due = due;
  conn.sentAt = performance.now();
  lateness[sent++] = conn.sentAt - due;
  conn.socket!.write(`${head}${++nextId}${after}`);
}

function record(conn: Conn, good: boolean, sample?: string): void {
  const now = performance.now();
  lastAnswer = now;
  if (good) {
    ok++;
    if (conn.due >= measureFrom && timed < measuredCount) {
      latency[timed] = now - conn.due;
      service[timed] = now - conn.sentAt;
      timed++;
    }
  } else {
    bad++;
    if (sample && badSamples.length < 3) badSamples.push(sample);
  }
  done++;
  conn.due = -1;
  const due = queueHead < queue.length ? queue[queueHead++] : undefined;
  if (due !== undefined) send(conn, due);
  else idle.push(conn);
}

/** Parses as many complete responses as `conn.buf` holds (normally exactly one). */
function onData(conn: Conn, chunk: Buffer): void {
  conn.buf = conn.buf ? Buffer.concat([conn.buf, chunk]) : chunk;
  for (;;) {
    const buf: Buffer = conn.buf;
    const end = buf.indexOf(HEADER_END);
    if (end < 0) return;
    const header = buf.toString("latin1", 0, end).toLowerCase();
    const m = /\r\ncontent-length:\s*(\d+)/.exec(header);
    if (!m) throw new Error(`response without Content-Length: ${header}`);
    const bodyEnd = end + 4 + Number(m[1]);
    if (buf.length < bodyEnd) return;
    const status = Number(header.slice(9, 12));
    const body = buf.subarray(end + 4, bodyEnd);
    conn.buf = buf.length > bodyEnd ? buf.subarray(bodyEnd) : null;
    const good = status === 200 && body.indexOf(expected) >= 0 && body.indexOf(isError) < 0;
    record(conn, good, good ? undefined : `${status} ${body.toString("utf8", 0, 300)}`);
    if (!conn.buf) return;
  }
}

const conns: Conn[] = await Promise.all(
  Array.from({ length: connections }, async () => {
    const conn: Conn = { socket: null, due: -1, sentAt: 0, buf: null };
    conn.socket = await Bun.connect<Conn>({
      hostname: url.hostname,
      port: Number(url.port),
      data: conn,
      socket: {
        data: (s, chunk) => {
          onData(s.data, chunk);
          schedule();
        },
        close: (s) => {
          if (s.data.due >= 0) (errors++, done++);
          s.data.socket = null;
        },
        error: (s) => {
          if (s.data.due >= 0) (errors++, done++);
        },
      },
    });
    conn.socket.setNoDelay(true);
    return conn;
  }),
);
idle.push(...conns);

// Scheduler: releases every request that is due by now, to an idle connection or to the FIFO.
const t0 = performance.now() + 5;
measureFrom = t0 + warmupCount * intervalMs;
let issued = 0;
function schedule(): void {
  const now = performance.now();
  while (issued < total) {
    const due = t0 + issued * intervalMs;
    if (due > now) break;
    issued++;
    let conn = idle.pop();
    while (conn && !conn.socket) conn = idle.pop(); // skip closed connections
    if (conn) send(conn, due);
    else queue.push(due);
  }
  if (queueHead > 4096 && queueHead * 2 > queue.length) (queue.splice(0, queueHead), (queueHead = 0));
}
const timer = setInterval(schedule, 1);

// Wait for the schedule to finish, then for answers (bounded by --grace).
await new Promise<void>((resolve) => {
  const check = setInterval(() => {
    const late = performance.now() > t0 + total * intervalMs + Number(flags.grace) * 1000;
    if ((issued === total && done >= issued) || late) (clearInterval(check), resolve());
  }, 20);
});
clearInterval(timer);
// Answers per second over the span from the first due time to the last answer (a server that falls behind
// answers the backlog after the schedule ends, which stretches this span and lowers the figure).
const elapsedS = (Math.max(lastAnswer, t0 + total * intervalMs) - measureFrom) / 1000;
for (const c of conns) c.socket?.end();

const pct = (a: Float64Array, p: number) => (a.length ? +a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))]!.toFixed(3) : null);
const lat = latency.subarray(0, timed).sort();
const svc = service.subarray(0, timed).sort();
const late = lateness.subarray(warmupCount, sent).sort();
const result = {
  rate,
  scheduled: total,
  sent,
  ok,
  bad,
  errors,
  unanswered: total - done,
  achieved_rps: Math.round(timed / elapsedS),
  p50_ms: pct(lat, 50),
  p90_ms: pct(lat, 90),
  p99_ms: pct(lat, 99),
  p999_ms: pct(lat, 99.9),
  max_ms: timed ? +lat[timed - 1]!.toFixed(3) : null,
  service_p50_ms: pct(svc, 50),
  service_p99_ms: pct(svc, 99),
  send_late_p50_ms: pct(late, 50),
  send_late_p99_ms: pct(late, 99),
  bad_samples: badSamples,
};
console.log(`FIXED_JSON ${JSON.stringify(result)}`);
process.exit(0);
