/**
 * What a module's imports say about the host powers it would use, and what an operator must grant or a
 * client must support for them to work. The gateway links every import below; a few only do something when
 * the manifest grants it (allowedHosts, config) or the client supports it (sampling, elicitation, roots).
 */
import { CAPABILITIES } from "../../capabilities/index.ts";
import { USER_NAMESPACE } from "../../registry/abi/host-functions.ts";
import { EXTISM_ENV } from "../../sandbox/host/host.ts";

export interface CapabilityNeed {
  /** Short identifier, stable for --json consumers. */
  id: string;
  what: string;
  needs: string;
  /** The imports that imply it. */
  via: string[];
}

type Rule = Omit<CapabilityNeed, "via">;

const NOTHING = "nothing";
const HTTP: Rule = {
  id: "http",
  what: "makes outbound HTTP requests (Extism http_request)",
  needs: 'the hosts it may reach, in manifest "allowedHosts" (empty by default: every request is refused)',
};
const CONFIG: Rule = { id: "config", what: "reads configuration values (config_get)", needs: 'the values, in manifest "config"' };
const VARS: Rule = { id: "vars", what: "keeps variables across the calls one instance serves (var_get/var_set)", needs: NOTHING };
const LOG: Rule = { id: "log", what: "writes to the gateway's log (log_*)", needs: NOTHING };
const LIST_CHANGED: Rule = { id: "list_changed", what: "tells clients its tools, resources or prompts changed", needs: NOTHING };

const ENV_RULES: Record<string, Rule> = {
  http_request: HTTP,
  http_status_code: HTTP,
  http_headers: HTTP,
  config_get: CONFIG,
  var_get: VARS,
  var_set: VARS,
  log_trace: LOG,
  log_debug: LOG,
  log_info: LOG,
  log_warn: LOG,
  log_error: LOG,
  get_log_level: LOG,
};

const USER_RULES: Record<string, Rule> = {
  notify_progress: { id: "progress", what: "reports progress during a call", needs: "nothing (sent only when the client asked for progress)" },
  notify_logging_message: { id: "logging", what: "sends MCP log messages to the client", needs: NOTHING },
  create_message: { id: "sampling", what: "asks the client's model for a completion (sampling/createMessage)", needs: "a client that declares the sampling capability" },
  create_elicitation: { id: "elicitation", what: "asks the user for input (elicitation/create)", needs: "a client that declares the elicitation capability" },
  notify_url_elicitation_completed: { id: "elicitation", what: "asks the user for input (elicitation/create)", needs: "a client that declares the elicitation capability" },
  list_roots: { id: "roots", what: "asks the client for its roots (roots/list)", needs: "a client that declares the roots capability" },
  notify_tool_list_changed: LIST_CHANGED,
  notify_resource_list_changed: LIST_CHANGED,
  notify_prompt_list_changed: LIST_CHANGED,
  notify_resource_updated: { id: "resource_updates", what: "tells subscribed clients a resource changed", needs: NOTHING },
  close_sse_stream: { id: "stream_release", what: "releases the client's connection during a long call (resumed later)", needs: NOTHING },
};

const WASI: Rule = {
  id: "wasi",
  what: "uses WASI (wasi_snapshot_preview1)",
  needs: "nothing; the gateway supplies a closed WASI: clocks and random only, no files, no environment, stdout discarded",
};

/** Groups a module's imports into the capabilities they imply; Extism memory/IO plumbing implies none. */
export function capabilitiesOf(imports: readonly WebAssembly.ModuleImportDescriptor[]): CapabilityNeed[] {
  const found = new Map<string, CapabilityNeed>();
  const add = (rule: Rule, via: string) => {
    const key = `${rule.id}\u0000${rule.needs}`;
    const entry = found.get(key) ?? { ...rule, via: [] };
    entry.via.push(via);
    found.set(key, entry);
  };
  for (const imp of imports) {
    const via = `${imp.module}.${imp.name}`;
    if (imp.module === EXTISM_ENV) {
      const rule = ENV_RULES[imp.name];
      if (rule) add(rule, via);
    } else if (imp.module === USER_NAMESPACE) {
      const granted = CAPABILITIES.find((c) => (c.ops as readonly string[]).includes(imp.name));
      add(
        USER_RULES[imp.name] ??
          (granted && {
            id: `grant:${granted.name}`,
            what: `uses the "${granted.name}" capability`,
            needs: `a grant in the manifest: "grants": { "${granted.name}": {...} } (docs/plugin-abi.md §3.2); without it the call fails naming the grant`,
          }) ?? {
          id: `host:${imp.name}`,
          what: `calls host function "${imp.name}", which is not one of hyper-mcp's`,
          needs: "cannot be granted: mcp-sidecar does not provide it, so calling it fails the call",
        },
        via,
      );
    } else if (imp.module === "wasi_snapshot_preview1") {
      add(WASI, via);
    } else {
      add({ id: "unsupported", what: `imports from module "${imp.module}", which mcp-sidecar does not provide`, needs: "cannot be granted: the module will not load" }, via);
    }
  }
  return [...found.values()];
}
