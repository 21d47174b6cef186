/**
 * The real gateway in a process of its own, for the load benchmark: 127.0.0.1, port 0, the repo's plugins/,
 * no watcher, warn-level logs, state in a temp dir. Prints one JSON line {"url": ".../mcp", "apiKey"?} on
 * stdout once it listens, and stops cleanly on SIGTERM/SIGINT or when stdin closes (so a crashed parent
 * does not leave it running). A clean exit matters under `bun --cpu-prof`, which writes its profile on exit.
 *
 * BENCH_CHAIN selects the hot path:
 *   bare  — no stages: the data plane alone (bare tools/call)
 *   full  — every stage: API-key auth, rate limits (budgets far above the load, so none refuses), CEL
 *           policy, input firewall, output DLP, audit to SQLite (issue #3's "full chain")
 *   (unset) — the shipped defaults (anonymous on loopback, policy, firewall, DLP, audit)
 * BENCH_WITHOUT=audit,dlp (with full): the full chain minus the listed stages (authn, ratelimit, policy,
 *   firewall, dlp, audit), to measure what each one costs; without authn there is no key (anonymous).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../src/config/load.ts";
import { startGateway } from "../src/gateway.ts";
import { generateApiKey } from "../src/pipeline/authn/api-key.ts";
import { openKeyStore } from "../src/adapters/api-key-store.ts";

const pluginsDir = process.argv[2] ?? join(import.meta.dir, "..", "plugins");
const dataDir = mkdtempSync(join(tmpdir(), "bench-gateway-"));
const mode = process.env.BENCH_CHAIN ?? "";
const BARE = { policy: { enabled: false }, firewall: { enabled: false }, dlp: { enabled: false }, audit: { enabled: false } };
const BUDGET = { rate: 1_000_000, burst: 1_000_000 };
const without = new Set((process.env.BENCH_WITHOUT ?? "").split(",").filter(Boolean));
for (const s of without) if (!["authn", "ratelimit", "policy", "firewall", "dlp", "audit"].includes(s)) throw new Error(`BENCH_WITHOUT: unknown stage "${s}"`);
const FULL = {
  ...(without.has("authn") ? {} : { auth: { anonymous: false } }),
  ...(without.has("ratelimit") ? {} : { rateLimit: { tenant: BUDGET, principal: BUDGET, tool: BUDGET } }),
  ...Object.fromEntries(["policy", "firewall", "dlp", "audit"].filter((s) => without.has(s)).map((s) => [s, { enabled: false }])),
};
const config = validateConfig(
  {
    server: { host: "127.0.0.1", port: 0 },
    plugins: { dir: pluginsDir, watch: false },
    storage: { dataDir },
    log: { level: "warn" },
    ...(mode === "bare" ? BARE : mode === "full" ? FULL : {}),
  },
  "bench",
);

/** The full chain authenticates with a real API key, created in the store the gateway reads at start. */
async function createKey(): Promise<string> {
  const store = await openKeyStore(config.storage);
  const { key, id, hash } = generateApiKey();
  await store.insert({ id, hash, tenant: "bench", roles: ["user"], name: "bench", createdAt: new Date().toISOString(), revokedAt: null });
  await store.close();
  return key;
}
const apiKey = mode === "full" && !without.has("authn") ? await createKey() : undefined;
const gateway = await startGateway(config);
console.log(JSON.stringify({ url: `${gateway.url}/mcp`, pid: process.pid, apiKey }));

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
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop).on("close", stop).resume();
