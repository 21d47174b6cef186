//! Resources of FIXTURES §4: three static ones and one template.

use crate::PNG_1X1_RED;
use mcp_sidecar_pdk::abi::Resources;
use mcp_sidecar_pdk::{json, Context, Error, Value};

pub struct Fixtures;

const TEMPLATE_PREFIX: &str = "test://template/";
const TEMPLATE_SUFFIX: &str = "/data";

impl Resources for Fixtures {
    fn list(_ctx: &Context) -> Result<Value, Error> {
        Ok(json!({ "resources": [
            {
                "uri": "test://static-text", "name": "static-text", "title": "Static Text Resource",
                "description": "A static text resource for testing", "mimeType": "text/plain"
            },
            {
                "uri": "test://static-binary", "name": "static-binary", "title": "Static Binary Resource",
                "description": "A static binary resource (image) for testing", "mimeType": "image/png"
            },
            {
                "uri": "test://watched-resource", "name": "watched-resource", "title": "Watched Resource",
                "description": "A resource that auto-updates every 3 seconds", "mimeType": "text/plain"
            }
        ] }))
    }

    fn templates(_ctx: &Context) -> Result<Value, Error> {
        Ok(json!({ "resourceTemplates": [{
            "uriTemplate": "test://template/{id}/data", "name": "template", "title": "Resource Template",
            "description": "A resource template with parameter substitution", "mimeType": "application/json"
        }] }))
    }

    fn read(uri: &str, _ctx: &Context) -> Result<Value, Error> {
        let content = match uri {
            "test://static-text" => {
                json!({ "uri": uri, "mimeType": "text/plain", "text": "This is the content of the static text resource." })
            }
            "test://static-binary" => json!({ "uri": uri, "mimeType": "image/png", "blob": PNG_1X1_RED }),
            "test://watched-resource" => json!({ "uri": uri, "mimeType": "text/plain", "text": "Watched resource content" }),
            _ => match template_id(uri) {
                Some(id) => {
                    let text = json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {}", id) });
                    json!({ "uri": uri, "mimeType": "application/json", "text": text.to_string() })
                }
                // A protocol error: the gateway maps it to a JSON-RPC error.
                None => return Err(Error::protocol(format!("Resource not found: {}", uri))),
            },
        };
        Ok(json!({ "contents": [content] }))
    }
}

/// `{id}` of `test://template/{id}/data`, if `uri` matches the template.
fn template_id(uri: &str) -> Option<&str> {
    let id = uri.strip_prefix(TEMPLATE_PREFIX)?.strip_suffix(TEMPLATE_SUFFIX)?;
    if id.is_empty() || id.contains('/') {
        None
    } else {
        Some(id)
    }
}
