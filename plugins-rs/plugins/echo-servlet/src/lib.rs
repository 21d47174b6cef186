//! `servlet_echo` as an mcp.run servlet (`describe` / `call`): the same tool as the
//! `echo` plugin through the other ABI, so tests prove both ABIs load. Its own name
//! keeps the default install free of tool-name conflicts.

use mcp_sidecar_pdk::{servlet_plugin, Call, CallToolResult, Error, Tool};

const ECHO_SCHEMA: &str = r#"{
  "type": "object",
  "properties": { "text": { "type": "string", "description": "Text to return" } },
  "required": ["text"]
}"#;

fn echo(call: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::text(call.str("text")?))
}

static TOOLS: &[Tool] = &[Tool::new("servlet_echo", "Returns the given text unchanged (mcp.run servlet ABI).", ECHO_SCHEMA, echo)];

servlet_plugin!(tools: TOOLS);
