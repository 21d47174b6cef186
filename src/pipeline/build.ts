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
import { ANONYMOUS, Chain, type Authenticator, type PipelineStages } from "./chain.ts";

export interface PipelineDeps {
  config: Config;
  log: Logger;
  metrics: MetricsRegistry;
  catalog: () => CatalogView;
}

export interface BuiltPipeline {
  authenticator: Authenticator;
  chain: Chain;
  /** Extra HTTP routes a stage serves (e.g. OAuth protected-resource metadata), mounted by the gateway. */
  routes: Record<string, (req: Request) => Response | Promise<Response>>;
  close(): Promise<void>;
}

/** Accepts everyone as the anonymous principal: the bare data plane, before authentication is configured. */
export const ANONYMOUS_AUTHENTICATOR: Authenticator = { authenticate: () => ({ ok: true, principal: ANONYMOUS }) };

export async function buildPipeline(deps: PipelineDeps): Promise<BuiltPipeline> {
  const closers: (() => Promise<void> | void)[] = [];
  const stages: PipelineStages = {};
  const routes: BuiltPipeline["routes"] = {};
  const authenticator: Authenticator = ANONYMOUS_AUTHENTICATOR;
  // Each stage helper adds its factory call here, e.g.
  //   const rateLimit = await createRateLimitStage(deps); stages.rateLimit = rateLimit.stage; closers.push(rateLimit.close);
  void deps;
  return {
    authenticator,
    chain: new Chain(stages),
    routes,
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}
