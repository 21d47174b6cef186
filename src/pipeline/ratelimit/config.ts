import { z } from "zod";

/**
 * One budget: `rate` tokens per second refill, at most `burst` held (default: one second's worth, at least 1).
 * A call spends one token of every budget that applies to it.
 */
export const limitSchema = z
  .object({
    rate: z.number().positive(),
    burst: z.number().int().positive().optional(),
  })
  .strict();
export type LimitConfig = z.infer<typeof limitSchema>;

const redisSchema = z
  .object({
    /** redis:// or rediss:// (Bun's built-in client), or an https:// Upstash REST endpoint (with `token`). */
    url: z
      .string()
      .refine((u) => /^(rediss?|valkeys?|https?):\/\//.test(u), "must be a redis://, rediss:// or https:// (Upstash REST) URL"),
    /** Bearer token of an Upstash REST endpoint (env: MCP_SIDECAR_RATELIMIT__REDIS__TOKEN). */
    token: z.string().min(1).optional(),
    /** Every key this gateway writes starts with this; replicas that should share budgets use the same one. */
    prefix: z.string().min(1).default("mcp-sidecar:rl:"),
    /** A lease covers this much of a budget's rate (capped at a quarter of its burst, at least one token). */
    leaseMs: z.number().positive().default(100),
    /** Unspent leased tokens go back to Redis after a budget has been idle this long. */
    leaseIdleMs: z.number().int().positive().default(1000),
    /** A Redis command slower than this counts as an outage (the call is decided locally). */
    timeoutMs: z.number().int().positive().default(250),
    /** How often Redis is pinged to notice an outage without traffic, and to notice its return. */
    healthMs: z.number().int().positive().default(1000),
  })
  .strict()
  .refine((r) => !/^https?:/.test(r.url) || r.token, { message: "an https:// (Upstash REST) url needs `token`", path: ["token"] });

const riskLimits = z
  .object({ LOW: limitSchema, MEDIUM: limitSchema, HIGH: limitSchema, CRITICAL: limitSchema })
  .partial()
  .strict();

export const rateLimitConfigSchema = z
  .object({
    /**
     * Which JSON-RPC methods spend tokens. By default the ones that run something (a plugin or upstream);
     * "*" counts every request that reaches the chain (listings, ping) too.
     */
    methods: z.union([z.literal("*"), z.array(z.string().min(1))]).default(["tools/call", "resources/read", "prompts/get"]),
    /** Every tenant's budget, and per-tenant overrides by tenant id. */
    tenant: limitSchema.optional(),
    tenants: z.record(z.string(), limitSchema).default({}),
    /** Every principal's budget (Principal.id), and overrides by principal id. */
    principal: limitSchema.optional(),
    principals: z.record(z.string(), limitSchema).default({}),
    /** Every tool's budget; per-risk defaults; overrides by tool name (the most specific one wins). */
    tool: limitSchema.optional(),
    risk: riskLimits.default({}),
    tools: z.record(z.string(), limitSchema).default({}),
    /** "tenant": each tenant has its own budget per tool (the default); "global": one budget per tool for everyone. */
    toolScope: z.enum(["tenant", "global"]).default("tenant"),
    /** With Redis, replicas share budgets (leases taken from Redis, spent locally); without, budgets are per process. */
    redis: redisSchema.optional(),
  })
  .strict();
export type RateLimitConfig = z.infer<typeof rateLimitConfigSchema>;
