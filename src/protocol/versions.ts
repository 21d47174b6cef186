/** Protocol revisions this gateway speaks, newest first. */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] as const;
export type ProtocolVersion = (typeof SUPPORTED_PROTOCOL_VERSIONS)[number];
export const LATEST_PROTOCOL_VERSION: ProtocolVersion = "2025-11-25";
/** What the spec says a server assumes when an HTTP request carries no MCP-Protocol-Version header. */
export const DEFAULT_HEADERLESS_VERSION: ProtocolVersion = "2025-03-26";

export function isSupportedVersion(v: string): v is ProtocolVersion {
  return (SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(v);
}

/** Version negotiation: echo the client's version when we speak it, otherwise offer our latest. */
export function negotiateVersion(requested: unknown): ProtocolVersion {
  return typeof requested === "string" && isSupportedVersion(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

/** JSON-RPC batching existed only in 2025-03-26; later revisions removed it. */
export function allowsBatches(v: ProtocolVersion): boolean {
  return v === "2025-03-26" || v === "2024-11-05";
}

/** SSE priming events (an id with empty data) were introduced with 2025-11-25; older clients may choke on them. */
export function supportsSsePriming(v: ProtocolVersion): boolean {
  return v >= "2025-11-25";
}
