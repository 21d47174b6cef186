// Tools and the hyper-mcp exports `list_tools` / `call_tool` (docs/plugin-abi.md §3). A plugin lists its
// tools once and forwards its two exports here:
//
//   const TOOLS = [new Tool("echo_as", "Returns its text.", SCHEMA, echo)];
//   export function list_tools(): i32 { return listTools(TOOLS); }
//   export function call_tool(): i32 { return callTool(TOOLS); }
import { JsonValue, quote } from "./json";
import { lastJsonError, parseJson, parseJsonBytes } from "./parse";
import { Context } from "./mcp";
import { outputWriter, readInput, setError } from "./memory";
import { ByteWriter } from "./writer";

/** MCP CallToolResult. `isError` results are answers the model reads; crashes are not. */
export class ToolResult {
  content: JsonValue = JsonValue.array();
  isError: bool = false;
  structured: JsonValue | null = null;

  static text(text: string): ToolResult {
    const r = new ToolResult();
    r.content.push(JsonValue.object().setString("type", "text").setString("text", text));
    return r;
  }

  /** A tool error the model can act on (bad argument, nothing found...). */
  static error(message: string): ToolResult {
    const r = ToolResult.text(message);
    r.isError = true;
    return r;
  }

  /** `structuredContent` plus the same JSON as text, for clients that ignore structured output. */
  static structured(value: JsonValue): ToolResult {
    const r = ToolResult.text(value.toString());
    r.structured = value;
    return r;
  }

  write(w: ByteWriter): void {
    w.ascii("{\"content\":");
    this.content.write(w);
    const structured = this.structured;
    if (structured !== null) {
      w.ascii(",\"structuredContent\":");
      structured.write(w);
    }
    if (this.isError) w.ascii(",\"isError\":true");
    w.byte(0x7d);
  }

  toString(): string {
    const w = new ByteWriter();
    this.write(w);
    return w.toString();
  }
}

/** What a tool sees of one call. */
export class Call {
  constructor(public name: string, public args: JsonValue, public context: Context) {}

  /** A string argument, or null when it is missing or not a string. */
  string(key: string): string | null {
    const v = this.args.get(key);
    return v !== null && v.isString ? v.str : null;
  }

  /** A number argument, or `fallback` when it is missing or not a number. */
  number(key: string, fallback: f64 = NaN): f64 {
    const v = this.args.get(key);
    return v !== null && v.isNumber ? v.num : fallback;
  }

  bool(key: string, fallback: bool = false): bool {
    const v = this.args.get(key);
    return v !== null && v.isBool ? v.bool : fallback;
  }

  /** Any argument as JSON, or null. */
  arg(key: string): JsonValue | null {
    return this.args.get(key);
  }
}

export type Handler = (call: Call) => ToolResult;

export class Tool {
  /** `inputSchema` is JSON text, parsed (and so checked) only when the tools are listed. */
  constructor(public name: string, public description: string, public inputSchema: string, public handler: Handler) {}

  describe(): JsonValue | null {
    const schema = parseJson(this.inputSchema);
    if (schema === null) return null;
    return JsonValue.object().setString("name", this.name).setString("description", this.description).set("inputSchema", schema);
  }
}

/** Body of `list_tools`: `{"tools": [...]}`. Returns the export's status code. */
export function listTools(tools: Tool[]): i32 {
  const list = JsonValue.array();
  for (let i = 0; i < tools.length; i++) {
    const described = tools[i].describe();
    if (described === null) return fail("tool " + tools[i].name + ": invalid inputSchema: " + lastJsonError);
    list.push(described);
  }
  const w = new ByteWriter();
  w.ascii("{\"tools\":");
  list.write(w);
  w.byte(0x7d);
  outputWriter(w);
  return 0;
}

/**
 * Body of `call_tool`: input `{"request": {name, arguments?}, "context": {...}}`. An unknown tool or a
 * malformed input is an Extism error (the gateway answers with a protocol error); what the handler returns,
 * isError or not, is the result.
 */
export function callTool(tools: Tool[]): i32 {
  const input = parseJsonBytes(readInput());
  if (input === null) return fail("invalid input: " + lastJsonError);
  const request = input.get("request");
  if (request === null) return fail("invalid input: no request");
  const name = request.get("name");
  if (name === null || !name.isString) return fail("invalid input: no request.name");
  let args = request.get("arguments");
  if (args === null || !args.isObject) args = JsonValue.object();
  for (let i = 0; i < tools.length; i++) {
    if (tools[i].name != name.str) continue;
    const call = new Call(name.str, args, Context.from(input.get("context")));
    const w = new ByteWriter();
    tools[i].handler(call).write(w);
    outputWriter(w);
    return 0;
  }
  return fail("unknown tool: " + quote(name.str));
}

function fail(message: string): i32 {
  setError(message);
  return 1;
}
