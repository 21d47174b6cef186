/**
 * The `tenants:` section: operator-side values per tenant, merged over a plugin manifest's `config` for the
 * calling tenant at call time (the plugin reads both with Extism's `config_get`; src/sandbox/host/env.ts).
 *
 *   tenants:
 *     acme:
 *       plugins:
 *         weather:
 *           config:  { region: eu }                        # plain values
 *           secrets: { api_key: "${env:ACME_WEATHER_KEY}" } # or "${file:/run/secrets/acme-weather}"
 *           limits:  { timeoutMs: 2000, maxConcurrent: 2 }  # this tenant's share of the plugin
 *
 * Secrets differ from config in where they come from (a reference resolved at start, ./secret-refs.ts, so
 * they need not be written into the YAML) and in that nothing the gateway reports — logs, audit rows,
 * errors, /readyz, tools/list — ever includes them. A plugin gets them, and only for its own tenant's calls.
 */
import { z } from "zod";

const keyName = z.string().min(1).max(256);
const values = z.record(keyName, z.string()).default({});

const tenantPluginSchema = z
  .object({
    /** Values merged over the manifest's `config` for this tenant's calls. */
    config: values,
    /** Like config, but never reported anywhere; may be `${env:NAME}` or `${file:PATH}` references. */
    secrets: values,
    /** This tenant's share of the plugin: at most its own limits (a lower timeout, fewer calls at once). */
    limits: z
      .object({
        timeoutMs: z.number().int().positive().optional(),
        maxConcurrent: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const key of Object.keys(p.secrets)) {
      if (Object.hasOwn(p.config, key)) {
        ctx.addIssue({ code: "custom", path: ["secrets", key], message: `"${key}" is both a config value and a secret: keep one` });
      }
    }
  });

const tenantSchema = z
  .object({
    /** By plugin name (the manifest's `name`). */
    plugins: z.record(z.string().min(1), tenantPluginSchema).default({}),
  })
  .strict();

/** By tenant id, as authentication names it (API key tenant, the JWT tenant claim, auth.mesh.tenant). */
export const tenantsConfigSchema = z.record(z.string().min(1), tenantSchema).default({});
export type TenantsConfig = z.infer<typeof tenantsConfigSchema>;
export type TenantPluginConfig = z.infer<typeof tenantPluginSchema>;

/** What one tenant's calls to one plugin get on top of the manifest. */
export interface TenantPluginSettings {
  /** config and secrets together, as the plugin's `config_get` sees them over the manifest's config. */
  readonly values: Readonly<Record<string, string>>;
  readonly timeoutMs: number | undefined;
  readonly maxConcurrent: number | undefined;
}

/** The `tenants` section indexed for the call path: two Map lookups, no string building. */
export class TenantPlugins {
  private readonly byTenant = new Map<string, Map<string, TenantPluginSettings>>();

  constructor(tenants: TenantsConfig) {
    for (const [tenant, t] of Object.entries(tenants)) {
      const plugins = new Map<string, TenantPluginSettings>();
      for (const [plugin, p] of Object.entries(t.plugins)) {
        plugins.set(
          plugin,
          Object.freeze({
            values: Object.freeze({ ...p.config, ...p.secrets }),
            timeoutMs: p.limits.timeoutMs,
            maxConcurrent: p.limits.maxConcurrent,
          }),
        );
      }
      this.byTenant.set(tenant, plugins);
    }
  }

  /** Settings for `tenant`'s calls to `plugin`; undefined when the operator configured none. */
  get(tenant: string, plugin: string): TenantPluginSettings | undefined {
    return this.byTenant.get(tenant)?.get(plugin);
  }
}
