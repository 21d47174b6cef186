/**
 * The policy file format, and finding the line an error is on.
 *
 * A file is one policy set: an optional `mode` (enforce | shadow) and a list of `policies`. Files are
 * written for a security team to read, so each policy says who it is (`id`), why it exists
 * (`description`, which is also the reason a decision reports), what it does (`effect`) and when
 * (`condition`, a CEL expression; optional `applies_to` methods and a time window).
 *
 * Bun's YAML parser returns plain values without positions (and its error line is unreliable), so lines
 * are found in the text: each list item under `policies:` starts a policy, and a field is looked for
 * between that start and the next one.
 */
import { z } from "zod";

export const EFFECTS = ["deny", "require_approval", "allow"] as const;
export const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

/** Methods a policy can apply to: those that act on one tool, prompt or resource. */
export const TARGET_METHODS = ["tools/call", "prompts/get", "resources/read", "resources/subscribe"] as const;

const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;

export const policySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "ids are lower-case letters, digits, '.', '_' and '-'"),
    description: z.string().min(1, "say why the policy exists: it is the reason a decision reports"),
    effect: z.enum(EFFECTS),
    condition: z.string().min(1),
    /** Among policies of the same effect, the higher priority is tried (and reported) first. Default 0. */
    priority: z.number().int().default(0),
    applies_to: z.array(z.enum(TARGET_METHODS)).min(1).optional(),
    /** "HH:MM-HH:MM" in `timezone`; an end before the start wraps past midnight. */
    hours: z
      .string()
      .refine((s) => s.split("-").length === 2 && s.split("-").every((p) => hhmm.test(p.trim())), 'write hours as "09:00-17:00"')
      .optional(),
    days: z.array(z.enum(DAYS)).min(1).optional(),
    timezone: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat("en-US", { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, "unknown IANA time zone (e.g. Europe/Berlin, UTC)")
      .optional(),
    /** For require_approval: what the approval needs (named in the error until a workflow exists). */
    approval: z
      .object({
        approvers: z.number().int().min(1).max(10).default(1),
        /** How long a granted approval stays valid (time-limited grants for CRITICAL tools). */
        grant_minutes: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((p) => p.approval === undefined || p.effect === "require_approval", {
    message: "`approval` only makes sense with effect: require_approval",
    path: ["approval"],
  });
export type PolicySpec = z.infer<typeof policySchema>;

export const policyFileSchema = z
  .object({
    /** shadow: evaluated and recorded (call.decision.shadow, log), never enforced. */
    mode: z.enum(["enforce", "shadow"]).default("enforce"),
    policies: z.array(z.unknown()).default([]),
  })
  .strict();

/** An error in a policy file, with where it is. */
export class PolicyLoadError extends Error {
  override name = "PolicyLoadError";
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line ? `:${line}` : ""}: ${detail}`);
  }
}

/** Line numbers (1-based) of a file's parts, found in its text. */
export class LineMap {
  private readonly lines: string[];
  /** First line of each item under `policies:`, by index. */
  readonly itemStarts: number[] = [];

  constructor(text: string) {
    this.lines = text.split(/\r?\n/);
    const root = this.lines.findIndex((l) => /^policies\s*:/.test(l));
    if (root < 0) return;
    let indent = -1;
    for (let i = root + 1; i < this.lines.length; i++) {
      const line = this.lines[i]!;
      if (/^\S/.test(line) && !line.startsWith("#") && !line.startsWith("-")) break; // next top-level key
      const m = /^(\s*)-(\s|$)/.exec(line);
      if (!m) continue;
      if (indent < 0) indent = m[1]!.length;
      if (m[1]!.length === indent) this.itemStarts.push(i + 1);
    }
  }

  /** The line of `key:` at the top level, or of `key:` inside policy `index`. */
  lineOf(key: string | undefined, index?: number): number | undefined {
    if (index === undefined) {
      const i = key ? this.lines.findIndex((l) => new RegExp(`^${key}\\s*:`).test(l)) : -1;
      return i < 0 ? undefined : i + 1;
    }
    const start = this.itemStarts[index];
    if (start === undefined) return this.lineOf("policies");
    if (!key) return start;
    const end = this.itemStarts[index + 1] ?? this.lines.length + 1;
    const re = new RegExp(`^\\s*(-\\s+)?${key}\\s*:`);
    for (let l = start; l < end; l++) if (re.test(this.lines[l - 1]!)) return l;
    return start;
  }

  /** For YAML syntax errors: the line after the longest prefix that still parses. */
  static syntaxErrorLine(text: string): number {
    const lines = text.split(/\r?\n/);
    let lastGood = 0;
    for (let k = 1; k <= lines.length; k++) {
      try {
        Bun.YAML.parse(lines.slice(0, k).join("\n"));
        lastGood = k;
      } catch {
        // a prefix may fail only because it cuts a multi-line construct; keep looking
      }
    }
    return Math.min(lastGood + 1, lines.length);
  }
}
