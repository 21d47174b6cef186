//! Tool registration and the MCP shapes shared by both ABIs.

use crate::{content, Error};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Signature of a tool implementation.
pub type Handler = fn(&Call) -> Result<CallToolResult, Error>;

/// One tool. Schemas are JSON text so a plugin can write them as literals;
/// they are parsed (and so validated) only when the tool list is requested.
pub struct Tool {
    pub name: &'static str,
    pub description: &'static str,
    pub input_schema: &'static str,
    pub title: Option<&'static str>,
    pub output_schema: Option<&'static str>,
    pub annotations: Option<&'static str>,
    pub handler: Handler,
}

impl Tool {
    pub const fn new(name: &'static str, description: &'static str, input_schema: &'static str, handler: Handler) -> Tool {
        Tool { name, description, input_schema, title: None, output_schema: None, annotations: None, handler }
    }

    pub const fn title(mut self, title: &'static str) -> Tool {
        self.title = Some(title);
        self
    }

    pub const fn output_schema(mut self, schema: &'static str) -> Tool {
        self.output_schema = Some(schema);
        self
    }

    /// JSON object text, e.g. `{"readOnlyHint":true}`.
    pub const fn annotations(mut self, annotations: &'static str) -> Tool {
        self.annotations = Some(annotations);
        self
    }

    fn describe(&self) -> Result<Value, Error> {
        let parse = |what: &str, text: &str| {
            serde_json::from_str::<Value>(text)
                .map_err(|e| Error::protocol(format!("tool {}: invalid {}: {}", self.name, what, e)))
        };
        let mut tool = Map::new();
        tool.insert("name".into(), Value::from(self.name));
        if let Some(title) = self.title {
            tool.insert("title".into(), Value::from(title));
        }
        tool.insert("description".into(), Value::from(self.description));
        tool.insert("inputSchema".into(), parse("inputSchema", self.input_schema)?);
        if let Some(schema) = self.output_schema {
            tool.insert("outputSchema".into(), parse("outputSchema", schema)?);
        }
        if let Some(annotations) = self.annotations {
            tool.insert("annotations".into(), parse("annotations", annotations)?);
        }
        Ok(Value::Object(tool))
    }
}

/// `{"tools": [...]}`: the output of hyper-mcp `list_tools` and servlet `describe`.
pub fn list(tools: &[Tool]) -> Result<Value, Error> {
    let described = tools.iter().map(Tool::describe).collect::<Result<Vec<_>, _>>()?;
    let mut out = Map::new();
    out.insert("tools".into(), Value::Array(described));
    Ok(Value::Object(out))
}

/// Runs the named tool. Unknown tools are protocol errors (the client asked
/// for something that does not exist); tool failures become `isError` results.
pub fn dispatch(tools: &[Tool], name: &str, args: &Map<String, Value>, ctx: &Context) -> Result<CallToolResult, Error> {
    let tool = tools
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| Error::protocol(format!("unknown tool: {}", name)))?;
    let call = Call { name, args, ctx };
    match (tool.handler)(&call) {
        Ok(result) => Ok(result),
        Err(e) if e.is_protocol() => Err(e),
        Err(e) => Ok(CallToolResult::error(e.message())),
    }
}

/// Request context the hyper-mcp host passes (`{"id", "_meta"}`); empty for servlets.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct Context {
    #[serde(default)]
    pub id: Value,
    #[serde(rename = "_meta", default)]
    pub meta: Option<Map<String, Value>>,
}

impl Context {
    /// The client's progress token, if it asked for progress notifications.
    pub fn progress_token(&self) -> Option<&Value> {
        self.meta.as_ref().and_then(|m| m.get("progressToken"))
    }
}

/// What a tool sees of one call.
pub struct Call<'a> {
    pub name: &'a str,
    pub args: &'a Map<String, Value>,
    pub ctx: &'a Context,
}

impl<'a> Call<'a> {
    pub fn arg(&self, key: &str) -> Option<&'a Value> {
        self.args.get(key)
    }

    /// Only the named arguments (those the call has), as an object: the argument object a host function
    /// takes when a tool passes some of its own arguments through, e.g. `kv::get(&call.pick_args(&["key"]))`.
    pub fn pick_args(&self, keys: &[&str]) -> Value {
        let mut out = Map::new();
        for key in keys {
            if let Some(v) = self.args.get(*key) {
                out.insert((*key).to_string(), v.clone());
            }
        }
        Value::Object(out)
    }

    /// A required string argument; a missing or mistyped one is a tool error
    /// the model can correct.
    pub fn str(&self, key: &str) -> Result<&'a str, Error> {
        match self.args.get(key) {
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(_) => Err(Error::new(format!("argument '{}' must be a string", key))),
            None => Err(Error::new(format!("missing required argument '{}'", key))),
        }
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, Error> {
        match self.args.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.str(key).map(Some),
        }
    }

    pub fn f64(&self, key: &str) -> Result<f64, Error> {
        match self.args.get(key) {
            Some(v) => v.as_f64().ok_or_else(|| Error::new(format!("argument '{}' must be a number", key))),
            None => Err(Error::new(format!("missing required argument '{}'", key))),
        }
    }

    pub fn i64(&self, key: &str) -> Result<i64, Error> {
        match self.args.get(key) {
            Some(v) => v.as_i64().ok_or_else(|| Error::new(format!("argument '{}' must be an integer", key))),
            None => Err(Error::new(format!("missing required argument '{}'", key))),
        }
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, Error> {
        match self.args.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Error::new(format!("argument '{}' must be a boolean", key))),
        }
    }
}

/// MCP `CallToolResult`.
#[derive(Serialize, Debug, Clone, Default)]
pub struct CallToolResult {
    pub content: Vec<Value>,
    #[serde(rename = "structuredContent", skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    #[serde(rename = "isError", skip_serializing_if = "is_false")]
    pub is_error: bool,
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl CallToolResult {
    pub fn text(text: impl Into<String>) -> CallToolResult {
        CallToolResult { content: vec![content::text(text)], ..CallToolResult::default() }
    }

    pub fn content(content: Vec<Value>) -> CallToolResult {
        CallToolResult { content, ..CallToolResult::default() }
    }

    pub fn error(message: impl Into<String>) -> CallToolResult {
        CallToolResult { content: vec![content::text(message)], is_error: true, ..CallToolResult::default() }
    }

    /// Adds `structuredContent`; MCP asks for the same data as text too, for
    /// clients that ignore structured output.
    pub fn structured(value: Value) -> CallToolResult {
        let text = value.to_string();
        CallToolResult { content: vec![content::text(text)], structured_content: Some(value), ..CallToolResult::default() }
    }
}
