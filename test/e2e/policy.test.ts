/**
 * Policy end to end over real HTTP: the shipped defaults with the anonymous local caller, tenants kept
 * apart (tools/list filtered, tools/call refused with -32011) for JWT principals, approvals named in the
 * error, and policies reloaded without a restart.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SignJWT } from "jose";
import { BUNDLED_PLUGINS, connectClient, startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { writeWatPlugin } from "../helpers/wat-plugin.ts";

const SECRET = "policy-e2e-secret-at-least-32-bytes-long!!";
const ISSUER = "https://idp.test";
const AUDIENCE = "mcp-sidecar-policy-e2e";

const temporary: string[] = [];
afterAll(() => temporary.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A plugins folder: the bundled echo (LOW, shared) plus WAT tools with the given risk and tags. */
function pluginsDir(tools: { name: string; risk: string; tags?: string[] }[]): string {
  const dir = mkdtempSync(join(tmpdir(), "policy-e2e-plugins-"));
  temporary.push(dir);
  cpSync(join(BUNDLED_PLUGINS, "echo"), join(dir, "echo"), { recursive: true });
  for (const t of tools) writeWatPlugin(dir, { name: t.name, tool: t.name, manifest: { risk: t.risk, tags: t.tags ?? [] } });
  return dir;
}

async function token(sub: string, tenant: string, roles: string[] = []): Promise<string> {
  return new SignJWT({ tenant, roles })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(SECRET));
}

async function clientWith(url: string, bearer: string): Promise<Client & AsyncDisposable> {
  const client = new Client({ name: "policy-e2e", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${bearer}` } } }));
  return Object.assign(client, { [Symbol.asyncDispose]: () => client.close() });
}

/** The JSON-RPC error a tools/call ends with (the SDK throws McpError carrying code and message). */
async function callError(client: Client, name: string): Promise<{ code: number; message: string }> {
  try {
    await client.callTool({ name, arguments: { text: "hi" } });
  } catch (err) {
    const e = err as { code: number; message: string };
    return { code: e.code, message: e.message };
  }
  throw new Error(`tools/call ${name} unexpectedly succeeded`);
}

const toolNames = async (client: Client) => (await client.listTools()).tools.map((t) => t.name).sort();

describe("shipped defaults, anonymous caller on loopback (npm start)", () => {
  let gw: TestGateway;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "policy-e2e-data-"));
    const dir = pluginsDir([
      { name: "medium_tool", risk: "MEDIUM" },
      { name: "high_tool", risk: "HIGH" },
      { name: "critical_tool", risk: "CRITICAL" },
    ]);
    gw = await startTestGateway({ config: { plugins: { dir }, storage: { dataDir } } });
  });
  afterAll(async () => {
    await gw?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("LOW tools work; anything above LOW is hidden and refused, naming what is needed", async () => {
    await using client = await connectClient(gw.mcpUrl);
    expect(await toolNames(client)).toEqual(["echo"]);
    const ok = await client.callTool({ name: "echo", arguments: { text: "hi" } });
    expect(ok.isError).toBeFalsy();
    for (const name of ["medium_tool", "high_tool", "critical_tool"]) {
      expect(await callError(client, name)).toEqual({
        code: -32011,
        message: expect.stringContaining("denied by policy anonymous-low-risk-only: anonymous callers may only use LOW-risk tools; authenticate"),
      });
    }
  });
});

describe("tenants (JWT principals): no cross-tenant access", () => {
  let gw: TestGateway;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "policy-e2e-data-"));
    const dir = pluginsDir([
      { name: "a_reports", risk: "LOW", tags: ["tenant:a"] },
      { name: "b_reports", risk: "LOW", tags: ["tenant:b"] },
      { name: "b_admin", risk: "MEDIUM", tags: ["tenant:b", "role:admin"] },
      { name: "high_tool", risk: "HIGH" },
      { name: "critical_tool", risk: "CRITICAL" },
    ]);
    gw = await startTestGateway({
      config: { plugins: { dir }, storage: { dataDir }, auth: { jwt: { issuer: ISSUER, audience: AUDIENCE, secret: SECRET } } },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("each tenant sees only its own tools plus shared ones", async () => {
    await using alice = await clientWith(gw.mcpUrl, await token("alice", "a"));
    await using bob = await clientWith(gw.mcpUrl, await token("bob", "b"));
    await using boss = await clientWith(gw.mcpUrl, await token("boss", "b", ["admin"]));
    // HIGH and CRITICAL tools stay listed: a caller needs to know they exist to ask for an approval.
    const shared = ["critical_tool", "echo", "high_tool"];
    expect(await toolNames(alice)).toEqual(["a_reports", ...shared].sort());
    expect(await toolNames(bob)).toEqual(["b_reports", ...shared].sort());
    expect(await toolNames(boss)).toEqual(["b_admin", "b_reports", ...shared].sort());
  });

  test("calling another tenant's tool is refused with -32011, even holding the role it asks for", async () => {
    await using alice = await clientWith(gw.mcpUrl, await token("alice", "a", ["admin"]));
    for (const name of ["b_reports", "b_admin"]) {
      expect(await callError(alice, name)).toEqual({ code: -32011, message: expect.stringContaining("denied by policy tenant-isolation: the tool belongs to another tenant") });
    }
    const own = await alice.callTool({ name: "a_reports", arguments: {} });
    expect(own.isError).toBeFalsy();
  });

  test("HIGH needs one approver, CRITICAL two people and a time-limited grant: -32012 says so", async () => {
    await using alice = await clientWith(gw.mcpUrl, await token("alice", "a"));
    const high = await callError(alice, "high_tool");
    expect(high.code).toBe(-32012);
    expect(high.message).toContain('tool "high_tool" (HIGH) requires approval by one approver; no approval workflow is configured yet');
    const critical = await callError(alice, "critical_tool");
    expect(critical.code).toBe(-32012);
    expect(critical.message).toContain("requires approval by two different people, as a grant valid for at most 15 minutes");
  });

  test("a same-tenant caller without the tool's role is refused by RBAC", async () => {
    await using bob = await clientWith(gw.mcpUrl, await token("bob", "b"));
    expect((await callError(bob, "b_admin")).message).toContain("denied by policy rbac-required-role");
  });
});

describe("policies reload without a restart", () => {
  test("a new deny takes effect on the next call; a broken file leaves the running policies in force", async () => {
    const policies = mkdtempSync(join(tmpdir(), "policy-e2e-policies-"));
    const dataDir = mkdtempSync(join(tmpdir(), "policy-e2e-data-"));
    using _cleanup = { [Symbol.dispose]: () => [policies, dataDir].forEach((d) => rmSync(d, { recursive: true, force: true })) };
    const allowAll = `policies:\n  - id: allow-all\n    description: everything is allowed\n    effect: allow\n    condition: "true"\n`;
    writeFileSync(join(policies, "a.yaml"), allowAll);
    await using gw = await startTestGateway({ plugins: ["echo"], config: { policy: { dir: policies, reloadDebounceMs: 20 }, storage: { dataDir } } });
    await using client = await connectClient(gw.mcpUrl);
    expect((await client.callTool({ name: "echo", arguments: { text: "x" } })).isError).toBeFalsy();

    writeFileSync(join(policies, "b.yaml"), `policies:\n  - id: echo-off\n    description: echo is switched off for maintenance\n    effect: deny\n    condition: resource.name == "echo"\n`);
    const deadline = Date.now() + 5000;
    let error: { code: number; message: string } | undefined;
    while (!error && Date.now() < deadline) {
      error = await client.callTool({ name: "echo", arguments: { text: "x" } }).then(() => undefined, (e) => e);
      if (!error) await Bun.sleep(20);
    }
    expect(error?.code).toBe(-32011);
    expect(error?.message).toContain("echo is switched off for maintenance");

    writeFileSync(join(policies, "b.yaml"), "policies:\n  - id: echo-off\n    effect: maybe\n");
    const failed = Date.now() + 5000;
    while (!gw.logs.some((l) => l.includes("policy reload failed")) && Date.now() < failed) await Bun.sleep(20);
    expect(gw.logs.find((l) => l.includes("policy reload failed"))).toContain("b.yaml:2");
    expect((await callError(client, "echo")).code).toBe(-32011);
  });
});
