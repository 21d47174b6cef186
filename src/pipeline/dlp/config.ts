/**
 * DLP configuration (the `dlp:` section). What to do is set per detector and per risk level:
 *
 *   dlp:
 *     action: redact                 # default for every detector: mask | redact | hash | block
 *     detectors: { card: mask, email: hash, ip: off }
 *     risk:
 *       HIGH: { action: block }      # every detector blocks on HIGH tools...
 *       CRITICAL: { action: block, detectors: { email: redact } }   # ...except what is named here
 *     hashKey: ${DLP_HASH_KEY}       # HMAC key: tokens stay stable but cannot be brute-forced
 *
 * Precedence, most specific first: risk.<LEVEL>.detectors.<name>, risk.<LEVEL>.action, detectors.<name>,
 * action. A detector set to `off` under `detectors` stays off at every level unless a level names it.
 */
import { z } from "zod";
import { DETECTOR_NAMES } from "./detectors.ts";

export const dlpActionSchema = z.enum(["mask", "redact", "hash", "block"]);
export type DlpAction = z.infer<typeof dlpActionSchema>;
const setting = z.union([dlpActionSchema, z.literal("off")]);
export type DlpSetting = z.infer<typeof setting>;

const detectorSettings = z.partialRecord(z.enum(DETECTOR_NAMES), setting);

const levelSchema = z
  .object({
    /** Action for every detector at this level; `off` disables DLP for tools of this risk. */
    action: setting.optional(),
    detectors: detectorSettings.optional(),
  })
  .strict();

export const DLP_METHODS = ["tools/call", "resources/read", "prompts/get"] as const;

export const dlpConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    action: dlpActionSchema.default("redact"),
    detectors: detectorSettings.default({}),
    risk: z.partialRecord(z.enum(["LOW", "MEDIUM", "HIGH", "CRITICAL"]), levelSchema).default({}),
    /**
     * Key for the `hash` action (HMAC-SHA256). Without it tokens are plain SHA-256 of the value: stable
     * across replicas and restarts, but a card or phone number can be recovered by trying them all.
     */
    hashKey: z.string().min(16, "dlp.hashKey must be at least 16 characters").optional(),
    /** Results of these methods are scanned. */
    methods: z.array(z.enum(DLP_METHODS)).default([...DLP_METHODS]),
    /** Also scan what a call streams before its result (log messages, progress messages). */
    notifications: z.boolean().default(true),
    stream: z
      .object({
        /** Characters held back at the end of a stream so a value split across chunks is seen whole. */
        holdBackChars: z.number().int().min(64).max(65_536).default(1024),
        /** The most a stream redactor holds while waiting for a long token or key block to end. */
        maxHoldChars: z.number().int().min(1024).max(1_048_576).default(65_536),
      })
      .prefault({}),
  })
  .strict();

export type DlpConfig = z.infer<typeof dlpConfigSchema>;
