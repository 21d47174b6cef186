//! Constructors for MCP content blocks, as JSON values so any future content
//! field passes through without a PDK change.

use serde_json::{json, Value};

pub fn text(text: impl Into<String>) -> Value {
    json!({ "type": "text", "text": text.into() })
}

/// `data` is base64.
pub fn image(data: impl Into<String>, mime_type: &str) -> Value {
    json!({ "type": "image", "data": data.into(), "mimeType": mime_type })
}

/// `data` is base64.
pub fn audio(data: impl Into<String>, mime_type: &str) -> Value {
    json!({ "type": "audio", "data": data.into(), "mimeType": mime_type })
}

/// An embedded text resource.
pub fn resource_text(uri: &str, mime_type: &str, text: impl Into<String>) -> Value {
    json!({ "type": "resource", "resource": { "uri": uri, "mimeType": mime_type, "text": text.into() } })
}

/// An embedded binary resource; `blob` is base64.
pub fn resource_blob(uri: &str, mime_type: &str, blob: impl Into<String>) -> Value {
    json!({ "type": "resource", "resource": { "uri": uri, "mimeType": mime_type, "blob": blob.into() } })
}

pub fn resource_link(uri: &str, name: &str) -> Value {
    json!({ "type": "resource_link", "uri": uri, "name": name })
}
