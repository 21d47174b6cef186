/**
 * Origin validation against DNS rebinding: a web page on evil.example that resolves its name to 127.0.0.1
 * can make a browser POST to this server, but the browser still sends `Origin: https://evil.example`.
 * Requests with no Origin (non-browser clients) pass; loopback origins and configured ones pass.
 */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function makeOriginCheck(allowedOrigins: readonly string[]): (origin: string | null | undefined) => boolean {
  const allowed = new Set(allowedOrigins.map((o) => o.replace(/\/+$/, "").toLowerCase()));
  return (origin) => {
    if (origin === null || origin === undefined || origin === "") return true;
    const normalised = origin.toLowerCase();
    if (allowed.has(normalised) || allowed.has("*")) return true;
    let host: string;
    try {
      host = new URL(normalised).hostname;
    } catch {
      return false; // "null" origins (sandboxed iframes, file://) and garbage are foreign
    }
    return LOOPBACK_HOSTS.has(host) || host.startsWith("127.");
  };
}
