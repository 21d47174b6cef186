import { z } from "zod";

/**
 * The `policy:` section. Policies themselves live in YAML files in `dir` (see ./README.md for the format);
 * this section only says where, and whether to follow changes.
 */
export const policyConfigSchema = z
  .object({
    /**
     * On by default: the shipped policies/ allow LOW tools to every admitted caller (the anonymous one on
     * loopback included), so `npm start` works, and refuse what they do not explicitly allow.
     */
    enabled: z.boolean().default(true),
    /** Folder of policy files (*.yaml / *.yml, top level only; `tests/` beside them holds the harness cases). */
    dir: z.string().min(1).default("./policies"),
    /** Reload when a file in `dir` changes: the new set replaces the old only if every file loads. */
    watch: z.boolean().default(true),
    /** Editors write a file in several steps; changes within this window become one reload. */
    reloadDebounceMs: z.number().int().min(0).max(10_000).default(150),
    /** Decisions cached per principal (by identity), bounded; a full cache is cleared, not grown. */
    cacheEntriesPerPrincipal: z.number().int().min(0).default(1024),
  })
  .strict();
export type PolicyConfig = z.infer<typeof policyConfigSchema>;
