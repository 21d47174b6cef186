/**
 * Tenants end to end over real HTTP with the SDK client: per-tenant plugin config and secrets (inline and
 * process isolation), per-tenant plugin limits, and every cross-tenant path we could think of — another
 * tenant's session, forged headers and `_meta`, config key names, cancelling or resuming another tenant's
 * request — failing. Secrets must not show up in audit rows, logs, /readyz, /metrics or tools/list.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { SQLITE_FILE, SqliteKeyStore } from "../../src/adapters/api-key-store.ts";
import { generateApiKey } from "../../src/pipeline/authn/api-key.ts";
import { configPluginSpec, parseShown } from "../helpers/config-plugin.ts";
import { connectClient, rawInitialize, rawPost, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { tempFolders } from "../helpers/temp.ts";
import { HOSTILE, writeWatPlugin } from "../helpers/wat-plugin.ts";

const temp = tempFolders();
const V = "2025-11-25";
const ACME_SECRET = "acme-hush-0c41d2";
const GLOBEX_SECRET = "globex-hush-9e77a5";
/** Key names a guest might try to reach another tenant's values with. */
const KEYS = ["api_key", "region", "acme/api_key", "acme.api_key", "acme:api_key", "tenants.acme.plugins.tcfg.secrets.api_key", "../acme/api_key", "__proto__", "constructor"];

let gw: TestGateway;
let dataDir: string;
let store: SqliteKeyStore;
const keys: Record<string, string> = {};

beforeAll(async () => {
  dataDir = temp.make("tenancy-e2e-");
  store = SqliteKeyStore.open(join(dataDir, SQLITE_FILE));
  for (const tenant of ["acme", "globex", "initech"]) {
    const { key, id, hash } = generateApiKey();
    await store.insert({ id, hash, tenant, roles: ["user"], name: tenant, createdAt: new Date().toISOString(), revokedAt: null });
    keys[tenant] = key;
  }
  const perTenant = (region: string | undefined, secret: string) => ({
    ...(region ? { config: { region } } : {}),
    secrets: { api_key: secret },
  });
  gw = await startTestGateway({
    config: {
      storage: { dataDir },
      audit: { batch: { intervalMs: 5 } },
      // Output DLP would mask the plugin's "api_key=..." answer (it should, in production); off here so the
      // tests see exactly which secret each call got, and the "never leaks" checks cannot pass by masking.
      dlp: { enabled: false },
      tenants: {
        acme: { plugins: { tcfg: perTenant("eu", ACME_SECRET), "tcfg-proc": perTenant("eu", ACME_SECRET), limited: { limits: { maxConcurrent: 1, timeoutMs: 300 } } } },
        globex: { plugins: { tcfg: perTenant(undefined, GLOBEX_SECRET), "tcfg-proc": perTenant(undefined, GLOBEX_SECRET) } },
      },
    },
  });
  temp.adopt(gw.pluginsDir);
  writeWatPlugin(gw.pluginsDir, configPluginSpec("tcfg", KEYS, { config: { region: "us" } }));
  writeWatPlugin(gw.pluginsDir, { ...configPluginSpec("tcfg-proc", KEYS, { config: { region: "us" }, isolation: "process" }), tool: "show-config-proc" });
  writeWatPlugin(gw.pluginsDir, { name: "spinner", tool: "spin", ...HOSTILE.spin, manifest: { limits: { timeoutMs: 60_000 } } });
  writeWatPlugin(gw.pluginsDir, { name: "limited", tool: "spin-limited", ...HOSTILE.spin, manifest: { limits: { timeoutMs: 60_000, maxConcurrent: 4 } } });
  await gw.registry.rescan();
});
afterAll(async () => {
  await gw?.stop();
  await store?.close();
});

const bearer = (tenant: string) => ({ authorization: `Bearer ${keys[tenant]}` });
const textOf = (result: Record<string, unknown>) => ((result.content as { type: string; text: string }[])[0]!).text;

async function shownFor(tenant: string, tool = "show-config", headers: Record<string, string> = bearer(tenant)) {
  await using client = await connectClient(gw.mcpUrl, {}, headers);
  return parseShown(textOf(await client.callTool({ name: tool, arguments: {} })));
}

describe("per-tenant plugin config and secrets", () => {
  test("each tenant's call sees its own secret and config over the manifest's; a tenant with none gets the manifest's", async () => {
    const acme = await shownFor("acme");
    expect(acme.get("api_key")).toBe(ACME_SECRET);
    expect(acme.get("region")).toBe("eu"); // the tenant's value over the manifest's "us"
    const globex = await shownFor("globex");
    expect(globex.get("api_key")).toBe(GLOBEX_SECRET);
    expect(globex.get("region")).toBe("us"); // globex configured a secret only: the manifest's config stays
    const initech = await shownFor("initech");
    expect(initech.get("api_key")).toBeUndefined();
    expect(initech.get("region")).toBe("us");
  });

  test("the same holds for a plugin in process isolation (the values travel to the child with each call)", async () => {
    expect((await shownFor("acme", "show-config-proc")).get("api_key")).toBe(ACME_SECRET);
    expect((await shownFor("globex", "show-config-proc")).get("api_key")).toBe(GLOBEX_SECRET);
    const initech = await shownFor("initech", "show-config-proc");
    expect(initech.get("api_key")).toBeUndefined();
    expect(initech.get("region")).toBe("us");
  });

  test("no key name reaches another tenant's values: paths, prefixes and prototype names all come back empty", async () => {
    for (const tenant of ["globex", "initech"]) {
      const shown = await shownFor(tenant);
      for (const key of KEYS.slice(2)) expect([key, shown.get(key)]).toEqual([key, undefined]);
      expect([...shown.values()].join(";")).not.toContain(ACME_SECRET);
    }
  });

  test("Extism variables do not carry one tenant's state into another tenant's call on the same instance", async () => {
    // The plugin keeps its api_key in var "v" and reports the previous value: one instance (maxConcurrent 1).
    await shownFor("acme");
    expect((await shownFor("acme")).get("var")).toBe(ACME_SECRET);
    expect((await shownFor("globex")).get("var")).not.toBe(ACME_SECRET);
    expect((await shownFor("initech")).get("var")).toBeUndefined();
    expect((await shownFor("acme")).get("var")).toBe(ACME_SECRET);
  });
});

describe("cross-tenant attempts", () => {
  test("forged tenant headers, a second credential and `_meta` do not change whose values a call gets", async () => {
    const forged = { ...bearer("globex"), "x-tenant": "acme", "x-tenant-id": "acme", "x-mcp-tenant": "acme", "x-api-key": keys.acme!, "x-forwarded-client-cert": "URI=spiffe://cluster.local/ns/acme/sa/x" };
    const shown = await shownFor("globex", "show-config", forged);
    expect(shown.get("api_key")).toBe(GLOBEX_SECRET);
    const sid = await rawInitialize(gw.mcpUrl, V, bearer("globex"));
    const res = await rawPost(
      gw.mcpUrl,
      { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "show-config", arguments: { tenant: "acme" }, _meta: { tenant: "acme", principal: "acme" } } },
      { ...bearer("globex"), "mcp-session-id": sid, "mcp-protocol-version": V },
    );
    const body = await res.text();
    expect(body).toContain(GLOBEX_SECRET);
    expect(body).not.toContain(ACME_SECRET);
  });

  test("another tenant's session cannot be used to call a tool (404), and the owner's session still works", async () => {
    const sid = await rawInitialize(gw.mcpUrl, V, bearer("acme"));
    const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "show-config", arguments: {} } };
    const stolen = await rawPost(gw.mcpUrl, call, { ...bearer("globex"), "mcp-session-id": sid, "mcp-protocol-version": V });
    expect(stolen.status).toBe(404);
    expect(await stolen.text()).not.toContain(ACME_SECRET);
    const own = await rawPost(gw.mcpUrl, call, { ...bearer("acme"), "mcp-session-id": sid, "mcp-protocol-version": V });
    expect(own.status).toBe(200);
    expect(await own.text()).toContain(ACME_SECRET);
  });

  test("another tenant cannot cancel a running call (own session or the owner's) nor resume its stream", async () => {
    await using acme = await connectClient(gw.mcpUrl, {}, bearer("acme"));
    const controller = new AbortController();
    const running = acme.callTool({ name: "spin", arguments: {} }, undefined, { signal: controller.signal }).catch((e) => e);
    await waitForMetric(/sandbox_instances\{plugin="spinner",state="busy"\} 1/);
    const acmeSession = acme.transport!.sessionId!;
    const globexSid = await rawInitialize(gw.mcpUrl, V, bearer("globex"));
    for (let requestId = 0; requestId < 6; requestId++) {
      const cancel = { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId, reason: "not yours" } };
      const onOwn = await rawPost(gw.mcpUrl, cancel, { ...bearer("globex"), "mcp-session-id": globexSid, "mcp-protocol-version": V });
      expect(onOwn.status).toBe(202); // accepted on globex's own session, where no such request runs
      const onAcme = await rawPost(gw.mcpUrl, cancel, { ...bearer("globex"), "mcp-session-id": acmeSession, "mcp-protocol-version": V });
      expect(onAcme.status).toBe(404);
    }
    const resume = await fetch(gw.mcpUrl, { headers: { accept: "text/event-stream", ...bearer("globex"), "mcp-session-id": acmeSession, "mcp-protocol-version": V, "last-event-id": "1" } });
    expect(resume.status).toBe(404);
    // Still running after all that: only acme's own cancel stops it.
    expect(await metricsText()).toMatch(/sandbox_instances\{plugin="spinner",state="busy"\} 1/);
    controller.abort("done");
    expect(await running).toBeInstanceOf(Error);
    await waitForMetric(/sandbox_calls_total\{plugin="spinner",result="cancelled"\} 1/);
  });

  test("secrets stay out of audit rows, logs, /readyz, /metrics and tools/list", async () => {
    await shownFor("acme");
    await shownFor("globex");
    const rows = await waitForAuditRows((r) => r.filter((x) => x.tool === "show-config" && x.tenant === "globex").length > 0);
    const dump = JSON.stringify(rows);
    expect(dump).toContain("show-config"); // the rows are there, and carry their tenant...
    expect(rows.filter((r) => r.tool === "show-config").every((r) => r.tenant === "acme" || r.tenant === "globex" || r.tenant === "initech")).toBe(true);
    for (const secret of [ACME_SECRET, GLOBEX_SECRET]) {
      expect(dump).not.toContain(secret); // ...but never a secret
      expect(gw.logs.join("\n")).not.toContain(secret);
      expect(await (await fetch(`${gw.url}/readyz`)).text()).not.toContain(secret);
      expect(await metricsText()).not.toContain(secret);
    }
    await using client = await connectClient(gw.mcpUrl, {}, bearer("acme"));
    expect(JSON.stringify(await client.listTools())).not.toContain(ACME_SECRET);
  });
});

describe("per-tenant plugin limits", () => {
  test("a tenant's maxConcurrent and timeoutMs apply to its calls only", async () => {
    await using acme = await connectClient(gw.mcpUrl, {}, bearer("acme"));
    // acme's timeout on this plugin is 300 ms (the manifest says 60 s): a spinning call ends at acme's limit.
    const timedOut = await acme.callTool({ name: "spin-limited", arguments: {} });
    expect(timedOut.isError).toBe(true);
    expect(textOf(timedOut)).toContain("300 ms");
    // acme may run one call at a time here: a second one while the first runs is refused at once.
    const first = acme.callTool({ name: "spin-limited", arguments: {} });
    await waitForMetric(/sandbox_instances\{plugin="limited",state="busy"\} 1/);
    const second = await acme.callTool({ name: "spin-limited", arguments: {} });
    expect(second.isError).toBe(true);
    expect(textOf(second)).toContain("calls of your tenant are running");
    expect((await first).isError).toBe(true);
    // globex has no share configured: the manifest's limits apply (its call runs beside acme's).
    await using globex = await connectClient(gw.mcpUrl, {}, bearer("globex"));
    const controller = new AbortController();
    const acmeAgain = acme.callTool({ name: "spin-limited", arguments: {} });
    await waitForMetric(/sandbox_instances\{plugin="limited",state="busy"\} 1/);
    const globexCall = globex.callTool({ name: "spin-limited", arguments: {} }, undefined, { signal: controller.signal }).catch((e) => e);
    await waitForMetric(/sandbox_instances\{plugin="limited",state="busy"\} 2/);
    controller.abort("done");
    expect(await globexCall).toBeInstanceOf(Error);
    await acmeAgain;
  });
});

const metricsText = async () => (await fetch(`${gw.url}/metrics`)).text();

async function waitForMetric(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(await metricsText())) {
    if (Date.now() > deadline) throw new Error(`metric ${pattern} did not appear`);
    await Bun.sleep(5);
  }
}

async function waitForAuditRows(done: (rows: Record<string, any>[]) => boolean, timeoutMs = 10_000): Promise<Record<string, any>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const db = new Database(join(dataDir, "audit.sqlite"), { readonly: true });
    let rows: Record<string, any>[] = [];
    try {
      rows = db.query<Record<string, any>, []>("SELECT * FROM audit_records").all();
    } catch {
      // the table appears with the first batch
    } finally {
      db.close();
    }
    if (done(rows)) return rows;
    if (Date.now() > deadline) throw new Error("audit rows did not arrive");
    await Bun.sleep(10);
  }
}
