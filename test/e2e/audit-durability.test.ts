/**
 * Audit durability end to end: nothing acknowledged for a HIGH tool may be missing from the database,
 * whether the gateway is SIGKILLed mid-load or the Postgres it writes to goes away and comes back.
 */
import { tempFolders } from "../helpers/temp.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { echoPluginsDir } from "../helpers/audit-plugins.ts";
import { startLoad, until } from "../helpers/audit-load.ts";
import { REPO, startTestGateway } from "../helpers/gateway.ts";
import { startPrivatePostgres, type PrivatePostgres } from "../helpers/private-postgres.ts";

const temp = tempFolders();


/** Starts `bun src/main.ts` as a child with MCP_SIDECAR_* config; resolves once it listens. */
async function spawnGateway(env: Record<string, string>): Promise<{ proc: Bun.Subprocess; url: string; stderr: string[] }> {
  const proc = Bun.spawn([join(REPO, "node_modules/.bin/bun"), "src/main.ts"], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdout: "ignore",
    stderr: "pipe",
  });
  const stderr: string[] = [];
  let resolveUrl!: (url: string) => void;
  const listening = new Promise<string>((r) => (resolveUrl = r));
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        stderr.push(line);
        if (line.includes("mcp-sidecar listening")) resolveUrl(JSON.parse(line).url);
      }
    }
  })();
  const url = await Promise.race([
    listening,
    proc.exited.then((code) => {
      throw new Error(`gateway exited with ${code} before listening:\n${stderr.join("\n")}`);
    }),
    Bun.sleep(20_000).then(() => {
      throw new Error(`gateway did not listen within 20 s:\n${stderr.join("\n")}`);
    }),
  ]);
  return { proc, url, stderr };
}

describe("SIGKILL mid-load (child process, SQLite)", () => {
  test("every call acknowledged to the client is in the database after a restart", async () => {
    const dataDir = temp.make("audit-kill-data-");
    const pluginsDir = echoPluginsDir("HIGH");
    temp.adopt(pluginsDir);
    const env = {
      MCP_SIDECAR_SERVER__HOST: "127.0.0.1",
      MCP_SIDECAR_SERVER__PORT: "0",
      MCP_SIDECAR_STORAGE__DATA_DIR: dataDir,
      MCP_SIDECAR_PLUGINS__DIR: pluginsDir,
      MCP_SIDECAR_PLUGINS__WATCH: "false",
      // HIGH tools need approval under the shipped policies; this test is about audit.
      MCP_SIDECAR_POLICY__ENABLED: "false",
      MCP_SIDECAR_LOG__LEVEL: "info",
    };
    const first = await spawnGateway(env);
    const load = await startLoad(first.url, 16, "kill");
    await until("400 acknowledged calls", () => load.acked.length >= 400);
    first.proc.kill("SIGKILL");
    await first.proc.exited;
    await load.stop();
    const acked = [...load.acked];
    expect(acked.length).toBeGreaterThanOrEqual(400);

    // Restart over the same data dir: it must open the database the crash left behind and keep serving.
    const second = await spawnGateway(env);
    const after = await startLoad(second.url, 1, "after");
    await until("a call after the restart", () => after.acked.length >= 1);
    await after.stop();
    second.proc.kill("SIGTERM");
    await second.proc.exited;

    const db = new Database(join(dataDir, "audit.sqlite"), { readonly: true });
    const texts = new Set(
      db
        .query<{ args: string }, []>("SELECT args FROM audit_records WHERE method = 'tools/call' AND args IS NOT NULL")
        .all()
        .map((r) => JSON.parse(r.args).text as string),
    );
    const total = db.query<{ n: number }, []>("SELECT count(*) AS n FROM audit_records WHERE method = 'tools/call'").get()!.n;
    db.close();
    const missing = acked.filter((t) => !texts.has(t));
    expect(missing).toEqual([]);
    expect(texts.has(after.acked[0]!)).toBe(true);
    // Records of calls cut off by the kill may or may not be there; nothing is counted twice.
    expect(total).toBe(texts.size);
    expect(total).toBeLessThanOrEqual(load.sent() + after.sent());
    console.log(`SIGKILL test: ${acked.length} acknowledged, ${load.sent()} sent, ${texts.size - after.acked.length} rows from the killed run`);
  }, 60_000);
});

describe("Postgres outage (private server stopped and restarted mid-load)", () => {
  let pg: PrivatePostgres | undefined;
  afterAll(async () => {
    await pg?.destroy();
  });

  test("calls acknowledged while the database was down are spooled, replayed exactly once, and none is missing", async () => {
    pg = await startPrivatePostgres();
    const dataDir = temp.make("audit-pg-outage-");
    const pluginsDir = echoPluginsDir("HIGH");
    temp.adopt(pluginsDir);
    await using gw = await startTestGateway({
      config: {
        storage: { dataDir, postgres: { url: pg.url } },
        plugins: { dir: pluginsDir },
        policy: { enabled: false },
        audit: { spool: { retryMs: 100 } },
      },
    });
    const spoolDir = join(dataDir, "audit-spool");
    const metric = async (name: string) => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
    };
    const load = await startLoad(gw.mcpUrl, 8, "pg");
    await until("200 calls before the outage", () => load.acked.length >= 200);

    await pg.stop();
    const atStop = load.acked.length;
    await until("300 calls acknowledged during the outage", () => load.acked.length >= atStop + 300);
    expect(await metric("audit_spooling")).toBe(1);
    expect(readdirSync(spoolDir).length).toBeGreaterThan(0);
    expect(gw.logs.some((l) => l.includes("audit database unavailable"))).toBe(true);

    await pg.start();
    const atStart = load.acked.length;
    await until("200 calls after the database returned", () => load.acked.length >= atStart + 200);
    await load.stop();
    await until("the spool drained", async () => (await metric("audit_spooling")) === 0 && readdirSync(spoolDir).length === 0);

    const sql = postgres(pg.url, { onnotice: () => {} });
    try {
      // HIGH calls are committed before their response, so the count is final once the load stopped.
      const rows = await sql<{ text: string }[]>`SELECT args->>'text' AS text FROM audit_records WHERE method = 'tools/call'`;
      const texts = new Set(rows.map((r) => r.text));
      expect(rows.length).toBe(texts.size); // exactly once
      const missing = load.acked.filter((t) => !texts.has(t));
      expect(missing).toEqual([]);
      expect(rows.length).toBeLessThanOrEqual(load.sent());
      console.log(`Postgres outage test: ${load.acked.length} acknowledged (${atStart - atStop} during the outage), ${load.failed.length} refused, ${rows.length} rows`);
    } finally {
      await sql.end();
    }
    expect(gw.logs.some((l) => l.includes("spool replayed"))).toBe(true);
  }, 90_000);
});
