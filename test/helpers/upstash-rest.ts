/**
 * A tiny Upstash REST endpoint for tests: Bun.serve on 127.0.0.1:0 that speaks the Upstash protocol
 * (POST / with a JSON command array, POST /pipeline with an array of them, `Authorization: Bearer <token>`, answers `{result}` or `{error}`,
 * base64-encoding strings when the client sends `Upstash-Encoding: base64`) and runs each command on a real
 * Redis through Bun's client.
 */
import { RedisClient } from "bun";

export interface UpstashRest {
  url: string;
  token: string;
  /** Commands served, by name (EVALSHA, EVAL, PING...). */
  commands: Map<string, number>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const encode = (v: unknown): unknown =>
  typeof v === "string" ? (v === "OK" ? v : Buffer.from(v).toString("base64")) : Array.isArray(v) ? v.map(encode) : v;

export async function startUpstashRest(redisUrl: string): Promise<UpstashRest> {
  const token = crypto.randomUUID();
  const redis = new RedisClient(redisUrl);
  await redis.connect();
  const commands = new Map<string, number>();
  const run = async (command: unknown[], base64: boolean): Promise<{ result: unknown } | { error: string }> => {
    if (!Array.isArray(command) || typeof command[0] !== "string") return { error: "ERR expected a command array" };
    const [name, ...args] = command as [string, ...unknown[]];
    const cmd = name.toUpperCase();
    commands.set(cmd, (commands.get(cmd) ?? 0) + 1);
    try {
      const result = await redis.send(cmd, args.map(String));
      return { result: base64 ? encode(result) : result };
    } catch (err) {
      return { error: (err as Error).message };
    }
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      if (req.headers.get("authorization") !== `Bearer ${token}`) return Response.json({ error: "Unauthorized" }, { status: 401 });
      const base64 = req.headers.get("upstash-encoding") === "base64";
      const path = new URL(req.url).pathname;
      const body = (await req.json()) as unknown[];
      if (path === "/pipeline") {
        // An array of commands; one {result} or {error} per command, in order.
        if (!Array.isArray(body) || !body.every(Array.isArray)) return Response.json({ error: "ERR expected an array of commands" }, { status: 400 });
        return Response.json(await Promise.all(body.map((c) => run(c as unknown[], base64))));
      }
      if (path !== "/") return Response.json({ error: `ERR unsupported path ${path}` }, { status: 404 });
      const reply = await run(body, base64);
      return Response.json(reply, { status: "error" in reply ? 400 : 200 });
    },
  });
  const stop = async () => {
    await server.stop(true);
    redis.close();
  };
  return { url: `http://127.0.0.1:${server.port}`, token, commands, stop, [Symbol.asyncDispose]: stop };
}
