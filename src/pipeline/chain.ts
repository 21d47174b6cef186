/**
 * THE ORDER OF THE HOT PATH. Every MCP request passes these stages, in this order, and this file is the
 * only place that order is written down.
 *
 *  0. authenticate   At the edge (transports call `Pipeline.authenticate` before reading a body), because
 *                    it needs the HTTP headers / mesh identity and must refuse with 401 before spending
 *                    anything on an unauthenticated caller. Produces the Principal the Call carries.
 *  1. rate limit     First per-message stage: the cheapest possible refusal, so a flood from one tenant
 *                    costs the node as little as possible and cannot starve policy or plugins for others.
 *  2. policy         Needs the principal and the resolved target (tool, risk, tags) and nothing later;
 *                    a deny must happen before arguments are inspected or anything runs.
 *  3. input firewall Argument validation and injection/secret screening: only worth doing for calls the
 *                    policy allows, and it must finish before a plugin sees the arguments.
 *  4. execute        The plugin (or upstream) call itself; not a stage, the chain's `execute` callback.
 *  5. output DLP     Runs on what came back, before the client sees it; redaction mutates the result.
 *  6. audit          Last and always (onComplete), also for rejected and failed calls, so the record holds
 *                    every stage's verdict. Writes off the hot path; for HIGH/CRITICAL tools it hands back
 *                    a promise the response waits for (the record's group commit).
 *
 * A stage that returns synchronously is never awaited, so a cache-hit path allocates no promises.
 */
import { GatewayError } from "../protocol/errors.ts";
import type { Call, Outcome, Principal, Stage } from "./types.ts";

export interface PipelineStages {
  rateLimit?: Stage;
  policy?: Stage;
  firewall?: Stage;
  dlp?: Stage;
  audit?: Stage;
}

/** What a transport passes to authentication: the request as it arrived. */
export interface AuthRequest {
  readonly headers: Headers;
  readonly address?: string;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; message: string; wwwAuthenticate?: string };

export interface Authenticator {
  /** Synchronous on a cache hit; a Promise only when a token must be verified or keys fetched. */
  authenticate(request: AuthRequest): AuthResult | Promise<AuthResult>;
}

export class Chain {
  private readonly onRequest: Stage[];
  private readonly onResponse: Stage[];
  private readonly onComplete: Stage[];

  constructor(stages: PipelineStages) {
    // The literal order below is the order of the comment above.
    const ordered = [stages.rateLimit, stages.policy, stages.firewall, stages.dlp, stages.audit].filter((s): s is Stage => !!s);
    this.onRequest = ordered.filter((s) => s.onRequest);
    this.onResponse = ordered.filter((s) => s.onResponse);
    this.onComplete = ordered.filter((s) => s.onComplete);
  }

  get stageNames(): string[] {
    return [...new Set([...this.onRequest, ...this.onResponse, ...this.onComplete].map((s) => s.name))];
  }

  /** Runs the stages around `execute`; resolves to the (possibly redacted) result or throws a GatewayError. */
  async run(call: Call, execute: (call: Call) => Promise<unknown> | unknown): Promise<unknown> {
    let failure: unknown;
    try {
      for (const stage of this.onRequest) {
        let outcome = stage.onRequest!(call);
        if (outcome instanceof Promise) outcome = await outcome;
        if (outcome.kind === "reject") throw reject(call, outcome);
        if (outcome.kind === "mutate") call.args = outcome.value as Record<string, unknown>;
      }
      call.result = await execute(call);
      for (const stage of this.onResponse) {
        let outcome = stage.onResponse!(call);
        if (outcome instanceof Promise) outcome = await outcome;
        if (outcome.kind === "reject") throw reject(call, outcome);
        if (outcome.kind === "mutate") call.result = outcome.value;
      }
    } catch (err) {
      failure = err;
      if (!call.error) {
        call.error = err instanceof GatewayError ? err : new GatewayError("internal", "Internal error");
        if (call.outcome === "ok") call.outcome = err instanceof GatewayError ? err.kind : "internal";
      }
    }
    call.durationMs = performance.now() - call.t0;
    for (const stage of this.onComplete) {
      try {
        stage.onComplete!(call);
      } catch {
        // onComplete must not throw; a broken audit sink reports itself, it does not fail the call.
      }
    }
    if (call.durable) await call.durable;
    if (failure !== undefined) throw failure;
    return call.result;
  }
}

function reject(call: Call, outcome: Extract<Outcome, { kind: "reject" }>): GatewayError {
  call.error = outcome.error;
  call.outcome = outcome.outcome;
  return outcome.error;
}

/** The whole hot path as the transports and the server see it. */
export interface Pipeline {
  readonly authenticator: Authenticator;
  readonly chain: Chain;
}

export const ANONYMOUS: Principal = Object.freeze({
  id: "anonymous",
  tenant: "default",
  roles: Object.freeze([]) as readonly string[],
  method: "anonymous" as const,
  attributes: Object.freeze({}),
});
