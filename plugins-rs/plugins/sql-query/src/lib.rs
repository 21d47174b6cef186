//! `sql-query` (hyper-mcp ABI): read-only SQL for agents. The plugin holds no
//! credential: the gateway runs the query on the database the manifest's
//! `sql` grant names, in a read-only transaction, as a role that should only
//! be able to SELECT. The plugin refuses non-reading statements itself first
//! (defence in depth: the gateway checks again, and so does Postgres).

mod read_only;

use mcp_sidecar_pdk::{hyper_mcp_plugin, json, sql, Call, CallToolResult, Error, Tool, Value};

const SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "sql": {
      "type": "string",
      "minLength": 1,
      "maxLength": 65536,
      "description": "One reading statement (SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN) with $1, $2, ... for parameters"
    },
    "params": {
      "type": "array",
      "maxItems": 1000,
      "description": "Values of $1, $2, ...: strings, numbers, booleans, null, flat arrays (for = ANY($1)); objects are sent as JSON text (cast with $n::jsonb)"
    }
  },
  "required": ["sql"],
  "additionalProperties": false
}"#;

const OUTPUT: &str = r#"{
  "type": "object",
  "properties": {
    "columns": { "type": "array", "items": { "type": "object", "properties": { "name": { "type": "string" }, "type": { "type": "string" } } } },
    "rows": { "type": "array", "items": { "type": "object" } },
    "rowCount": { "type": "integer" },
    "truncated": { "type": "boolean" }
  },
  "required": ["columns", "rows", "rowCount", "truncated"]
}"#;

const ANNOTATIONS: &str = r#"{"title":"SQL query (read-only)","readOnlyHint":true,"idempotentHint":true,"openWorldHint":false}"#;

fn query(call: &Call) -> Result<CallToolResult, Error> {
    let text = call.str("sql")?;
    if let Err(reason) = read_only::check(text) {
        return Err(Error::new(format!("the sql-query plugin refused the statement: {}", reason)));
    }
    let params = match call.arg("params") {
        None | Some(Value::Null) => Value::Array(Vec::new()),
        Some(Value::Array(items)) => Value::Array(items.clone()),
        Some(_) => return Err(Error::new("argument 'params' must be an array (the values of $1, $2, ...)")),
    };
    let result = sql::query(&json!({ "sql": text, "params": params }))?;
    Ok(CallToolResult::structured(result))
}

static TOOLS: &[Tool] = &[Tool::new(
    "sql_query",
    "Runs one read-only SQL query (Postgres) with $1, $2, ... parameters and returns {columns, rows, rowCount, truncated}. \
     Values JSON has (booleans, integers, floats, json) come as JSON; numeric, dates, times, bytea and big integers as Postgres text. \
     Rows past the gateway's limit are cut off (truncated: true): add LIMIT/WHERE to narrow the query.",
    SCHEMA,
    query,
)
.output_schema(OUTPUT)
.annotations(ANNOTATIONS)];

hyper_mcp_plugin!(tools: TOOLS);
