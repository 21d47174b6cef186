// `echo_as` (hyper-mcp ABI): returns its `text` argument, optionally `repeat`ed — the AssemblyScript twin of
// plugins-rs/plugins/echo, so bench/plugin-languages.bench.ts compares languages on the same work.
import { Call, callTool, listTools, Tool, ToolResult } from "mcp-sidecar-pdk";

const SCHEMA = `{
  "type": "object",
  "properties": {
    "text": { "type": "string", "description": "Text to return" },
    "repeat": { "type": "integer", "minimum": 1, "maximum": 64, "description": "Return the text this many times (default 1)" }
  },
  "required": ["text"]
}`;

function echo(call: Call): ToolResult {
  const text = call.string("text");
  if (text === null) return ToolResult.error("missing required argument 'text'");
  if (call.arg("repeat") === null) return ToolResult.text(text);
  const times = call.number("repeat");
  if (!(times >= 1 && times <= 64) || times != Math.floor(times)) return ToolResult.error("repeat must be between 1 and 64");
  return ToolResult.text(text.repeat(<i32>times));
}

const TOOLS: Tool[] = [new Tool("echo_as", "Returns the given text unchanged.", SCHEMA, echo)];

export function list_tools(): i32 {
  return listTools(TOOLS);
}

export function call_tool(): i32 {
  return callTool(TOOLS);
}
