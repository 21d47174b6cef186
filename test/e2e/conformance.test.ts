/**
 * The official MCP conformance suite (active and pending scenarios) against the gateway serving the Rust
 * conformance plugin (test/plugins/conformance). The suite's full output goes to this test's output, so
 * CI's log keeps it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { REPO, startTestGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
  cpSync(join(REPO, "test", "plugins", "conformance"), join(gw.pluginsDir, "conformance"), { recursive: true });
  await gw.registry.rescan();
});
afterAll(() => gw.stop());

test(
  "every conformance scenario passes, active and pending",
  async () => {
    const proc = Bun.spawn([join(REPO, "test", "conformance", "run.sh"), gw.mcpUrl], {
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, CONFORMANCE_TIMEOUT_SECS: "300" },
    });
    const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    const code = await proc.exited;
    process.stdout.write(`\n----- conformance suite output -----\n${out}${err}\n----- end of conformance output -----\n`);
    expect(out).toMatch(/conformance: \d+ passed, 0 failed/);
    expect(code).toBe(0);
  },
  { timeout: 600_000 },
);
