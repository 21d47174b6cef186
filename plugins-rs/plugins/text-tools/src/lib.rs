//! `text-tools` (hyper-mcp ABI): small, dependable text utilities that make a
//! fresh install useful without any network access.

mod base64;
mod sha256;

use mcp_sidecar_pdk::{hyper_mcp_plugin, json, Call, CallToolResult, Error, Tool};

const TEXT_SCHEMA: &str = r#"{
  "type": "object",
  "properties": { "text": { "type": "string", "description": "Input text (UTF-8)" } },
  "required": ["text"]
}"#;

const COUNT_OUTPUT: &str = r#"{
  "type": "object",
  "properties": {
    "words": { "type": "integer" }, "lines": { "type": "integer" },
    "characters": { "type": "integer" }, "bytes": { "type": "integer" }
  },
  "required": ["words", "lines", "characters", "bytes"]
}"#;

const DECODE_SCHEMA: &str = r#"{
  "type": "object",
  "properties": { "data": { "type": "string", "description": "Base64 text (standard or URL-safe alphabet)" } },
  "required": ["data"]
}"#;

const CASE_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "text": { "type": "string" },
    "to": { "type": "string", "enum": ["upper", "lower", "title"] }
  },
  "required": ["text", "to"]
}"#;

const PURE: &str = r#"{"readOnlyHint":true,"idempotentHint":true,"openWorldHint":false}"#;

fn word_count(call: &Call) -> Result<CallToolResult, Error> {
    let text = call.str("text")?;
    let lines = if text.is_empty() { 0 } else { text.lines().count() };
    Ok(CallToolResult::structured(json!({
        "words": text.split_whitespace().count(),
        "lines": lines,
        "characters": text.chars().count(),
        "bytes": text.len(),
    })))
}

fn sha256(call: &Call) -> Result<CallToolResult, Error> {
    let digest = sha256::digest(call.str("text")?.as_bytes());
    Ok(CallToolResult::text(sha256::hex(&digest)))
}

fn base64_encode(call: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::text(base64::encode(call.str("text")?.as_bytes())))
}

fn base64_decode(call: &Call) -> Result<CallToolResult, Error> {
    let bytes = base64::decode(call.str("data")?)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::new("decoded data is not UTF-8 text"))?;
    Ok(CallToolResult::text(text))
}

fn case(call: &Call) -> Result<CallToolResult, Error> {
    let text = call.str("text")?;
    let out = match call.str("to")? {
        "upper" => text.to_uppercase(),
        "lower" => text.to_lowercase(),
        "title" => title_case(text),
        other => return Err(Error::new(format!("unknown case '{}': use upper, lower or title", other))),
    };
    Ok(CallToolResult::text(out))
}

fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut start = true;
    for c in text.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c.is_whitespace();
    }
    out
}

static TOOLS: &[Tool] = &[
    Tool::new("word_count", "Counts words, lines, characters and bytes of a text.", TEXT_SCHEMA, word_count)
        .output_schema(COUNT_OUTPUT)
        .annotations(PURE),
    Tool::new("sha256", "SHA-256 digest of the UTF-8 text, as lowercase hex.", TEXT_SCHEMA, sha256).annotations(PURE),
    Tool::new("base64_encode", "Encodes the UTF-8 text as standard base64.", TEXT_SCHEMA, base64_encode)
        .annotations(PURE),
    Tool::new("base64_decode", "Decodes base64 into UTF-8 text.", DECODE_SCHEMA, base64_decode).annotations(PURE),
    Tool::new("case", "Converts text to upper, lower or title case.", CASE_SCHEMA, case).annotations(PURE),
];

hyper_mcp_plugin!(tools: TOOLS);
