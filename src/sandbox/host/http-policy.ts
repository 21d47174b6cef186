/**
 * Where a guest's HTTP request may go, checked for the first URL and for every redirect hop:
 *   - http: and https: only (fetch would also read file: and data: URLs);
 *   - the host must match the manifest's allowedHosts: an exact name, or a glob pattern as in the Extism
 *     SDK ("*.example.com", "*");
 *   - a host allowed only by a name pattern must resolve to public addresses: "*" or "*.example.com" does
 *     not open loopback, private, link-local (cloud metadata) or other internal addresses. An exact name or
 *     an address pattern ("127.0.0.1", "10.0.*") is the operator naming the destination, and is trusted.
 * Limit: the name is resolved here and again by fetch, so a DNS server that changes its answer in between
 * (rebinding) is not stopped; list exact hosts for anything sensitive.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

export interface HttpPolicy {
  /** Why `url` may not be fetched, or null if it may. */
  refusal(url: URL): Promise<string | null>;
}

/** An IPv4 or IPv6 pattern with at least one digit ("10.0.*", "fd00:*"); "*" alone is a name pattern. */
const ADDRESS_PATTERN = /^(?=.*[0-9])(?:[0-9.*]+|\[?[0-9a-fA-F:.*]*:[0-9a-fA-F:.*]*\]?)$/;

export function httpPolicy(allowedHosts: readonly string[]): HttpPolicy {
  const exact = new Set(allowedHosts.filter((p) => !/[*?[\]{}]/.test(p) || isIP(bare(p)) !== 0));
  const patterns = allowedHosts.filter((p) => !exact.has(p)).map((p) => ({ glob: new Bun.Glob(p), addresses: ADDRESS_PATTERN.test(p) }));
  return {
    async refusal(url) {
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return `the plugin's HTTP request to "${url}" is not allowed (only http: and https: URLs are)`;
      }
      const host = url.hostname;
      if (exact.has(host) || exact.has(bare(host))) return null;
      const match = patterns.find((p) => p.glob.match(host));
      if (!match) return `the plugin's HTTP request to "${url}" is not allowed (no allowedHosts match "${host}")`;
      if (match.addresses) return null;
      const internal = await internalAddress(bare(host));
      if (internal) {
        return (
          `the plugin's HTTP request to "${url}" is not allowed ("${host}" ${internal}, and a name pattern in ` +
          `allowedHosts reaches public addresses only; list the host by its exact name to allow it)`
        );
      }
      return null;
    },
  };
}

/** The hostname without IPv6 brackets. */
const bare = (host: string) => (host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host);

/** A description of the first non-public address `host` is or resolves to; null if all are public. */
async function internalAddress(host: string): Promise<string | null> {
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return null; // unresolvable: fetch fails on it with its own message
    }
  }
  const internal = addresses.find(isInternal);
  return internal === undefined ? null : internal === host ? `is the internal address ${host}` : `resolves to the internal address ${internal}`;
}

/** Loopback, private, link-local, CGNAT, unspecified, multicast and reserved ranges (IPv4 and IPv6). */
export function isInternal(address: string): boolean {
  if (isIP(address) === 4) {
    const [a, b] = address.split(".").map(Number) as [number, number];
    return (
      a === 0 || a === 10 || a === 127 || a >= 224 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 198 && (b === 18 || b === 19))
    );
  }
  const v6 = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (mapped) return isInternal(mapped[1]!);
  // URL parsing writes an IPv4-mapped address in hex: [::ffff:127.0.0.1] becomes [::ffff:7f00:1].
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (hex) {
    const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return isInternal(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  return v6 === "::" || v6 === "::1" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6.startsWith("ff");
}
