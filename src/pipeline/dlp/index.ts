/**
 * Output DLP: finds PII and secrets in what a call returns (and streams) and masks, redacts, hashes or
 * blocks them per detector and risk level (./config.ts). Runs after execution and before audit, so the
 * client never sees what it removes and the audit record holds its findings (never the values).
 *
 * Entirely synchronous and I/O-free: the plan (detectors and actions per risk level) is resolved once
 * at build time, and a clean result passes without a single allocation beyond the scan.
 */
import type { JsonRpcNotification } from "../../protocol/jsonrpc.ts";
import { GatewayError } from "../../protocol/errors.ts";
import { Counter, type MetricsRegistry } from "../../metrics/registry.ts";
import type { Config } from "../../config/schema.ts";
import { PASS, type Call, type Finding, type Outcome, type RiskLevel, type Stage } from "../types.ts";
import type { DlpConfig } from "./config.ts";
import type { DetectorName } from "./detectors.ts";
import { buildPlan, Rewriter, type LevelPlan } from "./engine.ts";
import { createStreamRedactor, NotificationScan, type StreamRedactor } from "./stream.ts";
import { ResultScan, type Hit } from "./walk.ts";

export { createStreamRedactor, type StreamRedactor } from "./stream.ts";
export { dlpConfigSchema, type DlpConfig } from "./config.ts";

export interface DlpStageDeps {
  config: Pick<Config, "dlp">;
  metrics?: MetricsRegistry;
}

export interface DlpStage {
  /** Undefined when `dlp.enabled` is false: the chain then skips DLP entirely. */
  stage: Stage | undefined;
  close(): Promise<void>;
  /**
   * For the channel a call streams on: returns the notification redacted, the same object when clean,
   * or null when a `block` detector matched (drop it). Handles notifications/message and /progress.
   */
  redactNotification(call: Call, message: JsonRpcNotification): JsonRpcNotification | null;
  /** A chunk redactor for text a call streams, with the call's risk level and findings. */
  createStreamRedactor(call: Call): StreamRedactor;
}

const LABELS: Record<DetectorName, string> = {
  private_key: "a private key",
  jwt: "a JWT",
  aws_key: "an AWS access key",
  api_token: "an API token",
  iban: "an IBAN",
  card: "a card number",
  ssn: "a US social security number",
  email: "an email address",
  phone: "a phone number",
  ip: "an IP address",
};

const NAME = "dlp";

export function createDlpStage(deps: DlpStageDeps): DlpStage {
  const config: DlpConfig = deps.config.dlp;
  const plan = buildPlan(config);
  const rewriter = new Rewriter(config.hashKey);
  const methods = new Set<string>(config.methods);
  const findingsTotal = deps.metrics?.register(
    new Counter("mcp_dlp_findings_total", "Values found by output DLP, by detector, action and where", ["detector", "action", "source"]),
  );
  const levelOf = (call: Call): LevelPlan => plan[(call.target?.risk ?? "LOW") as RiskLevel];
  // One result scanner per risk level, reset per call: the stage is synchronous, so a scan's hits are
  // read (turned into findings) before the next call can start one, and a call allocates no scanner.
  const resultScans = Object.fromEntries(Object.entries(plan).map(([risk, level]) => [risk, new ResultScan(level, rewriter)])) as Record<RiskLevel, ResultScan>;
  const notificationScans = new WeakMap<Call, NotificationScan>();
  const running = new RunningFindings();

  const count = (hits: Map<DetectorName, Hit>, source: string) => {
    if (findingsTotal) for (const [detector, hit] of hits) findingsTotal.inc({ detector, action: hit.action, source }, hit.count);
  };

  const stage: Stage = {
    name: NAME,
    onResponse(call: Call): Outcome {
      if (!methods.has(call.method)) return PASS;
      const risk = (call.target?.risk ?? "LOW") as RiskLevel;
      if (plan[risk].detectors.length === 0) return PASS;
      const scan = resultScans[risk].reset();
      const result = scan.walk(call.result);
      if (scan.hits.size === 0) return PASS;
      for (const [detector, hit] of scan.hits) call.findings.push(finding(detector, hit));
      count(scan.hits, "result");
      if (scan.blocked) return { kind: "reject", error: blockedError(scan.hits), outcome: "blocked" };
      return result === call.result ? PASS : { kind: "mutate", value: result };
    },
  };

  const redactNotification = (call: Call, message: JsonRpcNotification): JsonRpcNotification | null => {
    const field = message.method === "notifications/message" ? "data" : message.method === "notifications/progress" ? "message" : undefined;
    const params = message.params;
    if (!field || !params || params[field] === undefined) return message;
    const level = levelOf(call);
    if (level.detectors.length === 0) return message;
    let scan = notificationScans.get(call);
    if (!scan) notificationScans.set(call, (scan = new NotificationScan(level, rewriter, config.stream.holdBackChars)));
    scan.reset();
    const value = scan.at(`${message.method} params`).walk(params[field], field, params);
    if (scan.hits.size === 0) return message;
    for (const [detector, hit] of scan.hits) running.add(call, "notification", detector, hit.action, hit.count, message.method);
    count(scan.hits, "notification");
    if (scan.blocked) return null;
    return value === params[field] ? message : { ...message, params: { ...params, [field]: value } };
  };

  const streamRedactor = (call: Call): StreamRedactor => {
    return createStreamRedactor({
      level: levelOf(call),
      rewriter,
      holdBackChars: config.stream.holdBackChars,
      maxHoldChars: config.stream.maxHoldChars,
      onFinding(detector, action) {
        running.add(call, "stream", detector, action, 1, "stream");
        findingsTotal?.inc({ detector, action, source: "stream" });
      },
    });
  };

  return {
    stage: config.enabled ? stage : undefined,
    close: async () => {},
    redactNotification: config.enabled && config.notifications ? redactNotification : (_call, message) => message,
    createStreamRedactor: streamRedactor,
  };
}

function finding(detector: DetectorName, hit: Hit): Finding {
  const plural = hit.count === 1 ? "match" : "matches";
  return { stage: NAME, kind: detector, detail: `${hit.count} ${plural} in ${hit.paths.join(", ")}`, action: hit.action };
}

/**
 * Notifications and streams keep one finding per detector per call, updated as messages go by, so a
 * chatty plugin cannot grow the audit record without bound.
 */
class RunningFindings {
  private readonly perCall = new WeakMap<Call, Map<string, { hit: Hit; at: number }>>();

  add(call: Call, source: string, detector: DetectorName, action: Hit["action"], count: number, path: string): void {
    let byKey = this.perCall.get(call);
    if (!byKey) this.perCall.set(call, (byKey = new Map()));
    const key = `${source}:${detector}`;
    let entry = byKey.get(key);
    if (!entry) {
      entry = { hit: { count: 0, action, paths: [] }, at: call.findings.length };
      call.findings.push(finding(detector, entry.hit));
      byKey.set(key, entry);
    }
    entry.hit.count += count;
    if (action === "block") entry.hit.action = "block";
    if (entry.hit.paths.length < 3 && !entry.hit.paths.includes(path)) entry.hit.paths.push(path);
    call.findings[entry.at] = finding(detector, entry.hit);
  }
}

function blockedError(hits: Map<DetectorName, Hit>): GatewayError {
  const blocked = [...hits].filter(([, h]) => h.action === "block").map(([d]) => d);
  const what = blocked.map((d) => `${LABELS[d]} (detector "${d}")`).join(", ");
  return new GatewayError(
    "blocked",
    `Result blocked by data loss prevention: it contains ${what}. An administrator can change dlp.detectors or dlp.risk if this tool may return it.`,
    { detectors: blocked },
  );
}
