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

  /** Runs the stages around `execute`; resolves to the (possibly redacted) result or rejects with a GatewayError. */
  async run(call: Call, execute: (call: Call) => Promise<unknown> | unknown): Promise<unknown> {
    return this.runNow(call, execute);
  }

  /**
   * As `run`, but while every stage and `execute` answer synchronously, so does this: the result is returned
   * (or the failure thrown) in the same tick. The first promise switches to the async continuation from
   * exactly that step, so no stage runs twice. Why: an async function per call costs a promise and a tick
   * even when nothing waits, measured as a visible share of a bare tools/call (bench/RESULTS.md, "Edge and
   * call path"). The server uses this one.
   */
  runNow(call: Call, execute: (call: Call) => Promise<unknown> | unknown): unknown {
    try {
      for (let i = 0; i < this.onRequest.length; i++) {
        const outcome = this.onRequest[i]!.onRequest!(call);
        if (outcome instanceof Promise) return this.settled(call, this.resumeRequest(call, execute, i, outcome));
        applyRequest(call, outcome);
      }
      const result = execute(call);
      if (result instanceof Promise) return this.settled(call, this.resumeExecute(call, result));
      call.result = result;
      for (let i = 0; i < this.onResponse.length; i++) {
        const outcome = this.onResponse[i]!.onResponse!(call);
        if (outcome instanceof Promise) return this.settled(call, this.resumeResponse(call, i, outcome));
        applyResponse(call, outcome);
      }
    } catch (err) {
      return this.complete(call, err);
    }
    return this.complete(call, undefined);
  }

  /** Continues from request stage `i`, whose outcome is pending. */
  private async resumeRequest(call: Call, execute: (call: Call) => Promise<unknown> | unknown, i: number, pending: Promise<Outcome>): Promise<void> {
    applyRequest(call, await pending);
    for (let k = i + 1; k < this.onRequest.length; k++) {
      let outcome = this.onRequest[k]!.onRequest!(call);
      if (outcome instanceof Promise) outcome = await outcome;
      applyRequest(call, outcome);
    }
    await this.resumeExecute(call, execute(call));
  }

  private async resumeExecute(call: Call, pending: Promise<unknown> | unknown): Promise<void> {
    call.result = await pending;
    for (let k = 0; k < this.onResponse.length; k++) {
      let outcome = this.onResponse[k]!.onResponse!(call);
      if (outcome instanceof Promise) outcome = await outcome;
      applyResponse(call, outcome);
    }
  }

  /** Continues from response stage `i`, whose outcome is pending. */
  private async resumeResponse(call: Call, i: number, pending: Promise<Outcome>): Promise<void> {
    applyResponse(call, await pending);
    for (let k = i + 1; k < this.onResponse.length; k++) {
      let outcome = this.onResponse[k]!.onResponse!(call);
      if (outcome instanceof Promise) outcome = await outcome;
      applyResponse(call, outcome);
    }
  }

  private settled(call: Call, work: Promise<void>): Promise<unknown> {
    return work.then(
      () => this.complete(call, undefined),
      (err) => this.complete(call, err),
    );
  }

  /** Records a failure, runs onComplete, waits for a durable audit record if there is one; then answers. */
  private complete(call: Call, failure: unknown): unknown {
    if (failure !== undefined && !call.error) {
      call.error = failure instanceof GatewayError ? failure : new GatewayError("internal", "Internal error");
      if (call.outcome === "ok") call.outcome = failure instanceof GatewayError ? failure.kind : "internal";
    }
    call.durationMs = performance.now() - call.t0;
    for (const stage of this.onComplete) {
      try {
        stage.onComplete!(call);
      } catch {
        // onComplete must not throw; a broken audit sink reports itself, it does not fail the call.
      }
    }
    if (call.durable) {
      return call.durable.then(() => {
        if (failure !== undefined) throw failure;
        return call.result;
      });
    }
    if (failure !== undefined) throw failure;
    return call.result;
  }
}

function applyRequest(call: Call, outcome: Outcome): void {
  if (outcome.kind === "reject") throw reject(call, outcome);
  if (outcome.kind === "mutate") call.args = outcome.value as Record<string, unknown>;
}

function applyResponse(call: Call, outcome: Outcome): void {
  if (outcome.kind === "reject") throw reject(call, outcome);
  if (outcome.kind === "mutate") call.result = outcome.value;
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
