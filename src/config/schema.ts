/** The root configuration, composed from the schemas that live beside the code they configure. */
import { z } from "zod";
import { serverConfigSchema } from "../transport/config.ts";
import { registryConfigSchema } from "../registry/config.ts";

export const configSchema = z.object({
  server: serverConfigSchema.prefault({}),
  plugins: registryConfigSchema.prefault({}),
  log: z
    .object({ level: z.enum(["debug", "info", "warn", "error", "silent"]).default("info") })
    .prefault({}),
});
export type Config = z.infer<typeof configSchema>;
