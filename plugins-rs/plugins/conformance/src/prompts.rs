//! Prompts of FIXTURES §5.

use crate::PNG_1X1_RED;
use mcp_sidecar_pdk::abi::Prompts;
use mcp_sidecar_pdk::{json, Context, Error, Map, Value};

pub struct Fixtures;

fn user(content: Value) -> Value {
    json!({ "role": "user", "content": content })
}

fn text(text: impl Into<String>) -> Value {
    json!({ "type": "text", "text": text.into() })
}

/// A required prompt argument; missing ones are protocol errors (-32602 at the client).
fn arg<'a>(args: &'a Map<String, Value>, name: &str) -> Result<&'a str, Error> {
    args.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Error::protocol(format!("missing required argument '{}'", name)))
}

impl Prompts for Fixtures {
    fn list(_ctx: &Context) -> Result<Value, Error> {
        Ok(json!({ "prompts": [
            { "name": "test_simple_prompt", "title": "Simple Test Prompt", "description": "A simple prompt without arguments" },
            {
                "name": "test_prompt_with_arguments", "title": "Prompt With Arguments",
                "description": "A prompt with required arguments",
                "arguments": [
                    { "name": "arg1", "description": "First test argument", "required": true },
                    { "name": "arg2", "description": "Second test argument", "required": true }
                ]
            },
            {
                "name": "test_prompt_with_embedded_resource", "title": "Prompt With Embedded Resource",
                "description": "A prompt that includes an embedded resource",
                "arguments": [{ "name": "resourceUri", "description": "URI of the resource to embed", "required": true }]
            },
            { "name": "test_prompt_with_image", "title": "Prompt With Image", "description": "A prompt that includes image content" }
        ] }))
    }

    fn get(name: &str, args: &Map<String, Value>, _ctx: &Context) -> Result<Value, Error> {
        let messages = match name {
            "test_simple_prompt" => vec![user(text("This is a simple prompt for testing."))],
            "test_prompt_with_arguments" => {
                let (a1, a2) = (arg(args, "arg1")?, arg(args, "arg2")?);
                vec![user(text(format!("Prompt with arguments: arg1='{}', arg2='{}'", a1, a2)))]
            }
            "test_prompt_with_embedded_resource" => vec![
                user(json!({ "type": "resource", "resource": {
                    "uri": arg(args, "resourceUri")?, "mimeType": "text/plain",
                    "text": "Embedded resource content for testing."
                } })),
                user(text("Please process the embedded resource above.")),
            ],
            "test_prompt_with_image" => vec![
                user(json!({ "type": "image", "data": PNG_1X1_RED, "mimeType": "image/png" })),
                user(text("Please analyze the image above.")),
            ],
            _ => return Err(Error::protocol(format!("unknown prompt: {}", name))),
        };
        Ok(json!({ "messages": messages }))
    }
}
