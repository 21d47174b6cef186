/** The root configuration, composed from the schemas that live beside the code they configure. */
import { z } from "zod";
import { serverConfigSchema } from "../transport/config.ts";
import { registryConfigSchema } from "../registry/config.ts";
import { storageConfigSchema } from "../storage/config.ts";
import { dlpConfigSchema } from "../pipeline/dlp/config.ts";
import { firewallConfigSchema } from "../pipeline/firewall/config.ts";
import { auditConfigSchema } from "../pipeline/audit/config.ts";
import { rateLimitConfigSchema } from "../pipeline/ratelimit/config.ts";
import { authConfigSchema } from "../pipeline/authn/config.ts";
import { policyConfigSchema } from "../pipeline/policy/config.ts";
import { tenantsConfigSchema } from "./tenants.ts";
import { capabilitiesConfigSchema } from "../capabilities/config.ts";

export const configSchema = z.object({
  server: serverConfigSchema.prefault({}),
  plugins: registryConfigSchema.prefault({}),
  storage: storageConfigSchema.prefault({}),
  /** What plugins' grants may name: e.g. the Postgres databases of `sql` (src/capabilities/config.ts). */
  capabilities: capabilitiesConfigSchema.prefault({}),
  // Hot-path stages (src/pipeline/*/config.ts), in chain order:
  auth: authConfigSchema.prefault({}),
  rateLimit: rateLimitConfigSchema.prefault({}),
  policy: policyConfigSchema.prefault({}),
  firewall: firewallConfigSchema.prefault({}),
  dlp: dlpConfigSchema.prefault({}),
  audit: auditConfigSchema.prefault({}),
  /** Per-tenant plugin config, secrets and limits (./tenants.ts). */
  tenants: tenantsConfigSchema,
  log: z
    .object({ level: z.enum(["debug", "info", "warn", "error", "silent"]).default("info") })
    .prefault({}),
});
export type Config = z.infer<typeof configSchema>;
