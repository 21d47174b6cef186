/**
 * Sidecar identity from Envoy's x-forwarded-client-cert (XFCC). Istio's sidecar terminates mTLS and
 * tells us who the peer was, e.g.
 *
 *   By=spiffe://cluster.local/ns/tools/sa/mcp;Hash=ab12…;Subject="";URI=spiffe://cluster.local/ns/agents/sa/bot
 *
 * Several proxies may each append an element (comma-separated); the last one is what our own Envoy saw,
 * the immediate peer. Only read when `auth.mesh.trustXfcc` says the local Envoy is the only way in.
 */

export type MeshIdentity = { ok: true; spiffeId: string; trustDomain: string } | { ok: false; message: string };

/** Splits on `sep` outside double quotes (Subject="CN=a,O=b" contains commas and semicolons). */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === sep && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** The immediate peer's SPIFFE id, or undefined when the header carries none. */
export function peerSpiffeId(xfcc: string): string | undefined {
  const elements = splitOutsideQuotes(xfcc, ",");
  const last = elements[elements.length - 1]!;
  for (const pair of splitOutsideQuotes(last, ";")) {
    const eq = pair.indexOf("=");
    if (eq === -1) continue;
    if (pair.slice(0, eq).trim().toLowerCase() !== "uri") continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value.startsWith("spiffe://")) return value;
  }
  return undefined;
}

/** Parses and checks the header against the allowed trust domains (empty list: any). */
export function meshIdentity(xfcc: string, trustDomains: readonly string[]): MeshIdentity {
  const spiffeId = peerSpiffeId(xfcc);
  if (!spiffeId) return { ok: false, message: "x-forwarded-client-cert carries no SPIFFE URI" };
  const trustDomain = spiffeId.slice("spiffe://".length).split("/", 1)[0]!;
  if (trustDomains.length > 0 && !trustDomains.includes(trustDomain)) {
    return { ok: false, message: `peer trust domain "${trustDomain}" is not allowed` };
  }
  return { ok: true, spiffeId, trustDomain };
}
