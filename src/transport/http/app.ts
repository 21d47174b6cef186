/** The HTTP edge: Hono routes onto the Streamable HTTP endpoint and the admin endpoints. */
import { Hono } from "hono";
import { mountAdmin, type AdminSources } from "../../admin/routes.ts";
import type { WebSocketEndpoint } from "../ws/ws-endpoint.ts";
import type { StreamableHttpEndpoint } from "./mcp-endpoint.ts";

export function createHttpApp(endpoint: StreamableHttpEndpoint, admin: AdminSources, websocket?: WebSocketEndpoint): Hono {
  const app = new Hono();
  // c.env is the Bun server: Bun.serve passes it as fetch's second argument, which Hono exposes as env.
  if (websocket) app.get("/mcp/ws", (c) => websocket.upgrade(c.req.raw, c.env));
  // POST /mcp is normally answered by Bun.serve's route table before Hono (src/gateway.ts); this route
  // serves the same endpoint when the app is used on its own (app.request() in tests).
  app.post("/mcp", (c) => endpoint.post(c.req.raw));
  app.get("/mcp", (c) => endpoint.get(c.req.raw));
  app.delete("/mcp", (c) => endpoint.delete(c.req.raw));
  mountAdmin(app, admin);
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}; MCP is served at /mcp` }, 404));
  app.onError((err, c) => {
    console.error(err);
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}
