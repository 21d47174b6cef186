//! `fs` (hyper-mcp ABI): read, list and search files under the roots granted
//! in manifest.json (`grants.fs.roots`). The plugin never sees a host path:
//! it names a root and a path relative to it, and the gateway's `fs` host
//! functions refuse anything that would leave the root.

use mcp_sidecar_pdk::{fs, hyper_mcp_plugin, Call, CallToolResult, Error, Tool, Value};


const READ_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "root": { "type": "string", "description": "Name of a granted root (see fs_list_roots); optional when only one is granted" },
    "path": { "type": "string", "description": "File path relative to the root, e.g. notes/todo.md" },
    "offset": { "type": "integer", "minimum": 0, "description": "First byte to read (default 0)" },
    "length": { "type": "integer", "minimum": 0, "description": "Most bytes to read (default and cap: the grant's maxReadBytes)" }
  },
  "required": ["path"],
  "additionalProperties": false
}"#;

const LIST_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "root": { "type": "string", "description": "Name of a granted root (see fs_list_roots); optional when only one is granted" },
    "path": { "type": "string", "description": "Directory relative to the root (default: the root itself)" },
    "limit": { "type": "integer", "minimum": 1, "maximum": 10000, "description": "Most entries to return (default 1000)" }
  },
  "additionalProperties": false
}"#;

const SEARCH_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "root": { "type": "string", "description": "Name of a granted root (see fs_list_roots); optional when only one is granted" },
    "path": { "type": "string", "description": "Directory to search under, relative to the root (default: the whole root)" },
    "query": { "type": "string", "minLength": 1, "maxLength": 1000, "description": "Text to find (plain substring, not a regular expression)" },
    "caseSensitive": { "type": "boolean", "description": "Match case exactly (default false)" },
    "maxResults": { "type": "integer", "minimum": 1, "maximum": 500, "description": "Most matching lines to return (default 50)" }
  },
  "required": ["query"],
  "additionalProperties": false
}"#;

const NO_ARGS: &str = r#"{ "type": "object", "properties": {}, "additionalProperties": false }"#;

const READ_ONLY: &str = r#"{"readOnlyHint":true,"idempotentHint":true,"openWorldHint":false}"#;

fn list_roots(_call: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::structured(fs::roots()?))
}

/// The file's text as the content the model reads, everything (size, truncation) as structured content.
fn read_file(call: &Call) -> Result<CallToolResult, Error> {
    let file = fs::read(&call.pick_args(&["root", "path", "offset", "length"]))?;
    let content = file.get("content").and_then(Value::as_str).unwrap_or("").to_string();
    let mut result = CallToolResult::text(content);
    result.structured_content = Some(file);
    Ok(result)
}

fn list_dir(call: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::structured(fs::list(&call.pick_args(&["root", "path", "limit"]))?))
}

fn search(call: &Call) -> Result<CallToolResult, Error> {
    let args = call.pick_args(&["root", "path", "query", "caseSensitive", "maxResults"]);
    Ok(CallToolResult::structured(fs::search(&args)?))
}

static TOOLS: &[Tool] = &[
    Tool::new("fs_list_roots", "Lists the folders this server may read (by name).", NO_ARGS, list_roots)
        .annotations(READ_ONLY),
    Tool::new(
        "fs_read_file",
        "Reads a file under a granted root. Text comes back as is; binary files as base64 (encoding says which).",
        READ_SCHEMA,
        read_file,
    )
    .annotations(READ_ONLY),
    Tool::new("fs_list_dir", "Lists a directory under a granted root: names and types (file, directory, symlink).", LIST_SCHEMA, list_dir)
        .annotations(READ_ONLY),
    Tool::new(
        "fs_search",
        "Finds lines containing a text in the files under a directory of a granted root (symbolic links are not followed).",
        SEARCH_SCHEMA,
        search,
    )
    .annotations(READ_ONLY),
];


hyper_mcp_plugin!(tools: TOOLS);
