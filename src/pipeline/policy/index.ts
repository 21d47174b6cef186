/**
 * The policy stage: allow / deny / require approval on principal x action x resource x context, decided
 * by the CEL policies in `policy.dir` (format and shipped defaults: ./README.md and policies/).
 *
 * It stands after rate limiting and before the input firewall (src/pipeline/chain.ts). It decides
 * synchronously from the current compiled set: no I/O and no await on the hot path. A reload (files
 * changed) builds a whole new set beside it and swaps the reference only if every file loaded; on any
 * error the old set stays and the log names each file and line.
 *
 * List methods are not refused: they get `call.visible`, so each identity sees only what it may use
 * (the server filters before paginating). Items a caller could use with an approval stay visible — the
 * agent needs to know the tool exists to ask for one; denied items are hidden.
 */
import { watch, type FSWatcher } from "node:fs";
import type { Logger } from "../../log.ts";
import { CallbackCounter, Counter, type MetricsRegistry } from "../../metrics/registry.ts";
import { GatewayError } from "../../protocol/errors.ts";
import { PASS, type Call, type Decision, type Outcome, type Stage, type Target } from "../types.ts";
import type { PolicyConfig } from "./config.ts";
import type { PolicySet } from "./engine.ts";
import { loadPolicyDir } from "./loader.ts";

export interface PolicyStageDeps {
  config: PolicyConfig;
  log: Logger;
  metrics?: MetricsRegistry;
  /** The clock for time windows and `now`; tests pass their own. */
  now?: () => number;
}

export interface PolicyStage {
  stage: Stage;
  /** The set deciding right now. */
  current(): PolicySet;
  /** Reloads from disk now; false (old set kept, error logged) if any file failed. */
  reload(): boolean;
  close(): Promise<void>;
}

/** Which call a list method's items would be used with, for deciding their visibility. */
const LIST_ACTIONS: Record<string, string> = {
  "tools/list": "tools/call",
  "prompts/list": "prompts/get",
  "resources/list": "resources/read",
  "resources/templates/list": "resources/read",
};

/** Throws PolicyDirError (every file:line problem) when the folder does not load: a bad start is loud. */
export async function createPolicyStage(deps: PolicyStageDeps): Promise<PolicyStage> {
  const { config, log } = deps;
  const now = deps.now ?? Date.now;
  let set = loadPolicyDir(config.dir, config.cacheEntriesPerPrincipal);
  log.info("policies loaded", { dir: config.dir, policies: set.size, shadow: set.hasShadow });

  const decisions = deps.metrics?.register(new Counter("mcp_policy_decisions_total", "Policy decisions on calls, by effect.", ["effect"]));
  const reloads = deps.metrics?.register(new Counter("mcp_policy_reloads_total", "Policy folder reloads, by result (ok, error).", ["result"]));
  // Hits and misses of sets replaced by reloads, so the counter never goes backwards.
  let retired = { hits: 0, misses: 0 };
  deps.metrics?.register(
    new CallbackCounter("mcp_policy_cache_total", "Policy decision-cache lookups per (principal, method, target), by result (hit, miss).", ["result"], () => [
      [{ result: "hit" }, retired.hits + set.cacheHits],
      [{ result: "miss" }, retired.misses + set.cacheMisses],
    ]),
  );

  const reload = (): boolean => {
    try {
      const old = set;
      set = loadPolicyDir(config.dir, config.cacheEntriesPerPrincipal);
      retired = { hits: retired.hits + old.cacheHits, misses: retired.misses + old.cacheMisses };
      reloads?.inc({ result: "ok" });
      log.info("policies reloaded", { dir: config.dir, policies: set.size, shadow: set.hasShadow });
      return true;
    } catch (err) {
      reloads?.inc({ result: "error" });
      log.error("policy reload failed; the previous policies stay in force", { dir: config.dir, error: (err as Error).message });
      return false;
    }
  };

  let watcher: FSWatcher | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (config.watch) {
    watcher = watch(config.dir, (_event, file) => {
      if (file && !/\.ya?ml$/.test(file)) return;
      clearTimeout(timer);
      timer = setTimeout(reload, config.reloadDebounceMs);
    });
    watcher.on("error", (err) => log.error("policy folder watch failed; reloads stop", { dir: config.dir, error: String(err) }));
  }

  const stage: Stage = {
    name: "policy",
    onRequest(call: Call): Outcome {
      const listAction = LIST_ACTIONS[call.method];
      if (listAction) {
        const current = set;
        const nowMs = now();
        call.visible = (target: Target) =>
          current.decide({ principal: call.principal, method: listAction, target, args: undefined, source: call.source, nowMs, listing: true }).effect !== "deny";
        return PASS;
      }
      const target = call.target;
      // Methods that act on nothing in particular (initialize, ping, completion) or on an unknown name
      // (the server answers "unknown tool") have nothing to decide on.
      if (!target) return PASS;
      const current = set;
      const d = current.decide({ principal: call.principal, method: call.method, target, args: call.args, source: call.source, nowMs: now() });
      call.decision = d;
      decisions?.inc({ effect: d.effect });
      if (d.shadow && (d.shadow.effect !== d.effect || d.shadow.policyId !== d.policyId)) {
        log.info("policy shadow decision differs", { call: call.id, principal: call.principal.id, method: call.method, target: target.name, enforced: d.policyId, effect: d.effect, shadow: d.shadow });
      }
      if (d.effect === "allow") return PASS;
      if (d.effect === "deny") return { kind: "reject", outcome: "denied", error: new GatewayError("denied", deniedMessage(call.method, target, d), { policyId: d.policyId, reason: d.reason }) };
      const approval = current.policy(d.policyId)?.approval ?? { approvers: 1 };
      return {
        kind: "reject",
        outcome: "approval_required",
        error: new GatewayError("approval_required", approvalMessage(target, d, approval), { policyId: d.policyId, reason: d.reason, approvers: approval.approvers, grantMinutes: approval.grantMinutes }),
      };
    },
  };

  return {
    stage,
    current: () => set,
    reload,
    close: async () => {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

function deniedMessage(method: string, t: Target, d: Decision): string {
  return `${method} on ${t.kind} "${t.name}" denied by policy ${d.policyId}: ${d.reason}`;
}

const COUNT = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

/** Names what is needed, since no approval workflow exists yet to obtain it. */
export function approvalMessage(t: Target, d: Decision, a: { approvers: number; grantMinutes?: number }): string {
  const who = a.approvers === 1 ? "one approver" : `${COUNT[a.approvers] ?? a.approvers} different people`;
  const grant = a.grantMinutes ? `, as a grant valid for at most ${a.grantMinutes} minutes` : "";
  return `${t.kind} "${t.name}" (${t.risk}) requires approval by ${who}${grant}; no approval workflow is configured yet, so it cannot be called (policy ${d.policyId}: ${d.reason})`;
}
