/**
 * The real gateway in a process of its own, for the load benchmark: 127.0.0.1, port 0, the repo's plugins/,
 * no watcher, warn-level logs. Prints one JSON line {"url": ".../mcp"} on stdout once it listens, and stops
 * cleanly on SIGTERM/SIGINT or when stdin closes (so a crashed parent does not leave it running).
 * A clean exit matters under `bun --cpu-prof`, which writes its profile on exit.
 */
import { join } from "node:path";
import { validateConfig } from "../src/config/load.ts";
import { startGateway } from "../src/gateway.ts";

const pluginsDir = process.argv[2] ?? join(import.meta.dir, "..", "plugins");
const config = validateConfig(
  { server: { host: "127.0.0.1", port: 0 }, plugins: { dir: pluginsDir, watch: false }, log: { level: "warn" } },
  "bench",
);
const gateway = await startGateway(config);
console.log(JSON.stringify({ url: `${gateway.url}/mcp`, pid: process.pid }));

// BENCH_LAG=1: watch event-loop stalls (a 5 ms timer firing late) and report them on stderr every 5 s.
if (process.env.BENCH_LAG) {
  let last = performance.now(), worst = 0, over10 = 0, over50 = 0;
  setInterval(() => {
    const now = performance.now(), lag = now - last - 5;
    last = now;
    worst = Math.max(worst, lag);
    if (lag > 10) over10++;
    if (lag > 50) over50++;
  }, 5).unref();
  setInterval(() => {
    const mem = process.memoryUsage();
    console.error(`lag: worst ${worst.toFixed(1)} ms, >10ms ${over10}, >50ms ${over50}; rss ${(mem.rss / 2 ** 20).toFixed(0)} MB heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MB`);
    worst = over10 = over50 = 0;
  }, 5000).unref();
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await gateway.stop();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop).on("close", stop).resume();
