import { z } from "zod";
import { pluginLimitsSchema } from "../sandbox/limits.ts";

export const registryConfigSchema = z.object({
  /** Folder of plugins: one sub-folder each with manifest.json and the .wasm it names. */
  dir: z.string().min(1).default("./plugins"),
  /** Reload plugins when files in `dir` change, without a restart. */
  watch: z.boolean().default(true),
  /** Limits applied to every plugin unless its manifest says otherwise. */
  defaults: pluginLimitsSchema.prefault({}),
});
export type RegistryConfig = z.infer<typeof registryConfigSchema>;
