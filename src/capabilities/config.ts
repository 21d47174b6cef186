/**
 * The gateway-side configuration of the capabilities (`capabilities:` in the config file): what a grant
 * may name lives here, so a manifest never carries a credential. One key per capability that has any.
 */
import { z } from "zod";
import { sqlCapabilityConfigSchema } from "./sql/config.ts";

export const capabilitiesConfigSchema = z
  .object({
    /** Postgres databases plugins granted `sql` may read (src/capabilities/sql/config.ts). */
    sql: sqlCapabilityConfigSchema.prefault({}),
  })
  .strict();
export type CapabilitiesConfig = z.infer<typeof capabilitiesConfigSchema>;
