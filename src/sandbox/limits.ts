/** Per-plugin resource limits. Defaults are set in config; each manifest may tighten or loosen them. */
import { z } from "zod";

export const pluginLimitsSchema = z.object({
  /** Wall-clock budget of one call, host functions included. */
  timeoutMs: z.number().int().positive().max(600_000).default(5_000),
  /** Cap on the guest's own linear memory, enforced by rewriting the module's memory maximum. */
  memoryMb: z.number().int().positive().max(4096).default(64),
  /** Optional cap on metered work per call (instructions, roughly); null = only the deadline applies. */
  fuel: z.number().int().positive().nullable().default(null),
  /** Largest output a call may return; bigger outputs become a tool error, not a flood. */
  maxOutputBytes: z.number().int().positive().default(1 << 20),
  /** Instances of this plugin that may run at once (the Extism SDK's plugins are not reentrant). */
  maxConcurrent: z.number().int().positive().max(256).default(8),
  /** Calls allowed to wait for a free instance before new ones get a "busy" error. */
  maxQueue: z.number().int().nonnegative().default(256),
});
export type PluginLimits = z.infer<typeof pluginLimitsSchema>;

/** A manifest's limits: any subset, filled from the configured defaults. */
export const pluginLimitsOverrideSchema = pluginLimitsSchema.partial();
export type PluginLimitsOverride = z.infer<typeof pluginLimitsOverrideSchema>;

export const WASM_PAGE_BYTES = 64 * 1024;
export function memoryPages(limits: PluginLimits): number {
  return Math.max(1, Math.floor((limits.memoryMb * 1024 * 1024) / WASM_PAGE_BYTES));
}
