/**
 * Configuration of the input firewall (`firewall:` in the config file). Everything that depends on how
 * dangerous a tool is comes per risk level (LOW..CRITICAL from the plugin's manifest), each level with its
 * own defaults, so a file only names what it changes:
 *
 *   firewall:
 *     mode: enforce            # or shadow: log and record what would have been blocked, block nothing
 *     limits:
 *       HIGH: { maxArgumentBytes: 65536 }
 *     injection:
 *       levels:
 *         LOW:  { threshold: 0.7, action: flag }
 *         HIGH: { threshold: 0.5, action: block }
 *     secrets: { action: flag }
 *     pinning: { enabled: true, autoApproveFirst: true }
 */
import { z } from "zod";
import type { RiskLevel } from "../types.ts";

type PerRisk<T> = Record<RiskLevel, T>;

/** A schema with one field per risk level, each filled from that level's own defaults. */
function perRisk<D, S extends z.ZodObject>(level: (defaults: D) => S, defaults: PerRisk<D>) {
  return z
    .object({
      LOW: level(defaults.LOW).prefault({} as z.input<S>),
      MEDIUM: level(defaults.MEDIUM).prefault({} as z.input<S>),
      HIGH: level(defaults.HIGH).prefault({} as z.input<S>),
      CRITICAL: level(defaults.CRITICAL).prefault({} as z.input<S>),
    })
    .strict()
    .prefault({});
}

interface LimitValues {
  maxArgumentBytes: number;
  maxStringLength: number;
  maxDepth: number;
}
const limitsLevel = (d: LimitValues) =>
  z
    .object({
      /** Size of the arguments as JSON (UTF-8 bytes of strings and keys, plus a fixed cost per other value). */
      maxArgumentBytes: z.number().int().positive().default(d.maxArgumentBytes),
      /** Longest single string value, in characters. */
      maxStringLength: z.number().int().positive().default(d.maxStringLength),
      /** Deepest nesting of objects/arrays; the arguments object itself is depth 1. */
      maxDepth: z.number().int().positive().max(1000).default(d.maxDepth),
    })
    .strict();

interface InjectionLevel {
  threshold: number;
  action: "block" | "flag";
}
const injectionLevel = (d: InjectionLevel) =>
  z
    .object({
      /** Score (0..1) at or above which the action applies. */
      threshold: z.number().min(0).max(1).default(d.threshold),
      action: z.enum(["block", "flag"]).default(d.action),
    })
    .strict();

export const firewallConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** `shadow` logs and records (as "flag" findings) everything enforce would have refused, and refuses nothing. */
    mode: z.enum(["enforce", "shadow"]).default("enforce"),
    /** Validate tools/call arguments against the tool's inputSchema (JSON Schema 2020-12 unless `$schema` says otherwise). */
    schema: z.object({ enabled: z.boolean().default(true) }).strict().prefault({}),
    limits: perRisk(limitsLevel, {
      LOW: { maxArgumentBytes: 1 << 20, maxStringLength: 512 * 1024, maxDepth: 32 },
      MEDIUM: { maxArgumentBytes: 512 * 1024, maxStringLength: 256 * 1024, maxDepth: 32 },
      HIGH: { maxArgumentBytes: 256 * 1024, maxStringLength: 128 * 1024, maxDepth: 16 },
      CRITICAL: { maxArgumentBytes: 64 * 1024, maxStringLength: 32 * 1024, maxDepth: 16 },
    }),
    injection: z
      .object({
        enabled: z.boolean().default(true),
        /** Screen the arguments a client sends (direct injection). */
        arguments: z.boolean().default(true),
        /** Screen the results plugins return (indirect injection: text the model will read next). */
        results: z.boolean().default(true),
        levels: perRisk(injectionLevel, {
          LOW: { threshold: 0.7, action: "flag" },
          MEDIUM: { threshold: 0.7, action: "block" },
          HIGH: { threshold: 0.5, action: "block" },
          CRITICAL: { threshold: 0.4, action: "block" },
        }),
      })
      .strict()
      .prefault({}),
    secrets: z
      .object({
        enabled: z.boolean().default(true),
        /** Secrets in arguments are flagged (recorded on the call) by default; `block` refuses the call. */
        action: z.enum(["flag", "block"]).default("flag"),
      })
      .strict()
      .prefault({}),
    pinning: z
      .object({
        enabled: z.boolean().default(true),
        /** Pin a tool the first time it is seen; when false, new tools stay quarantined until approved. */
        autoApproveFirst: z.boolean().default(true),
        /** How often approvals made with `mcp-sidecar tools approve` (another process) are picked up. */
        refreshMs: z.number().int().positive().default(2000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type FirewallConfig = z.infer<typeof firewallConfigSchema>;
export type LimitsConfig = FirewallConfig["limits"][RiskLevel];
export type InjectionLevelConfig = FirewallConfig["injection"]["levels"][RiskLevel];
