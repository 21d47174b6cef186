//! `http-fetch` (hyper-mcp ABI): HTTP GET/POST for agents, as text or JSON.
//! The plugin can reach only what its manifest's `allowedHosts` lists: the
//! gateway checks every request and every redirect hop, caps the response
//! body (the manifest's `limits.maxOutputBytes`) and stops a slow response at
//! the call's deadline (`limits.timeoutMs`). The checks here only give
//! clearer messages for bad arguments.

use mcp_sidecar_pdk::http::{self, Request};
use mcp_sidecar_pdk::{hyper_mcp_plugin, json, Call, CallToolResult, Error, Tool, Value};

const SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "url": { "type": "string", "minLength": 1, "maxLength": 8192, "description": "http:// or https:// URL on a host the gateway allows this tool" },
    "method": { "type": "string", "enum": ["GET", "POST"], "description": "Default GET" },
    "headers": { "type": "object", "additionalProperties": { "type": "string" }, "description": "Request headers" },
    "body": { "type": "string", "description": "Request body (POST only)" },
    "as": { "type": "string", "enum": ["text", "json"], "description": "Return the body as text (default) or parsed JSON" }
  },
  "required": ["url"],
  "additionalProperties": false
}"#;

const OUTPUT: &str = r#"{
  "type": "object",
  "properties": {
    "status": { "type": "integer" },
    "headers": { "type": "object", "additionalProperties": { "type": "string" } },
    "body": { "description": "Text, or the parsed JSON value when as = json" }
  },
  "required": ["status", "body"]
}"#;

const ANNOTATIONS: &str = r#"{"title":"HTTP fetch","readOnlyHint":false,"destructiveHint":false,"openWorldHint":true}"#;

fn header_name_ok(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn fetch(call: &Call) -> Result<CallToolResult, Error> {
    let url = call.str("url")?;
    let scheme_end = url.find("://").map(|i| url[..i].to_ascii_lowercase());
    if scheme_end.as_deref() != Some("http") && scheme_end.as_deref() != Some("https") {
        return Err(Error::new(format!("only http:// and https:// URLs can be fetched, not \"{}\"", url)));
    }
    let method = call.opt_str("method")?.unwrap_or("GET").to_ascii_uppercase();
    if method != "GET" && method != "POST" {
        return Err(Error::new(format!("method must be GET or POST, not \"{}\"", method)));
    }
    let as_json = match call.opt_str("as")?.unwrap_or("text") {
        "text" => false,
        "json" => true,
        other => return Err(Error::new(format!("'as' must be \"text\" or \"json\", not \"{}\"", other))),
    };
    let body = call.opt_str("body")?;
    if body.is_some() && method != "POST" {
        return Err(Error::new("a body can only be sent with method POST"));
    }
    let mut request = Request::get(url).method(&method);
    match call.arg("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(headers)) => {
            for (name, value) in headers {
                let value = value.as_str().ok_or_else(|| Error::new(format!("header '{}' must be a string", name)))?;
                if !header_name_ok(name) || value.contains('\r') || value.contains('\n') {
                    return Err(Error::new(format!("header '{}' is not a valid HTTP header", name)));
                }
                request = request.header(name, value);
            }
        }
        Some(_) => return Err(Error::new("argument 'headers' must be an object of strings")),
    }

    let response = http::send(&request, body.map(str::as_bytes))?;
    if response.body_over_limit {
        return Err(Error::new(format!(
            "the response from {} (status {}) is larger than this tool may return (the plugin's limits.maxOutputBytes); \
             ask for less: a smaller page, a range or a filter",
            url, response.status
        )));
    }
    let headers = Value::Object(http::last_headers());
    let body = if as_json {
        serde_json_from(&response.body).map_err(|e| {
            Error::new(format!("the response (status {}) is not valid JSON ({}); fetch it with \"as\": \"text\" to see it", response.status, e))
        })?
    } else {
        match String::from_utf8(response.body) {
            Ok(text) => Value::String(text),
            Err(_) => {
                let kind = headers.get("content-type").and_then(Value::as_str).unwrap_or("unknown type").to_string();
                return Err(Error::new(format!("the response (status {}, {}) is not text; http_fetch returns text or JSON only", response.status, kind)));
            }
        }
    };
    Ok(CallToolResult::structured(json!({ "status": response.status, "headers": headers, "body": body })))
}

fn serde_json_from(bytes: &[u8]) -> Result<Value, mcp_sidecar_pdk::serde_json::Error> {
    mcp_sidecar_pdk::serde_json::from_slice(bytes)
}

static TOOLS: &[Tool] = &[Tool::new(
    "http_fetch",
    "Fetches a URL with GET or POST and returns {status, headers, body}; the body as text, or as parsed JSON with \"as\": \"json\". \
     Only hosts the gateway allows this tool can be reached; responses are size- and time-limited.",
    SCHEMA,
    fetch,
)
.output_schema(OUTPUT)
.annotations(ANNOTATIONS)];

hyper_mcp_plugin!(tools: TOOLS);
