// The plugin runtime inside QuickJS, evaluated at build time before the author's bundle (which assigns
// globalThis.__pluginExports). It turns the `__host` natives of glue.c into the author API (console,
// config, http, ctx) and implements the hyper-mcp exports: __sidecar.start(export, inputJson) begins a
// call, glue.c runs the promise jobs, __sidecar.take() returns the output JSON or throws (→ Extism error).
(function (host) {
  "use strict";
  delete globalThis.__host;

  const show = (v) => {
    if (typeof v === "string") return v;
    if (v instanceof Error) return v.stack ? `${v.name}: ${v.message}\n${v.stack}` : `${v.name}: ${v.message}`;
    try {
      const s = JSON.stringify(v);
      return s === undefined ? String(v) : s;
    } catch {
      return String(v);
    }
  };
  const logAt = (level) => (...args) => host.log(level, args.map(show).join(" "));
  globalThis.console = {
    debug: logAt(0), trace: logAt(0), log: logAt(1), info: logAt(1), warn: logAt(2), error: logAt(3),
  };

  globalThis.config = Object.freeze({
    /** The plugin's config value for `key` (manifest `config` / gateway settings), or null. */
    get: (key) => host.config(String(key)),
  });

  class HttpResponse {
    constructor(url, status, body, headers) {
      this.url = url;
      this.status = status;
      this.ok = status >= 200 && status < 300;
      this.headers = headers;
      this.body = body;
    }
    text() { return this.body; }
    json() { return JSON.parse(this.body); }
  }
  globalThis.http = Object.freeze({
    /** Synchronous HTTP through the host; only the manifest's allowedHosts are reachable. */
    fetch(url, init = {}) {
      const request = { url: String(url), method: String(init.method ?? "GET").toUpperCase(), headers: {} };
      for (const [k, v] of Object.entries(init.headers ?? {})) request.headers[k] = String(v);
      let body = init.body;
      if (body !== undefined && body !== null && typeof body !== "string") body = JSON.stringify(body);
      const [status, text, headers] = host.http(JSON.stringify(request), body);
      return new HttpResponse(request.url, status, text, headers ? JSON.parse(headers) : {});
    },
  });

  Math.random = host.random;

  const LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];
  function makeContext(context) {
    const meta = context?._meta ?? {};
    const token = meta.progressToken;
    return Object.freeze({
      requestId: context?.id,
      meta,
      /** notifications/progress to the client, if it asked for progress (sent a progress token). */
      progress(progress, total, message) {
        if (typeof token !== "string" && typeof token !== "number") return;
        const params = { progressToken: token, progress: Number(progress) };
        if (total !== undefined) params.total = Number(total);
        if (message !== undefined) params.message = String(message);
        host.notify(0, JSON.stringify(params));
      },
      /** notifications/message to the client (MCP logging), at an MCP level. */
      log(level, data, logger) {
        if (!LEVELS.includes(level)) throw new TypeError(`ctx.log: level must be one of ${LEVELS.join(", ")}`);
        const params = { level, data: data ?? null };
        if (logger !== undefined) params.logger = String(logger);
        host.notify(1, JSON.stringify(params));
      },
    });
  }

  /** The author's return value as an MCP CallToolResult. */
  function toResult(value) {
    if (typeof value === "string") return { content: [{ type: "text", text: value }] };
    if (value === undefined || value === null) return { content: [] };
    if (typeof value === "object" && Array.isArray(value.content)) return value;
    const result = { content: [{ type: "text", text: JSON.stringify(value) }] };
    if (typeof value === "object" && !Array.isArray(value)) result.structuredContent = value;
    return result;
  }
  const errorResult = (err) => ({
    content: [{ type: "text", text: err instanceof Error ? err.message : show(err) }],
    isError: true,
  });

  let tools; // name -> tool, checked once (at build time, right after the bundle ran)
  function loadTools() {
    if (tools) return tools;
    const exported = globalThis.__pluginExports;
    const plugin = exported?.default ?? exported;
    const list = plugin?.tools;
    if (!Array.isArray(list)) throw new TypeError("the plugin must `export default { tools: [...] }`");
    tools = new Map();
    for (const [i, t] of list.entries()) {
      if (typeof t?.name !== "string" || t.name === "") throw new TypeError(`tools[${i}] needs a string "name"`);
      if (typeof t.handler !== "function") throw new TypeError(`tool "${t.name}" needs a handler(args, ctx) function`);
      if (tools.has(t.name)) throw new TypeError(`tool "${t.name}" is defined twice`);
      const def = { name: t.name, inputSchema: t.inputSchema ?? { type: "object" } };
      for (const k of ["title", "description", "outputSchema", "annotations"]) if (t[k] !== undefined) def[k] = t[k];
      tools.set(t.name, { def, handler: t.handler });
    }
    return tools;
  }

  let outcome; // { done, output } | { done, error }
  const finish = (output) => (outcome = { done: true, output: JSON.stringify(output) });
  globalThis.__sidecar = Object.freeze({
    start(exportName, inputJson) {
      outcome = { done: false };
      const input = inputJson.trim() === "" ? {} : JSON.parse(inputJson);
      if (exportName === "list_tools") return finish({ tools: [...loadTools().values()].map((t) => t.def) });
      const name = input.request?.name;
      const tool = loadTools().get(name);
      if (!tool) throw new Error(`unknown tool: ${name}`);
      let value;
      try {
        value = tool.handler(input.request.arguments ?? {}, makeContext(input.context));
      } catch (err) {
        return finish(errorResult(err));
      }
      if (value && typeof value.then === "function") {
        value.then((v) => finish(toResult(v)), (err) => finish(errorResult(err)));
      } else {
        finish(toResult(value));
      }
    },
    /** Run by the compiler's trailer at build time, so a malformed plugin fails the build, not the first call. */
    check() {
      loadTools();
    },
    take() {
      if (!outcome.done) throw new Error("the tool's promise never settled (nothing left to run)");
      return outcome.output;
    },
  });
})(globalThis.__host);
