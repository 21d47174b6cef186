/**
 * The input firewall stage (issue #3): what a tool may be handed and what a model may be handed back.
 *
 * onRequest, for tools/call, cheapest refusal first:
 *   1. pinning     a tool whose description/schema changed since approval is quarantined (Map lookup)
 *   2. limits      total size, string length and depth, per risk level (one walk that also gathers text)
 *   3. schema      arguments against the tool's inputSchema (compiled once per distinct schema)
 *   4. injection   weighted heuristics -> score; block or flag at the risk level's threshold
 *   5. secrets     credentials in arguments are flagged (or blocked)
 * onRequest, for tools/list: quarantined tools are hidden, because tool poisoning works through the
 *   description the model reads when listing, before it ever calls the tool.
 * onResponse, for tools/call: the result screened for injection (indirect injection through a plugin).
 *
 * Everything here is synchronous: no I/O (pins are in memory, refreshed beside the hot path), so the
 * chain never awaits this stage. In shadow mode every refusal becomes a "flag" finding and a log line.
 */
import { GatewayError } from "../../protocol/errors.ts";
import { Counter } from "../../metrics/registry.ts";
import type { PipelineDeps } from "../build.ts";
import { PASS, type Call, type Finding, type Outcome, type RiskLevel, type Stage, type Target } from "../types.ts";
import type { FirewallConfig } from "./config.ts";
import { describeHits, screenText } from "./injection.ts";
import { startPinning, type ToolPins } from "./pins.ts";
import { describeIssues, formatIssues, SchemaValidators } from "./schema-validator.ts";
import { describeSecrets, findSecrets } from "./secrets.ts";
import { resultText, scanArguments } from "./walk.ts";

export const STAGE = "firewall";

export interface FirewallStage {
  stage: Stage;
  /** The pin registry, when pinning is enabled (tests, admin). */
  pins: ToolPins | undefined;
  close(): Promise<void>;
}

const LIMIT_NAMES = { maxArgumentBytes: "bytes", maxStringLength: "characters", maxDepth: "levels deep" } as const;

export async function createFirewallStage(deps: PipelineDeps): Promise<FirewallStage> {
  const config: FirewallConfig = deps.config.firewall;
  if (!config.enabled) return { stage: { name: STAGE }, pins: undefined, close: async () => {} };
  const log = deps.log.child({ stage: STAGE });
  const findingsTotal = deps.metrics.register(new Counter("mcp_firewall_findings_total", "input firewall findings by kind and action", ["kind", "action"]));
  const validators = new SchemaValidators();
  if (config.schema.enabled) validators.warmUp();
  const pinning = config.pinning.enabled
    ? await startPinning({ storage: deps.config.storage, openStore: deps.stores.openPinStore, log, catalog: deps.catalog, ...config.pinning })
    : undefined;
  const pins = pinning?.pins;
  const shadow = config.mode === "shadow";
  const injection = config.injection;
  const collectText = (injection.enabled && injection.arguments) || config.secrets.enabled;

  /**
   * Blocks (enforce) or records what would have been blocked (shadow); undefined means carry on.
   * Blocks that matter to security are logged at info (`notable`); refused malformed arguments at debug.
   */
  function refuse(call: Call, kind: string, detail: string, error: GatewayError, outcome: string, extra?: { score?: number; notable?: boolean; fields?: object }): Outcome | undefined {
    findingsTotal.inc({ kind, action: shadow ? "shadow" : "block" });
    const fields = { tool: call.target?.name, kind, detail, callId: call.id, ...extra?.fields };
    if (shadow) {
      call.findings.push(finding(kind, `shadow: would have blocked: ${detail}`, "flag", extra?.score));
      log.info("firewall (shadow) would have blocked a call", fields);
      return undefined;
    }
    call.findings.push(finding(kind, detail, "block", extra?.score));
    if (extra?.notable) log.info("firewall blocked a call", fields);
    else log.debug("firewall blocked a call", fields);
    return { kind: "reject", error, outcome };
  }
  function flag(call: Call, kind: string, detail: string, score?: number): void {
    findingsTotal.inc({ kind, action: "flag" });
    call.findings.push(finding(kind, detail, "flag", score));
  }

  /**
   * Compiling a schema costs ~1.5 ms; a new catalog version schedules compiling its schemas after the
   * call that noticed it, one per event-loop turn (never a long stall), so first calls find them ready.
   */
  let compiledVersion = -1;
  function precompileSoon(): void {
    const catalog = deps.catalog();
    if (catalog.version === compiledVersion) return;
    compiledVersion = catalog.version;
    let i = 0;
    const step = () => {
      if (compiledVersion !== catalog.version || i >= catalog.tools.length) return;
      const schema = catalog.tools[i++]!.item.inputSchema;
      if (schema) validators.get(schema);
      setImmediate(step);
    };
    setImmediate(step);
  }

  /** Hides quarantined tools from tools/list, on top of what policy already hides. */
  function hideQuarantined(call: Call): void {
    if (!pins || shadow) return;
    pins.check(deps.catalog());
    if (pins.quarantinedTools().length === 0) return;
    const allowed = call.visible;
    call.visible = (t: Target) => (t.kind !== "tool" || pins.quarantine(t.name) === undefined) && (!allowed || allowed(t));
  }

  const stage: Stage = {
    name: STAGE,
    onRequest(call: Call): Outcome {
      if (call.method === "tools/list") {
        hideQuarantined(call);
        return PASS;
      }
      const target = call.target;
      if (call.method !== "tools/call" || target?.kind !== "tool") return PASS;
      const tool = target.name;
      const risk = target.risk;

      if (pins) {
        pins.check(deps.catalog());
        const message = pins.quarantine(tool);
        if (message) {
          const refused = refuse(call, "quarantined", message, new GatewayError("quarantined", message, { tool }), "quarantined");
          if (refused) return refused;
        }
      }

      const limits = config.limits[risk];
      const scan = scanArguments(call.args, limits, collectText);
      if (scan.violation) {
        const v = scan.violation;
        const where = v.path ? ` at ${v.path}` : "";
        const what = v.limit === "maxArgumentBytes" ? "the arguments are" : "a value is";
        const message = `Invalid arguments for tool ${tool}: ${what} ${v.actual} ${LIMIT_NAMES[v.limit]}${where}, over the limit of ${limits[v.limit]} for ${risk} tools (firewall.limits.${risk}.${v.limit})`;
        const refused = refuse(call, "argument_limit", message, new GatewayError("invalid_params", message, { limit: v.limit, path: v.path }), "invalid_params");
        if (refused) return refused;
      }

      if (config.schema.enabled && target.inputSchema) {
        precompileSoon();
        const compiled = validators.get(target.inputSchema);
        if (!compiled.ok) {
          // Fail open: a plugin's broken schema is the plugin's bug; the other checks still run.
          flag(call, "schema_unusable", `the input schema of ${tool} does not compile; arguments were not validated: ${compiled.reason}`);
          warnOnce(`${tool}\u0000${compiled.reason}`, () => log.warn("tool input schema does not compile; its arguments are not validated", { tool, reason: compiled.reason }));
        } else if (!compiled.validate(call.args ?? {})) {
          const issues = describeIssues(compiled.validate.errors);
          const message = `Invalid arguments for tool ${tool}: ${formatIssues(issues)}`;
          const refused = refuse(call, "invalid_arguments", message, new GatewayError("invalid_params", message, { errors: issues }), "invalid_params");
          if (refused) return refused;
        }
      }

      if (injection.enabled && injection.arguments && scan.text) {
        const refused = screen(call, scan.text, risk, "arguments");
        if (refused) return refused;
      }

      if (config.secrets.enabled && scan.text) {
        const secrets = findSecrets(scan.text);
        if (secrets.length > 0) {
          const detail = `secret in the arguments of ${tool}: ${describeSecrets(secrets)}`;
          if (config.secrets.action === "flag") flag(call, "secret", detail);
          else {
            const message = `Blocked by the input firewall: ${detail}. Pass credentials through the plugin's configuration, not as arguments.`;
            const refused = refuse(call, "secret", detail, new GatewayError("blocked", message), "blocked", { notable: true });
            if (refused) return refused;
          }
        }
      }
      return PASS;
    },

    onResponse(call: Call): Outcome {
      if (!injection.enabled || !injection.results || call.method !== "tools/call" || call.target?.kind !== "tool") return PASS;
      const text = resultText(call.result);
      return (text && screen(call, text, call.target.risk, "result")) || PASS;
    },
  };

  /** Injection screening shared by arguments and results. */
  function screen(call: Call, text: string, risk: RiskLevel, where: "arguments" | "result"): Outcome | undefined {
    const report = screenText(text);
    const level = injection.levels[risk];
    if (report.score === 0 || report.score < level.threshold) return undefined;
    const tool = call.target!.name;
    const found = describeHits(report.hits);
    const score = report.score.toFixed(2);
    const detail = `prompt injection in the ${where} of ${tool} (score ${score}, threshold ${level.threshold} for ${risk} tools): ${found}`;
    if (level.action === "flag") {
      flag(call, "prompt_injection", detail, report.score);
      log.debug("firewall flagged a possible prompt injection", { tool, where, score: report.score, hits: report.hits, callId: call.id });
      return undefined;
    }
    // Excerpts go to the log only: echoing a result's injected text to the client would deliver it anyway.
    const message =
      where === "result"
        ? `Blocked by the input firewall: the result of tool ${tool} was withheld because it looks like a prompt injection (score ${score}): ${found}`
        : `Blocked by the input firewall: the arguments of tool ${tool} look like a prompt injection (score ${score}): ${found}`;
    const error = new GatewayError("blocked", message, { score: report.score, findings: report.hits.map((h) => h.id) });
    return refuse(call, "prompt_injection", detail, error, "blocked", { score: report.score, notable: true, fields: { where, hits: report.hits } });
  }

  const warned = new Set<string>();
  function warnOnce(key: string, warn: () => void): void {
    if (warned.has(key) || warned.size > 1000) return;
    warned.add(key);
    warn();
  }

  return { stage, pins, close: async () => await pinning?.close() };
}

function finding(kind: string, detail: string, action: Finding["action"], score?: number): Finding {
  return score === undefined ? { stage: STAGE, kind, detail, action } : { stage: STAGE, kind, detail, action, score };
}
