//! `conformance` (hyper-mcp ABI): every fixture the official MCP conformance
//! suite (@modelcontextprotocol/conformance 0.1.16) asks a server for, as
//! specified in test/conformance/FIXTURES.md (section numbers below refer to it).
//!
//! Transport behaviour (SSE priming, stream close for `test_reconnection`,
//! subscriptions, Host checks) belongs to the gateway; this plugin only
//! supplies content and drives the host functions.
//!
//! No sleeps: the suite's "~50 ms apart" is not checked, and a wasm guest
//! has no clock or sleep in either ABI.

mod prompts;
mod resources;

use mcp_sidecar_pdk::{content, host, hyper_mcp_plugin, json, Call, CallToolResult, Context, Error, Tool, Value};

/// 1x1 PNG (FIXTURES §2 reference value).
pub(crate) const PNG_1X1_RED: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/// Minimal WAV (FIXTURES §2 reference value).
const WAV_MIN: &str = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

const NO_ARGS: &str = r#"{"type":"object","properties":{}}"#;

fn simple_text(_: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::text("This is a simple text response for testing."))
}

fn image(_: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::content(vec![content::image(PNG_1X1_RED, "image/png")]))
}

fn audio(_: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::content(vec![content::audio(WAV_MIN, "audio/wav")]))
}

fn embedded_resource(_: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::content(vec![content::resource_text(
        "test://embedded-resource",
        "text/plain",
        "This is an embedded resource content.",
    )]))
}

fn multiple_content(_: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::content(vec![
        content::text("Multiple content types test:"),
        content::image(PNG_1X1_RED, "image/png"),
        content::resource_text("test://mixed-content-resource", "application/json", r#"{"test":"data","value":123}"#),
    ]))
}

fn with_logging(_: &Call) -> Result<CallToolResult, Error> {
    for message in ["Tool execution started", "Tool processing data", "Tool execution completed"] {
        host::log_message("info", json!(message), None);
    }
    Ok(CallToolResult::text("Tool with logging executed successfully"))
}

fn error_handling(_: &Call) -> Result<CallToolResult, Error> {
    Err(Error::new("This tool intentionally returns an error for testing"))
}

fn with_progress(call: &Call) -> Result<CallToolResult, Error> {
    for step in [0.0, 50.0, 100.0] {
        let message = format!("Completed step {} of 100", step);
        host::progress(call.ctx, step, Some(100.0), Some(&message));
    }
    // The reference answers String(progressToken): a number prints bare.
    let text = match call.ctx.progress_token() {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "no progress token".to_string(),
    };
    Ok(CallToolResult::text(text))
}

fn sampling(call: &Call) -> Result<CallToolResult, Error> {
    let prompt = call.str("prompt")?;
    let reply = host::create_message(&json!({
        "messages": [{ "role": "user", "content": { "type": "text", "text": prompt } }],
        "maxTokens": 100
    }))?;
    let text = reply.pointer("/content/text").and_then(Value::as_str).unwrap_or("");
    Ok(CallToolResult::text(format!("LLM response: {}", text)))
}

/// Runs an elicitation and renders `action=<a>, content=<json>`.
fn elicit(message: &str, schema: Value) -> Result<String, Error> {
    let reply = host::create_elicitation(&json!({ "mode": "form", "message": message, "requestedSchema": schema }))?;
    let action = reply.get("action").and_then(Value::as_str).unwrap_or("unknown");
    let content = reply.get("content").cloned().unwrap_or_else(|| json!({}));
    Ok(format!("action={}, content={}", action, content))
}

fn elicitation(call: &Call) -> Result<CallToolResult, Error> {
    let outcome = elicit(
        call.str("message")?,
        json!({
            "type": "object",
            "properties": {
                "username": { "type": "string", "description": "User's response" },
                "email": { "type": "string", "description": "User's email address" }
            },
            "required": ["username", "email"]
        }),
    )?;
    Ok(CallToolResult::text(format!("User response: {}", outcome)))
}

fn elicitation_defaults(_: &Call) -> Result<CallToolResult, Error> {
    let outcome = elicit(
        "Please review and update the form fields with defaults",
        json!({
            "type": "object",
            "properties": {
                "name": { "type": "string", "description": "User name", "default": "John Doe" },
                "age": { "type": "integer", "description": "User age", "default": 30 },
                "score": { "type": "number", "description": "User score", "default": 95.5 },
                "status": {
                    "type": "string", "description": "User status",
                    "enum": ["active", "inactive", "pending"], "default": "active"
                },
                "verified": { "type": "boolean", "description": "Verification status", "default": true }
            },
            "required": []
        }),
    )?;
    Ok(CallToolResult::text(format!("Elicitation completed: {}", outcome)))
}

fn elicitation_enums(_: &Call) -> Result<CallToolResult, Error> {
    let outcome = elicit(
        "Please select options from the enum fields",
        json!({
            "type": "object",
            "properties": {
                "untitledSingle": {
                    "type": "string", "description": "Select one option",
                    "enum": ["option1", "option2", "option3"]
                },
                "titledSingle": {
                    "type": "string", "description": "Select one option with titles",
                    "oneOf": [
                        { "const": "value1", "title": "First Option" },
                        { "const": "value2", "title": "Second Option" },
                        { "const": "value3", "title": "Third Option" }
                    ]
                },
                "legacyEnum": {
                    "type": "string", "description": "Select one option (legacy)",
                    "enum": ["opt1", "opt2", "opt3"],
                    "enumNames": ["Option One", "Option Two", "Option Three"]
                },
                "untitledMulti": {
                    "type": "array", "description": "Select multiple options", "minItems": 1, "maxItems": 3,
                    "items": { "type": "string", "enum": ["option1", "option2", "option3"] }
                },
                "titledMulti": {
                    "type": "array", "description": "Select multiple options with titles", "minItems": 1, "maxItems": 3,
                    "items": { "anyOf": [
                        { "const": "value1", "title": "First Choice" },
                        { "const": "value2", "title": "Second Choice" },
                        { "const": "value3", "title": "Third Choice" }
                    ] }
                }
            },
            "required": []
        }),
    )?;
    Ok(CallToolResult::text(format!("Elicitation completed: {}", outcome)))
}

fn json_schema_2020_12(call: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::text(format!("JSON Schema 2020-12 tool called with: {}", Value::Object(call.args.clone()))))
}

/// The stream close and resume are the gateway's job (FIXTURES §6.3); the
/// plugin only supplies the result delivered after the client reconnects.
/// Drops the client's connection first (gateway extension), so the result can only arrive through
/// the client's GET + Last-Event-ID resumption: what server-sse-polling checks.
fn reconnection(_: &Call) -> Result<CallToolResult, Error> {
    host::close_sse_stream();
    Ok(CallToolResult::text(
        "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.",
    ))
}

const SAMPLING_SCHEMA: &str = r#"{"type":"object","properties":{"prompt":{"type":"string","description":"The prompt to send to the LLM"}},"required":["prompt"]}"#;
const ELICITATION_SCHEMA: &str = r#"{"type":"object","properties":{"message":{"type":"string","description":"The message to show the user"}},"required":["message"]}"#;
const SCHEMA_2020_12: &str = r##"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "$defs": { "address": { "type": "object", "properties": { "street": { "type": "string" }, "city": { "type": "string" } } } },
  "properties": { "name": { "type": "string" }, "address": { "$ref": "#/$defs/address" } },
  "additionalProperties": false
}"##;

static TOOLS: &[Tool] = &[
    Tool::new("test_simple_text", "Tests simple text content response", NO_ARGS, simple_text),
    Tool::new("test_image_content", "Tests image content response", NO_ARGS, image),
    Tool::new("test_audio_content", "Tests audio content response", NO_ARGS, audio),
    Tool::new("test_embedded_resource", "Tests embedded resource content response", NO_ARGS, embedded_resource),
    Tool::new(
        "test_multiple_content_types",
        "Tests response with multiple content types (text, image, resource)",
        NO_ARGS,
        multiple_content,
    ),
    Tool::new("test_tool_with_logging", "Tests tool that emits log messages during execution", NO_ARGS, with_logging),
    Tool::new("test_error_handling", "Tests error response handling", NO_ARGS, error_handling),
    Tool::new("test_tool_with_progress", "Tests tool that reports progress notifications", NO_ARGS, with_progress),
    Tool::new("test_sampling", "Tests server-initiated sampling (LLM completion request)", SAMPLING_SCHEMA, sampling),
    Tool::new("test_elicitation", "Tests server-initiated elicitation (user input request)", ELICITATION_SCHEMA, elicitation),
    Tool::new(
        "test_elicitation_sep1034_defaults",
        "Tests elicitation with default values per SEP-1034",
        NO_ARGS,
        elicitation_defaults,
    ),
    Tool::new(
        "test_elicitation_sep1330_enums",
        "Tests elicitation with enum schema improvements per SEP-1330",
        NO_ARGS,
        elicitation_enums,
    ),
    Tool::new(
        "json_schema_2020_12_tool",
        "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
        SCHEMA_2020_12,
        json_schema_2020_12,
    ),
    Tool::new("test_reconnection", "Tests SSE stream disconnection and client reconnection (SEP-1699)", NO_ARGS, reconnection),
];

/// Completion (FIXTURES §6.1): suggestions for `test_prompt_with_arguments`
/// arguments, by prefix; anything else gets an empty list.
fn complete(request: &Value, _ctx: &Context) -> Result<Value, Error> {
    const SUGGESTIONS: &[&str] = &["paris", "park", "party", "test", "testValue1", "testValue2"];
    let prompt = request.pointer("/ref/name").and_then(Value::as_str);
    let prefix = request.pointer("/argument/value").and_then(Value::as_str).unwrap_or("");
    let values: Vec<&str> = match prompt {
        Some("test_prompt_with_arguments") => SUGGESTIONS.iter().copied().filter(|s| s.starts_with(prefix)).collect(),
        _ => Vec::new(),
    };
    Ok(json!({ "completion": { "values": values, "total": values.len(), "hasMore": false } }))
}

hyper_mcp_plugin!(
    tools: TOOLS,
    resources: resources::Fixtures,
    prompts: prompts::Fixtures,
    complete: complete,
);
