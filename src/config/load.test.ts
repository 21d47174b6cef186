import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "./load.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "cfg-"));

describe("loadConfig", () => {
  test("defaults bind loopback so a sidecar is not reachable from the network", async () => {
    const cfg = await loadConfig({ env: {} });
    expect(cfg.server.host).toBe("127.0.0.1");
    expect(cfg.plugins.dir).toBe("./plugins");
    expect(cfg.plugins.defaults.timeoutMs).toBe(5000);
  });

  test("YAML file values, then environment overrides on top", async () => {
    const dir = tmp();
    const file = join(dir, "c.yaml");
    writeFileSync(file, "server:\n  port: 4000\n  allowedOrigins: [https://a.example]\nplugins:\n  defaults:\n    timeoutMs: 200\n");
    const cfg = await loadConfig({ file, env: { MCP_SIDECAR_SERVER__PORT: "5000", MCP_SIDECAR_PLUGINS__DEFAULTS__MEMORY_MB: "16" } });
    expect(cfg.server.port).toBe(5000);
    expect(cfg.server.allowedOrigins).toEqual(["https://a.example"]);
    expect(cfg.plugins.defaults.timeoutMs).toBe(200);
    expect(cfg.plugins.defaults.memoryMb).toBe(16);
  });

  test("a bad value fails at start naming the field", async () => {
    const dir = tmp();
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ server: { port: "eighty" } }));
    const err = await loadConfig({ file, env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain("server.port");
  });

  test("an environment variable naming no field is refused, not ignored", async () => {
    const err = await loadConfig({ env: { MCP_SIDECAR_SERVER__PROT: "1" } }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain("server.PROT");
  });

  test("unparseable YAML and a missing file are named", async () => {
    const dir = tmp();
    const file = join(dir, "c.yaml");
    writeFileSync(file, "server: [unclosed");
    expect((await loadConfig({ file, env: {} }).catch((e) => e)).message).toContain("not valid YAML");
    expect((await loadConfig({ file: join(dir, "none.yaml"), env: {} }).catch((e) => e)).message).toContain("not found");
  });
});
