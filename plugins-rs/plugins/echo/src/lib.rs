//! `echo` (hyper-mcp ABI): returns its `text` argument. The benchmarks call
//! it to measure the gateway, so it does nothing else.

use mcp_sidecar_pdk::{hyper_mcp_plugin, Call, CallToolResult, Error, Tool};

const ECHO_SCHEMA: &str = r#"{
  "type": "object",
  "properties": { "text": { "type": "string", "description": "Text to return" } },
  "required": ["text"]
}"#;

fn echo(call: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::text(call.str("text")?))
}

static TOOLS: &[Tool] = &[Tool::new("echo", "Returns the given text unchanged.", ECHO_SCHEMA, echo)
    .annotations(r#"{"readOnlyHint":true,"idempotentHint":true,"openWorldHint":false}"#)];

hyper_mcp_plugin!(tools: TOOLS);
