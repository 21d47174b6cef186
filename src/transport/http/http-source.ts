/**
 * Where an HTTP request came from, with the peer address read from the socket only when something asks
 * (a policy's `context.address`, an authenticator, audit). Why lazy: `server.requestIP(req)` cost ~0.9 µs
 * per request on the bare tools/call path (bench/RESULTS.md, "Edge and call path"), and most chains never
 * read it. Read it while the request is live: once Bun has finished the response, `requestIP` returns null
 * (which is why the audit stage reads it when the call completes, not in its batch flush).
 */
import type { AuthRequest } from "../../pipeline/chain.ts";
import type { CallSource } from "../../pipeline/types.ts";

/** The part of Bun's Server that knows a request's peer. */
export interface PeerLookup {
  requestIP(req: Request): { address: string } | null;
}

export class HttpSource implements CallSource, AuthRequest {
  readonly transport = "http" as const;
  private looked = false;
  private peer: string | undefined;

  constructor(
    readonly headers: Headers,
    private readonly req: Request,
    private readonly server: PeerLookup | undefined,
  ) {}

  get address(): string | undefined {
    if (!this.looked) {
      this.looked = true;
      this.peer = this.server?.requestIP(this.req)?.address;
    }
    return this.peer;
  }

  /** A plain copy (JSON, logs): the getter lives on the prototype, so spreading would drop the address. */
  toJSON(): CallSource {
    return { transport: this.transport, address: this.address };
  }
}
