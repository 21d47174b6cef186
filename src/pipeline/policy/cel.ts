/**
 * The policy language: CEL (@marcbachmann/cel-js), with the four inputs declared as typed schemas so a
 * typo (`principal.rolez`) or a type error (`principal.tenant == 3`) is refused when the file loads, with
 * the column, instead of silently never matching at runtime.
 *
 * Why CEL and not Cedar: measured on this machine under Bun, a pre-parsed CEL expression decides in
 * 0.3–1.7 µs; Cedar (@cedar-policy/cedar-wasm) took 180–375 µs per decision even with a pre-parsed policy
 * set, which at 10k calls/s alone would need two to four cores. (bench/policy.bench.ts measures ours.)
 *
 * Inputs (see ./README.md):
 *   principal  id, tenant, user, agent, roles, method (api_key|jwt|mesh|anonymous), attributes
 *   action     method (tools/call, prompts/get, resources/read, resources/subscribe)
 *   resource   kind (tool|prompt|resource), name, plugin, risk (LOW..CRITICAL), tags
 *   context    arguments, address, transport (http|websocket|stdio), local (loopback or stdio)
 *   now        the time of the call (a CEL timestamp: now.getHours("Europe/Berlin"), now.getDayOfWeek())
 * A timestamp cannot sit inside a schema in cel-js 8.0.0 (registerVariable throws), hence `now` on its own.
 */
import { Environment, serialize, type ASTNode } from "@marcbachmann/cel-js";
import type { CallSource, Principal, Target } from "../types.ts";

const env = new Environment({ unlistedVariablesAreDyn: false })
  .registerVariable({
    name: "principal",
    schema: { id: "string", tenant: "string", user: "string", agent: "string", roles: "list<string>", method: "string", attributes: "map<string, dyn>" },
  })
  .registerVariable({ name: "action", schema: { method: "string" } })
  .registerVariable({ name: "resource", schema: { kind: "string", name: "string", plugin: "string", risk: "string", tags: "list<string>" } })
  .registerVariable({ name: "context", schema: { arguments: "map<string, dyn>", address: "string", transport: "string", local: "bool" } })
  .registerVariable("now", "google.protobuf.Timestamp");

export type Condition = (activation: Activation) => unknown;

export interface Activation {
  principal: PrincipalView;
  action: { method: string };
  resource: ResourceView;
  context: ContextView;
  now: Date;
}
interface PrincipalView {
  id: string;
  tenant: string;
  user: string;
  agent: string;
  roles: readonly string[];
  method: string;
  attributes: Readonly<Record<string, unknown>>;
}
interface ResourceView {
  kind: string;
  name: string;
  plugin: string;
  risk: string;
  tags: readonly string[];
}
interface ContextView {
  arguments: Record<string, unknown>;
  address: string;
  transport: string;
  local: boolean;
}

export interface CompiledCondition {
  test: Condition;
  /** Reads `context` or `now`: must be evaluated on every call. */
  dynamic: boolean;
  /**
   * For a dynamic condition `a && b && c`, the conjuncts that read neither (`principal.method ==
   * "anonymous"`): when they are false for a (principal, method, target), the policy cannot match and
   * the decision cache leaves it out, so `principal.method == "anonymous" && !context.local` costs an
   * authenticated caller nothing per call.
   */
  guard?: Condition;
}

/** Compiles a condition once; throws an Error whose message has the caret under the offending column. */
export function compileCondition(source: string): CompiledCondition {
  const checked = env.check(source);
  if (!checked.valid) throw new Error(checked.error?.message ?? "invalid CEL expression");
  if (checked.type !== "bool" && checked.type !== "dyn") throw new Error(`a condition must be true or false, this one is a ${checked.type}`);
  const parsed = env.parse(source);
  const test = parsed as unknown as Condition;
  if (!readsCallContext(parsed.ast)) return { test, dynamic: false };
  const staticParts = conjuncts(parsed.ast).filter((c) => !readsCallContext(c));
  if (staticParts.length === 0) return { test, dynamic: true };
  const guard = env.parse(staticParts.map((c) => `(${serialize(c)})`).join(" && ")) as unknown as Condition;
  return { test, dynamic: true, guard };
}

/** `a && (b && c)` -> [a, b, c]. */
function conjuncts(node: ASTNode): ASTNode[] {
  const n = node as { op: string; args: unknown };
  return n.op === "&&" ? (n.args as ASTNode[]).flatMap(conjuncts) : [node];
}

/** Does the expression mention the `context` or `now` variables anywhere? */
function readsCallContext(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsCallContext);
  if (!node || typeof node !== "object") return false;
  const n = node as { op?: string; args?: unknown };
  if (n.op === "id") return n.args === "context" || n.args === "now";
  return readsCallContext(n.args);
}

/** Principals are immutable and reused by authentication's cache, so their CEL view is built once. */
const principalViews = new WeakMap<Principal, PrincipalView>();

export function principalView(p: Principal): PrincipalView {
  let view = principalViews.get(p);
  if (!view) {
    view = { id: p.id, tenant: p.tenant, user: p.user ?? "", agent: p.agent ?? "", roles: p.roles, method: p.method, attributes: p.attributes };
    principalViews.set(p, view);
  }
  return view;
}

export function resourceView(t: Target): ResourceView {
  return { kind: t.kind, name: t.name, plugin: t.plugin ?? "", risk: t.risk, tags: t.tags };
}

const EMPTY_ARGS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export function contextView(args: Record<string, unknown> | undefined, source: CallSource): ContextView {
  return { arguments: args ?? EMPTY_ARGS, address: source.address ?? "", transport: source.transport, local: isLocal(source) };
}

/** Loopback addresses (v4, v6, v4-mapped) and stdio, where the caller is a process on this machine. */
export function isLocal(source: CallSource): boolean {
  if (source.transport === "stdio") return true;
  const a = source.address;
  if (!a) return false;
  return a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}
