/**
 * Secret references in `tenants.<t>.plugins.<p>.secrets`, resolved once when the configuration is loaded:
 *
 *   "${env:NAME}"   the value of environment variable NAME (the environment the gateway was started with)
 *   "${file:PATH}"  the content of the file at PATH (one trailing newline dropped), e.g. a mounted
 *                   Kubernetes or Docker secret
 *   anything else   the literal value
 *
 * Errors name the tenant, plugin, key and the variable or file, never a value.
 */
import { readFileSync } from "node:fs";
import type { TenantsConfig } from "./tenants.ts";

const REF = /^\$\{([a-z]+):(.*)\}$/s;

/** Returns the config with every secret reference replaced by its value; throws Error naming what is missing. */
export function resolveSecretRefs(tenants: TenantsConfig, env: Record<string, string | undefined>): TenantsConfig {
  const problems: string[] = [];
  const out: TenantsConfig = {};
  for (const [tenant, t] of Object.entries(tenants)) {
    const plugins: TenantsConfig[string]["plugins"] = {};
    for (const [plugin, p] of Object.entries(t.plugins)) {
      const secrets: Record<string, string> = {};
      for (const [key, raw] of Object.entries(p.secrets)) {
        const where = `tenants.${tenant}.plugins.${plugin}.secrets.${key}`;
        const resolved = resolveOne(raw, env);
        if (typeof resolved === "string") secrets[key] = resolved;
        else problems.push(`${where}: ${resolved.problem}`);
      }
      plugins[plugin] = { ...p, secrets };
    }
    out[tenant] = { ...t, plugins };
  }
  if (problems.length > 0) throw new Error(`secret references that cannot be resolved:\n  ${problems.join("\n  ")}`);
  return out;
}

function resolveOne(raw: string, env: Record<string, string | undefined>): string | { problem: string } {
  const m = REF.exec(raw);
  if (!m) {
    if (raw.startsWith("${")) return { problem: 'not a reference this gateway knows: use "${env:NAME}" or "${file:PATH}"' };
    return raw;
  }
  const [, kind, target] = m as unknown as [string, string, string];
  if (target === "") return { problem: `"\${${kind}:}" names nothing` };
  if (kind === "env") {
    const value = env[target];
    return value === undefined ? { problem: `environment variable ${target} is not set` } : value;
  }
  if (kind === "file") {
    try {
      return readFileSync(target, "utf8").replace(/\r?\n$/, "");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return { problem: `cannot read secret file ${target} (${code ?? "error"})` };
    }
  }
  return { problem: `unknown reference kind "${kind}": use "\${env:NAME}" or "\${file:PATH}"` };
}
