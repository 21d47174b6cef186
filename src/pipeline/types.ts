/**
 * The stage contract of the hot path (issue #3): every MCP request becomes one `Call` record that the
 * stages read and fill in order (see ./chain.ts for the order and why). At the end the same record is
 * the audit row, the metric labels and the span attributes.
 *
 * Stages steer with a tagged Outcome instead of throwing, so a rejection is an ordinary value that the
 * chain turns into the JSON-RPC error and the audit record alike.
 */
import type { JsonRpcRequest, RequestId } from "../protocol/jsonrpc.ts";
import type { GatewayError } from "../protocol/errors.ts";
import type { Session } from "../session/session.ts";

export type RiskLevel = "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";

/** Who is calling. Built by authentication at the edge; immutable afterwards. */
export interface Principal {
  /** Stable key, e.g. "jwt:https://issuer|alice", "key:ak_12ab", "anonymous". Sessions are bound to it. */
  readonly id: string;
  readonly tenant: string;
  /** The human or service the credential speaks for (token `sub`, API key owner). */
  readonly user?: string;
  /** The workload making the call, from the mesh (SPIFFE id), when the local proxy is trusted. */
  readonly agent?: string;
  readonly roles: readonly string[];
  readonly method: "api_key" | "jwt" | "mesh" | "anonymous";
  /** Extra claims policies may read (token claims, key labels). */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** What a request acts on, resolved from the catalog before the stages run. */
export interface Target {
  readonly kind: "tool" | "prompt" | "resource";
  readonly name: string;
  readonly plugin?: string;
  readonly risk: RiskLevel;
  readonly tags: readonly string[];
  /** The tool's input schema, for argument validation. */
  readonly inputSchema?: Record<string, unknown>;
}

export type Effect = "allow" | "deny" | "require_approval";

export interface Decision {
  readonly effect: Effect;
  readonly policyId: string;
  readonly reason: string;
  /** What a shadow-mode policy set would have decided (logged and audited, not enforced). */
  readonly shadow?: { effect: Effect; policyId: string; reason: string };
}

/** Something a stage noticed without necessarily rejecting (injection score, secret in arguments, DLP hit). */
export interface Finding {
  readonly stage: string;
  readonly kind: string;
  readonly detail: string;
  readonly score?: number;
  readonly action: "flag" | "block" | "redact" | "mask" | "hash";
}

export interface CallSource {
  readonly transport: "http" | "websocket" | "stdio";
  readonly address?: string;
}

/** The per-request record: created by the server, filled by the stages, written out by audit. */
export class Call {
  private uuid: string | undefined;
  /** Unique id of this call (audit row, logs); made when first read: a call no stage records needs none. */
  get id(): string {
    return (this.uuid ??= crypto.randomUUID());
  }
  readonly startedAt = Date.now();
  readonly t0 = performance.now();
  readonly method: string;
  readonly requestId: RequestId;
  /** Arguments of tools/call (or prompts/get); a stage may replace them with a `mutate` outcome. */
  args: Record<string, unknown> | undefined;
  target: Target | undefined;
  decision: Decision | undefined;
  readonly findings: Finding[] = [];
  /** The result as it will be sent; onResponse stages may replace it with a `mutate` outcome. */
  result: unknown = undefined;
  error: GatewayError | undefined;
  /** "ok", "tool_error", "denied", "rate_limited", "blocked", a sandbox failure... set as the call ends. */
  outcome = "ok";
  fuelUsed = 0;
  durationMs = 0;
  /**
   * For list methods: which catalog items this caller may see. Set by policy in onRequest; the server
   * applies it before paginating, so pages stay full and cursors stay stable.
   */
  visible: ((target: Target) => boolean) | undefined;
  /** Resolves once the audit record of this call is durably stored; set by audit for HIGH/CRITICAL. */
  durable: Promise<void> | undefined;

  constructor(
    readonly request: JsonRpcRequest,
    readonly session: Session,
    readonly principal: Principal,
    readonly source: CallSource,
  ) {
    this.method = request.method;
    this.requestId = request.id;
    const args = request.params?.arguments;
    this.args = typeof args === "object" && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : undefined;
  }
}

export type Outcome = { kind: "pass" } | { kind: "mutate"; value: unknown } | { kind: "reject"; error: GatewayError; outcome: string };

export const PASS: Outcome = Object.freeze({ kind: "pass" });

export interface Stage {
  /** Span name and metric label. */
  readonly name: string;
  /** Before execution; may reject, or mutate the call's arguments. Return synchronously on cache hits. */
  onRequest?(call: Call): Outcome | Promise<Outcome>;
  /** After execution succeeded; may reject, or mutate the result. */
  onResponse?(call: Call): Outcome | Promise<Outcome>;
  /** Always, last, whatever happened (audit, metering). Must not throw. */
  onComplete?(call: Call): void;
}
