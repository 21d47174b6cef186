/**
 * A raw JSON-RPC client over Bun's global WebSocket, for end-to-end tests of /mcp/ws. Incoming frames are
 * queued, so a test can wait for "the next message such that ..." without racing the socket.
 */
type Message = Record<string, any>;

export class WsTestClient {
  private readonly inbox: Message[] = [];
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private nextId = 1;
  /** Resolves with the close code and reason, whoever closed. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as Message;
      const waiter = this.waiters.find((w) => w.match(message));
      if (waiter) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(message);
      } else this.inbox.push(message);
    });
    this.closed = new Promise((resolve) => socket.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
  }

  static connect(url: string, headers?: Record<string, string>): Promise<WsTestClient> {
    // Bun's WebSocket takes extra handshake headers (Origin here) in its second argument.
    const socket = new WebSocket(url, headers ? ({ headers } as unknown as string[]) : undefined);
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve(new WsTestClient(socket)), { once: true });
      socket.addEventListener("error", () => reject(new Error("WebSocket handshake failed")), { once: true });
    });
  }

  /** Connects and initializes (initialize, then notifications/initialized). */
  static async open(url: string, protocolVersion = "2025-11-25"): Promise<WsTestClient> {
    const client = await WsTestClient.connect(url);
    const init = await client.request("initialize", { protocolVersion, capabilities: { sampling: {} }, clientInfo: { name: "ws-e2e", version: "1" } });
    if (!init.result) throw new Error(`initialize failed: ${JSON.stringify(init)}`);
    client.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** The next message (queued or future) that `match` accepts. */
  next(match: (m: Message) => boolean = () => true): Promise<Message> {
    const index = this.inbox.findIndex(match);
    if (index !== -1) return Promise.resolve(this.inbox.splice(index, 1)[0]!);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Id of the request sent last (to cancel it, say). */
  get lastRequestId(): number {
    return this.nextId - 1;
  }

  /** Sends a request and resolves with its response (result or error). */
  request(method: string, params?: Record<string, unknown>): Promise<Message> {
    const id = this.nextId++;
    this.send(params ? { jsonrpc: "2.0", id, method, params } : { jsonrpc: "2.0", id, method });
    return this.next((m) => m.id === id && !("method" in m));
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await (this.socket.readyState === WebSocket.CLOSED ? this.closed : this.close());
  }
}

/** Polls `condition` until it holds (for effects with no event to wait on), failing after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(5);
  }
}
