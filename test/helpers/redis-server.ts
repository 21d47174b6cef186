/**
 * A private redis-server for outage tests: its own free port, no persistence, stopped and restarted by the
 * test that owns it (never the machine's shared Redis on 6379).
 */
import { RedisClient } from "bun";

export interface PrivateRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL: an outage, not a shutdown) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty; resolves once it answers PING. */
  start(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

/** Polls `check` every 20 ms until it returns true; fails after `timeoutMs`, naming what it waited for. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  const start = async () => {
    proc = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdout: "ignore",
      stderr: "ignore",
    });
    const probe = new RedisClient(url, { autoReconnect: false, connectionTimeout: 500 });
    try {
      await waitFor(`redis-server on port ${port}`, async () => {
        try {
          if (!probe.connected) await probe.connect();
          return (await probe.send("PING", [])) === "PONG";
        } catch {
          return false;
        }
      });
    } finally {
      probe.close();
    }
  };
  const stop = async () => {
    if (!proc) return;
    proc.kill("SIGKILL");
    await proc.exited;
    proc = undefined;
  };
  await start();
  return { port, url, stop, start, [Symbol.asyncDispose]: stop };
}
