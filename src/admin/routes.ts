/** Operational endpoints for SREs: liveness, readiness and Prometheus metrics. */
import type { Hono } from "hono";
import type { PluginStatus } from "../registry/registry.ts";

export interface AdminSources {
  metrics: () => string;
  plugins: () => PluginStatus[];
  ready: () => boolean;
}

export function mountAdmin(app: Hono, sources: AdminSources): void {
  // Liveness: the process answers; nothing else is checked so a slow plugin cannot get the pod killed.
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  // Readiness: initial plugin load finished. Failed plugins are listed but do not make the node unready.
  app.get("/readyz", (c) => {
    const plugins = sources.plugins();
    const ready = sources.ready();
    return c.json({ status: ready ? "ready" : "starting", plugins }, ready ? 200 : 503);
  });
  app.get("/metrics", (c) => c.text(sources.metrics(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }));
}
