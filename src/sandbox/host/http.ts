/**
 * `http_request`, `http_status_code`, `http_headers`: outbound HTTP for a guest, only to the hosts its
 * manifest allows, with the response body capped. `http_request` is async: the guest is suspended (JSPI)
 * while the request runs, and the wait is bounded by the call's deadline and cancellation.
 *
 * Semantics of the @extism/extism SDK (HttpContext) unless noted: request block = JSON
 * `{url, method?, headers?}`; a host not in allowedHosts fails the call; a body over the cap is logged
 * and answered with handle 0 (the status stays set).
 */
import type { CallState } from "../call-state.ts";
import { SandboxError } from "../errors.ts";
import { httpPolicy } from "./http-policy.ts";
import type { Kernel } from "./kernel.ts";

/** Redirects are followed by hand so every hop is checked against allowedHosts (fetch would not). */
const MAX_REDIRECTS = 5;

export interface HttpHost {
  readonly kernel: Kernel;
  readonly logger: Console;
  readonly allowedHosts: readonly string[];
  readonly maxResponseBytes: number;
  /** The call in flight (null while the module's start function runs). */
  readonly state: CallState | null;
  /** Fails the call in flight with `error` (remembered, so a guest catching the throw still fails). */
  fail(error: SandboxError): never;
}

interface RequestBlock {
  url?: unknown;
  method?: unknown;
  headers?: Record<string, string>;
  header?: Record<string, string>;
}

export function httpFunctions(host: HttpHost): Record<string, Function> {
  const { kernel } = host;
  // Schemes, allowedHosts (exact names and SDK-style globs), internal addresses: ./http-policy.ts.
  const policy = httpPolicy(host.allowedHosts);
  let status = 0;
  let headers: Record<string, string> | null = null;

  const check = async (url: URL) => {
    const refusal = await policy.refusal(url);
    if (refusal) host.fail(new SandboxError("trap", refusal));
  };

  async function send(state: CallState | null, url: URL, init: RequestInit): Promise<Response> {
    const controller = new AbortController();
    try {
      const exchange = async () => {
        for (let hop = 0; ; hop++) {
          const response = await fetch(url, { ...init, redirect: "manual", signal: controller.signal });
          const location = response.headers.get("location");
          if (response.status < 300 || response.status >= 400 || !location || hop === MAX_REDIRECTS) return response;
          url = new URL(location, url);
          await check(url);
          if (response.status === 303 || ((response.status === 301 || response.status === 302) && init.method === "POST")) {
            init = { ...init, method: "GET", body: undefined };
          }
        }
      };
      const response = await (state ? state.guard(exchange()) : exchange());
      return response;
    } catch (err) {
      controller.abort(); // the deadline passed or the call was cancelled: stop the transfer too
      if (err instanceof SandboxError) throw err;
      // A network failure (refused, DNS, TLS, reset): say which request, not just fetch's words.
      host.fail(new SandboxError("trap", `the plugin's HTTP request to "${url}" failed: ${(err as Error).message}`));
    }
  }

  return {
    async http_request(requestHandle: bigint, bodyHandle: bigint): Promise<bigint> {
      status = 0;
      headers = null;
      const text = kernel.text(requestHandle);
      if (text === undefined) return 0n;
      const request = parseRequest(text, host);
      const url = URL.parse(String(request.url)) ?? host.fail(new SandboxError("trap", `the plugin's HTTP request has an invalid URL: ${JSON.stringify(request.url)}`));
      await check(url);
      const method = typeof request.method === "string" ? request.method.toUpperCase() : "GET";
      const body = bodyHandle === 0n || method === "GET" || method === "HEAD" ? undefined : (kernel.bytes(bodyHandle) as Uint8Array<ArrayBuffer>);
      const response = await send(host.state, url, { method, headers: request.headers ?? request.header, body });
      status = response.status;
      headers = Object.fromEntries(response.headers);
      const bytes = await readUpTo(response, host.maxResponseBytes);
      if (bytes === null) {
        host.logger.warn(`plugin HTTP response from ${url.host} is over ${host.maxResponseBytes} bytes; the plugin gets no body`);
        return 0n;
      }
      return BigInt(kernel.store(bytes));
    },
    http_status_code: () => status,
    // The SDK answers 0 unless allowHttpResponseHeaders is set; ours always gives the headers of the
    // last response (JSON object), which is what a guest calling it wants.
    http_headers: (): bigint => (headers === null ? 0n : BigInt(kernel.store(JSON.stringify(headers)))),
  };
}

function parseRequest(text: string, host: HttpHost): RequestBlock {
  try {
    const value = JSON.parse(text);
    if (typeof value === "object" && value !== null) return value as RequestBlock;
  } catch {
    // reported below
  }
  host.fail(new SandboxError("trap", "the plugin's HTTP request block is not a JSON object {url, method?, headers?}"));
}

/** The body, or null once it passes `max` bytes (the rest is not read). */
async function readUpTo(response: Response, max: number): Promise<Uint8Array | null> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, total);
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
}
