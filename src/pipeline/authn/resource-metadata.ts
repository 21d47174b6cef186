/**
 * OAuth 2.1 resource-server behaviour required by the MCP authorization spec:
 *  - RFC 9728 protected-resource metadata, so a client that got a 401 can find the authorization server;
 *  - the `WWW-Authenticate: Bearer resource_metadata="…"` challenge pointing at it (RFC 6750 / 9728 §5.1).
 *
 * The metadata lives at /.well-known/oauth-protected-resource plus the resource's path (RFC 9728 §3.1:
 * "/.well-known/oauth-protected-resource/mcp" for ".../mcp"); the root form is served as well, since
 * some clients only try that one.
 */
import type { AuthConfig } from "./config.ts";

const WELL_KNOWN = "/.well-known/oauth-protected-resource";
/** Where MCP lives when auth.resource does not say. */
const DEFAULT_RESOURCE_PATH = "/mcp";

export class ResourceMetadata {
  readonly paths: string[];
  private readonly fixedMetadataUrl: string | undefined;
  private readonly metadataPath: string;

  constructor(private readonly cfg: AuthConfig) {
    const resourcePath = cfg.resource ? new URL(cfg.resource).pathname.replace(/\/+$/, "") : DEFAULT_RESOURCE_PATH;
    this.metadataPath = WELL_KNOWN + resourcePath;
    this.paths = [...new Set([this.metadataPath, WELL_KNOWN])];
    this.fixedMetadataUrl = cfg.resource ? new URL(this.metadataPath, cfg.resource).href : undefined;
  }

  /** The resource URI: configured, or this server as the request reached it. */
  private resource(origin: string): string {
    return this.cfg.resource ?? origin + DEFAULT_RESOURCE_PATH;
  }

  /** Absolute metadata URL for a challenge; without a configured resource, from the request's Host. */
  metadataUrl(headers: Headers): string {
    if (this.fixedMetadataUrl) return this.fixedMetadataUrl;
    return `http://${headers.get("host") ?? "localhost"}${this.metadataPath}`;
  }

  /**
   * The challenge for a 401. `error` is set when a token was presented and refused (RFC 6750 §3.1:
   * invalid_token); a request with no credentials gets the bare challenge.
   */
  challenge(headers: Headers, error?: { code: "invalid_token" | "invalid_request"; description: string }): string {
    let value = `Bearer resource_metadata="${this.metadataUrl(headers)}"`;
    if (this.cfg.scopesSupported.length > 0) value += `, scope="${this.cfg.scopesSupported.join(" ")}"`;
    if (error) value += `, error="${error.code}", error_description="${error.description.replace(/["\\]/g, "'")}"`;
    return value;
  }

  /** The routes to mount: GET returns the metadata document (public, so CORS-open). */
  routes(): Record<string, (req: Request) => Response> {
    const handler = (req: Request): Response => {
      if (req.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS });
      if (req.method !== "GET" && req.method !== "HEAD") return new Response(null, { status: 405, headers: { allow: "GET, HEAD, OPTIONS" } });
      const body = {
        resource: this.resource(new URL(req.url).origin),
        authorization_servers: this.cfg.authorizationServers ?? (this.cfg.jwt ? [this.cfg.jwt.issuer] : []),
        bearer_methods_supported: ["header"],
        scopes_supported: this.cfg.scopesSupported,
        resource_name: "mcp-sidecar",
      };
      return Response.json(body, { headers: { ...CORS, "cache-control": "public, max-age=300" } });
    };
    return Object.fromEntries(this.paths.map((p) => [p, handler]));
  }
}

const CORS = { "access-control-allow-origin": "*", "access-control-allow-methods": "GET, HEAD, OPTIONS", "access-control-allow-headers": "mcp-protocol-version" };
