//! `kv` (hyper-mcp ABI): key-value memory for agents. Each tenant (from the
//! caller's credentials) has its own keys: the gateway's `kv` host functions
//! namespace every key by tenant, so one tenant can never read another's.

use mcp_sidecar_pdk::{hyper_mcp_plugin, kv, Call, CallToolResult, Error, Tool};

const KEY: &str = r#"{
  "type": "object",
  "properties": { "key": { "type": "string", "minLength": 1, "maxLength": 512 } },
  "required": ["key"],
  "additionalProperties": false
}"#;

const SET_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "key": { "type": "string", "minLength": 1, "maxLength": 512 },
    "value": { "description": "Any JSON value" },
    "ttlSeconds": { "type": "integer", "minimum": 1, "description": "Forget the key after this many seconds (default: keep it)" }
  },
  "required": ["key", "value"],
  "additionalProperties": false
}"#;

const LIST_SCHEMA: &str = r#"{
  "type": "object",
  "properties": {
    "prefix": { "type": "string", "maxLength": 512, "description": "Only keys starting with this (default: all)" },
    "limit": { "type": "integer", "minimum": 1, "maximum": 1000, "description": "Most keys to return (default 100)" }
  },
  "additionalProperties": false
}"#;

const READ_ONLY: &str = r#"{"readOnlyHint":true,"idempotentHint":true,"openWorldHint":false}"#;
const WRITES: &str = r#"{"readOnlyHint":false,"destructiveHint":false,"idempotentHint":true,"openWorldHint":false}"#;
const DELETES: &str = r#"{"readOnlyHint":false,"destructiveHint":true,"idempotentHint":true,"openWorldHint":false}"#;

fn get(call: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::structured(kv::get(&call.pick_args(&["key"]))?))
}

fn set(call: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::structured(kv::set(&call.pick_args(&["key", "value", "ttlSeconds"]))?))
}

fn delete(call: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::structured(kv::delete(&call.pick_args(&["key"]))?))
}

fn list(call: &Call) -> Result<CallToolResult, Error> {
    Ok(CallToolResult::structured(kv::list(&call.pick_args(&["prefix", "limit"]))?))
}

static TOOLS: &[Tool] = &[
    Tool::new("kv_get", "Reads a value this tenant stored: {found, value}.", KEY, get).annotations(READ_ONLY),
    Tool::new("kv_set", "Stores a JSON value under a key, optionally expiring after ttlSeconds.", SET_SCHEMA, set)
        .annotations(WRITES),
    Tool::new("kv_delete", "Removes a key: {deleted}.", KEY, delete).annotations(DELETES),
    Tool::new("kv_list", "Lists this tenant's keys (sorted), optionally only those with a prefix: {keys, more}.", LIST_SCHEMA, list)
        .annotations(READ_ONLY),
];

hyper_mcp_plugin!(tools: TOOLS);
