/**
 * The baseline: a plain Bun.serve doing the minimum a JSON-RPC server must do for the same call — read the
 * body, JSON.parse it, build the result object tools/call on the echo plugin returns (the text, repeated
 * `repeat` times like the plugin does), JSON.stringify it. No session, no auth, no checks, no plugin. Prints {"url": ...} on stdout; exits on SIGTERM/SIGINT or stdin close.
 */
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const msg = JSON.parse(await req.text());
    const args = msg.params?.arguments;
    const text = typeof args?.repeat === "number" ? String(args.text).repeat(args.repeat) : args?.text;
    const body = { jsonrpc: "2.0", id: msg.id, result: { content: [{ type: "text", text }] } };
    return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  },
});
console.log(JSON.stringify({ url: `http://127.0.0.1:${server.port}/mcp`, pid: process.pid }));

const shutdown = () => {
  server.stop(true);
  process.exit(0);
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.stdin.on("end", shutdown).on("close", shutdown).resume();
