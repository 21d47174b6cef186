//! `echo` (hyper-mcp ABI): returns its `text` argument, optionally `repeat`ed
//! (so a benchmark can send 200 bytes and get 1 KB back). The benchmarks call it
//! to measure the gateway, so it does nothing else.

use mcp_sidecar_pdk::{hyper_mcp_plugin, Call, CallToolResult, Error, Tool};

const ECHO_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "text": { "type": "string", "description": "Text to return" },
    "repeat": { "type": "integer", "minimum": 1, "maximum": 64, "description": "Return the text this many times (default 1)" }
  },
  "required": ["text"]
}"#;

fn echo(call: &Call) -> Result<CallToolResult, Error> {
    let text = call.str("text")?;
    match call.arg("repeat") {
        None => Ok(CallToolResult::text(text)),
        Some(_) => {
            let times = call.i64("repeat")?;
            if !(1..=64).contains(&times) {
                return Err(Error::new("repeat must be between 1 and 64"));
            }
            Ok(CallToolResult::text(text.repeat(times as usize)))
        }
    }
}

static TOOLS: &[Tool] = &[Tool::new("echo", "Returns the given text unchanged.", ECHO_SCHEMA, echo)
    .annotations(r#"{"readOnlyHint":true,"idempotentHint":true,"openWorldHint":false}"#)];

hyper_mcp_plugin!(tools: TOOLS);
