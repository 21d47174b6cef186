/**
 * Builds the hot path from configuration: the authenticator used by the transports and the chain of
 * per-message stages. Each stage's factory lives in its folder (src/pipeline/<stage>/index.ts) with its
 * config schema beside it; this file only composes them. Resources a stage opens (database pools, Redis
 * clients, file watchers) are closed by `close()`.
 */
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { MetricsRegistry } from "../metrics/registry.ts";
import type { CatalogView } from "../registry/types.ts";
import { createAuthenticator } from "./authn/index.ts";
import { createRateLimitStage } from "./ratelimit/index.ts";
import { createDlpStage } from "./dlp/index.ts";
import { ANONYMOUS, Chain, type Authenticator, type PipelineStages } from "./chain.ts";
import type { Call } from "./types.ts";
import type { JsonRpcNotification } from "../protocol/jsonrpc.ts";
import { createFirewallStage } from "./firewall/index.ts";
import { createAuditStage } from "./audit/index.ts";
import type { StorageConfig } from "../storage/config.ts";
import type { ApiKeyStore } from "../ports/api-key-store.ts";
import type { PinStore } from "../ports/pin-store.ts";
import type { OpenAuditSink } from "../ports/audit-sink.ts";
import type { OpenRateLimitStore } from "../ports/rate-limit-store.ts";
import { createPolicyStage } from "./policy/index.ts";

/** Storage adapters, injected so that pipeline code depends on ports only (src/ports), never on adapters. */
export interface PipelineStores {
  openKeyStore(storage: StorageConfig): Promise<ApiKeyStore>;
  openPinStore(storage: StorageConfig): Promise<PinStore>;
  openAuditSink: OpenAuditSink;
  /** Shared rate-limit buckets (Redis), opened only when `rateLimit.redis` is configured. */
  openRateLimitStore: OpenRateLimitStore;
}

export interface PipelineDeps {
  config: Config;
  log: Logger;
  metrics: MetricsRegistry;
  catalog: () => CatalogView;
  stores: PipelineStores;
}

export interface BuiltPipeline {
  authenticator: Authenticator;
  chain: Chain;
  /** Extra HTTP routes a stage serves (e.g. OAuth protected-resource metadata), mounted by the gateway. */
  routes: Record<string, (req: Request) => Response | Promise<Response>>;
  /**
   * Screens a notification a call streams to its client (logs, progress) with output DLP; null = drop it.
   * Absent when DLP is off. The server wraps each request's channel with it.
   */
  redactNotification?: (call: Call, message: JsonRpcNotification) => JsonRpcNotification | null;
  close(): Promise<void>;
}

/** Accepts everyone as the anonymous principal: the bare data plane, before authentication is configured. */
export const ANONYMOUS_AUTHENTICATOR: Authenticator = { authenticate: () => ({ ok: true, principal: ANONYMOUS }) };

/** Builds the stages in chain order (the order itself is decided in chain.ts, not here). */
export async function buildPipeline(deps: PipelineDeps): Promise<BuiltPipeline> {
  const closers: (() => Promise<void> | void)[] = [];
  const stages: PipelineStages = {};
  const routes: BuiltPipeline["routes"] = {};

  // Authentication (src/pipeline/authn): API keys, JWT, mesh identity; serves the OAuth metadata route.
  const authn = await createAuthenticator({ ...deps, openKeyStore: deps.stores.openKeyStore });
  Object.assign(routes, authn.routes);
  closers.push(authn.close);

  // Rate limit (src/pipeline/ratelimit): budgets per tenant/principal/tool, local or shared through Redis;
  // no stage at all when no budget is configured.
  const rateLimit = await createRateLimitStage({ ...deps, openStore: deps.stores.openRateLimitStore });
  if (rateLimit.stage) stages.rateLimit = rateLimit.stage;
  closers.push(rateLimit.close);

  // Policy (src/pipeline/policy): CEL policies from policy.dir, hot-reloaded; allow / deny / approval.
  if (deps.config.policy.enabled) {
    const policy = await createPolicyStage({ config: deps.config.policy, log: deps.log.child({ stage: "policy" }), metrics: deps.metrics });
    stages.policy = policy.stage;
    closers.push(policy.close);
  }

  // Input firewall (src/pipeline/firewall): argument limits + schema, injection/secret screening, tool pinning.
  const firewall = await createFirewallStage(deps);
  stages.firewall = firewall.stage;
  closers.push(firewall.close);

  // Output DLP (src/pipeline/dlp): synchronous, no I/O; absent from the chain when dlp.enabled is false.
  const dlp = createDlpStage(deps);
  if (dlp.stage) stages.dlp = dlp.stage;
  closers.push(dlp.close);

  // Audit (src/pipeline/audit): one record per call, batched to SQLite or Postgres, spooled when down.
  if (deps.config.audit.enabled) {
    const audit = createAuditStage({ ...deps, openSink: deps.stores.openAuditSink });
    stages.audit = audit.stage;
    closers.push(audit.close);
  }

  return {
    authenticator: authn.authenticator,
    chain: new Chain(stages),
    routes,
    redactNotification: dlp.stage ? dlp.redactNotification : undefined,
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}
