import { z } from "zod";

export const serverConfigSchema = z.object({
  /** Loopback by default: as a sidecar the only client is the agent in the same pod. */
  host: z.string().min(1).default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(3000),
  /**
   * Origins allowed besides loopback ones. Browsers send Origin; a foreign Origin is how a DNS-rebinding
   * attack reaches a local server, so anything not listed is refused with 403.
   */
  allowedOrigins: z.array(z.string()).default([]),
  /**
   * Host header names accepted besides loopback names (which a loopback-bound server always accepts).
   * Set it when serving under a DNS name; a server bound to a routable address checks Host only if set.
   */
  allowedHosts: z.array(z.string()).default([]),
  /** Largest request body accepted; larger ones get 413 before being read in full. */
  maxBodyBytes: z.number().int().positive().default(4 * 1024 * 1024),
  /** A session unused this long is dropped; its id then gets 404 and the client re-initializes. */
  sessionIdleTimeoutMs: z.number().int().positive().default(30 * 60 * 1000),
  maxSessions: z.number().int().positive().default(10_000),
  /** SSE comment interval so idle streams survive proxies that cut silent connections. */
  sseKeepAliveMs: z.number().int().positive().default(15_000),
  /** Events kept per SSE stream for Last-Event-ID resumption. */
  sseReplayEvents: z.number().int().positive().default(256),
  /** Client-side reconnection delay advertised in SSE `retry:` fields. */
  sseRetryMs: z.number().int().positive().default(1_000),
  /** Items per page for tools/list, resources/list, prompts/list. */
  pageSize: z.number().int().positive().max(10_000).default(100),
});
export type ServerConfig = z.infer<typeof serverConfigSchema>;
