/**
 * DNS-rebinding defences. A page on evil.example whose name resolves to 127.0.0.1 can make a browser send
 * requests to this server, but the browser still sends `Origin: http://evil.example` and
 * `Host: evil.example`. So:
 * - Origin: absent (non-browser clients) passes; loopback origins and configured ones pass; others get 403.
 * - Host: when the server listens on loopback only, the Host header must name a loopback host (any port)
 *   or a configured one. A server bound to a routable address is reached under names we cannot guess, so
 *   it checks Host only against `allowedHosts` when that list is set.
 */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function isLoopbackName(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function makeOriginCheck(allowedOrigins: readonly string[]): (origin: string | null | undefined) => boolean {
  const allowed = new Set(allowedOrigins.map((o) => o.replace(/\/+$/, "").toLowerCase()));
  return (origin) => {
    if (origin === null || origin === undefined || origin === "") return true;
    const normalised = origin.toLowerCase();
    if (allowed.has(normalised) || allowed.has("*")) return true;
    try {
      return isLoopbackName(new URL(normalised).hostname);
    } catch {
      return false; // "null" origins (sandboxed iframes, file://) and garbage are foreign
    }
  };
}

/** Hostname of a Host header value, without port; "[::1]:80" -> "[::1]". */
function hostnameOf(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(0, value.indexOf("]") + 1);
  const colon = value.lastIndexOf(":");
  return colon === -1 ? value : value.slice(0, colon);
}

export function makeHostCheck(bindHost: string, allowedHosts: readonly string[]): (host: string | null) => boolean {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  const loopbackBind = isLoopbackName(bindHost.toLowerCase());
  const enforce = loopbackBind || allowed.size > 0;
  // Clients send the same Host on every request: the last verdict is remembered, so the hot path compares
  // one string instead of parsing the header each time.
  let lastHost: string | null = null;
  let lastVerdict = false;
  return (host) => {
    if (!enforce) return true;
    if (host === null) return false;
    if (host === lastHost) return lastVerdict;
    const name = hostnameOf(host);
    lastVerdict = allowed.has(name) || (loopbackBind && isLoopbackName(name));
    lastHost = host;
    return lastVerdict;
  };
}
