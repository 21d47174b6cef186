/**
 * The `tenants:` section through the real loader: per-tenant plugin values, secret references resolved from
 * the environment and from files, and errors that name what is wrong without ever printing a secret.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempFolders } from "../../test/helpers/temp.ts";
import { ConfigError, loadConfig } from "./load.ts";
import { TenantPlugins } from "./tenants.ts";

const temp = tempFolders();
const LITERAL = "literal-hush-51f0";

function configFile(yaml: string): string {
  const file = join(temp.make("tenants-cfg-"), "gateway.yaml");
  writeFileSync(file, yaml);
  return file;
}

describe("tenants: per-tenant plugin config and secrets", () => {
  test("secrets come from ${env:NAME}, ${file:PATH} (one trailing newline dropped) or a literal; config beside them", async () => {
    const secretFile = join(temp.make("tenants-secret-"), "weather-key");
    writeFileSync(secretFile, "from-file-7c2e\n");
    const file = configFile(`
tenants:
  acme:
    plugins:
      weather:
        config: { region: eu }
        secrets: { api_key: "\${env:ACME_WEATHER_KEY}", other: "\${file:${secretFile}}", plain: ${LITERAL} }
        limits: { timeoutMs: 1500, maxConcurrent: 2 }
`);
    const cfg = await loadConfig({ file, env: { ACME_WEATHER_KEY: "from-env-1a9b" } });
    const settings = new TenantPlugins(cfg.tenants).get("acme", "weather")!;
    expect(settings.values).toEqual({ region: "eu", api_key: "from-env-1a9b", other: "from-file-7c2e", plain: LITERAL });
    expect([settings.timeoutMs, settings.maxConcurrent]).toEqual([1500, 2]);
    expect(new TenantPlugins(cfg.tenants).get("acme", "other-plugin")).toBeUndefined();
    expect(new TenantPlugins(cfg.tenants).get("globex", "weather")).toBeUndefined();
  });

  test("an unset variable, an unreadable file and an unknown reference kind each fail the start, naming the field and never a value", async () => {
    const file = configFile(`
tenants:
  acme:
    plugins:
      weather:
        secrets:
          a: "\${env:NOT_SET_ANYWHERE}"
          b: "\${file:/nonexistent/mcp-sidecar/secret}"
          c: "\${vault:secret/acme}"
          d: ${LITERAL}
`);
    const err = await loadConfig({ file, env: { UNRELATED: "unrelated-value-3d" } }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain("tenants.acme.plugins.weather.secrets.a: environment variable NOT_SET_ANYWHERE is not set");
    expect(err.message).toContain("tenants.acme.plugins.weather.secrets.b: cannot read secret file /nonexistent/mcp-sidecar/secret (ENOENT)");
    expect(err.message).toContain('tenants.acme.plugins.weather.secrets.c: unknown reference kind "vault"');
    expect(err.message).not.toContain(LITERAL);
    expect(err.message).not.toContain("unrelated-value-3d");
  });

  test("a key that is both config and secret, a non-string value, or an unknown field is refused with its path", async () => {
    const both = await loadConfig({ file: configFile(`tenants: { acme: { plugins: { w: { config: { k: a }, secrets: { k: ${LITERAL} } } } } }`), env: {} }).catch((e) => e);
    expect(both).toBeInstanceOf(ConfigError);
    expect(both.message).toContain('tenants.acme.plugins.w.secrets.k: "k" is both a config value and a secret');
    expect(both.message).not.toContain(LITERAL);
    const nonString = await loadConfig({ file: configFile("tenants: { acme: { plugins: { w: { secrets: { k: { nested: 1 } } } } } }"), env: {} }).catch((e) => e);
    expect(nonString.message).toContain("tenants.acme.plugins.w.secrets.k");
    const typo = await loadConfig({ file: configFile("tenants: { acme: { plugin: { w: {} } } }"), env: {} }).catch((e) => e);
    expect(typo.message).toContain("tenants.acme");
    expect(typo.message).toContain("plugin");
  });
});
