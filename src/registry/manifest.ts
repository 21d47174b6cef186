/**
 * A plugin's manifest (`manifest.json` beside its .wasm): identity, risk, limits and grants.
 * Validated with zod so a bad manifest is rejected with the field named, without stopping other plugins.
 */
import { z } from "zod";
import { grantsSchema } from "../capabilities/index.ts";
import { pluginLimitsOverrideSchema } from "../sandbox/limits.ts";

export const RISK_LEVELS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;

export const manifestSchema = z.object({
  name: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/, "must be 1-64 letters, digits, '_', '-' or '.'"),
  version: z.string().min(1).default("0.0.0"),
  description: z.string().default(""),
  /** The module file, relative to the manifest. */
  wasm: z.string().min(1).default("plugin.wasm"),
  /** Which MCP plugin ABI the module speaks; detected from its exports when omitted. */
  abi: z.enum(["servlet", "hyper-mcp"]).optional(),
  risk: z.enum(RISK_LEVELS).default("MEDIUM"),
  tags: z.array(z.string()).default([]),
  limits: pluginLimitsOverrideSchema.default({}),
  /** Hosts the plugin may reach with Extism's http_request; none by default. */
  allowedHosts: z.array(z.string()).default([]),
  /** Values the plugin reads with config_get. */
  config: z.record(z.string(), z.string()).default({}),
  /** `process` runs the plugin in child processes killed with SIGKILL on deadline (untrusted code). */
  isolation: z.enum(["inline", "process"]).default("inline"),
  /** Capabilities (src/capabilities): host functions such as fs_read or kv_get, each bounded by its grant. */
  grants: grantsSchema.default({}),
});
export type PluginManifest = z.infer<typeof manifestSchema>;

export function describeManifestError(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}
