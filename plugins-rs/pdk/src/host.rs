//! MCP host functions of the hyper-mcp ABI (module `extism:host/user`).
//!
//! These let a tool talk back to the MCP client mid-call: progress, log
//! messages, sampling, elicitation, roots and list-changed notifications.
//! Only functions a plugin actually calls end up as wasm imports, so a plugin
//! that never uses them stays loadable by hosts that lack them.
//! Shapes: docs/plugin-abi.md §3.1.

use crate::memory::Block;
use crate::tool::Context;
use crate::Error;
use serde_json::{json, Value};

mod raw {
    #[link(wasm_import_module = "extism:host/user")]
    extern "C" {
        pub fn notify_progress(params: u64);
        pub fn notify_logging_message(params: u64);
        pub fn create_message(params: u64) -> u64;
        pub fn create_elicitation(params: u64) -> u64;
        pub fn list_roots() -> u64;
        pub fn notify_tool_list_changed();
        pub fn notify_resource_list_changed();
        pub fn notify_prompt_list_changed();
        pub fn notify_resource_updated(params: u64);
        pub fn notify_url_elicitation_completed(params: u64);
        pub fn close_sse_stream();
    }
}

fn with_json<R>(value: &Value, f: impl FnOnce(u64) -> R) -> R {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let block = Block::from_bytes(&bytes);
    let r = f(block.handle());
    block.free();
    r
}

fn read_json(handle: u64, what: &str) -> Result<Value, Error> {
    let block = Block::from_handle(handle).ok_or_else(|| Error::new(format!("{}: host returned nothing", what)))?;
    let bytes = block.to_vec();
    block.free();
    serde_json::from_slice(&bytes).map_err(|e| Error::new(format!("{}: invalid host reply: {}", what, e)))
}

/// Reports progress if the client asked for it (sent a progress token);
/// otherwise does nothing, as MCP requires.
pub fn progress(ctx: &Context, progress: f64, total: Option<f64>, message: Option<&str>) {
    let token = match ctx.progress_token() {
        Some(t) => t.clone(),
        None => return,
    };
    let mut params = json!({ "progressToken": token, "progress": progress });
    if let Some(total) = total {
        params["total"] = json!(total);
    }
    if let Some(message) = message {
        params["message"] = json!(message);
    }
    with_json(&params, |h| unsafe { raw::notify_progress(h) });
}

/// An MCP log message to the client (`notifications/message`). `level` is an
/// MCP level: debug, info, notice, warning, error, critical, alert, emergency.
pub fn log_message(level: &str, data: Value, logger: Option<&str>) {
    let mut params = json!({ "level": level, "data": data });
    if let Some(logger) = logger {
        params["logger"] = json!(logger);
    }
    with_json(&params, |h| unsafe { raw::notify_logging_message(h) });
}

/// Sampling (`sampling/createMessage`): `params` is MCP
/// `CreateMessageRequestParams`; returns `CreateMessageResult`.
pub fn create_message(params: &Value) -> Result<Value, Error> {
    let h = with_json(params, |h| unsafe { raw::create_message(h) });
    read_json(h, "create_message")
}

/// Elicitation (`elicitation/create`): `params` is `{mode, message, ...}`;
/// returns `{action, content?}`.
pub fn create_elicitation(params: &Value) -> Result<Value, Error> {
    let h = with_json(params, |h| unsafe { raw::create_elicitation(h) });
    read_json(h, "create_elicitation")
}

/// The client's roots: `{"roots": [{uri, name?}]}`.
pub fn list_roots() -> Result<Value, Error> {
    read_json(unsafe { raw::list_roots() }, "list_roots")
}

pub fn tool_list_changed() {
    unsafe { raw::notify_tool_list_changed() }
}

pub fn resource_list_changed() {
    unsafe { raw::notify_resource_list_changed() }
}

pub fn prompt_list_changed() {
    unsafe { raw::notify_prompt_list_changed() }
}

pub fn resource_updated(uri: &str) {
    with_json(&json!({ "uri": uri }), |h| unsafe { raw::notify_resource_updated(h) });
}

pub fn url_elicitation_completed(elicitation_id: &str) {
    with_json(&json!({ "elicitationId": elicitation_id }), |h| unsafe {
        raw::notify_url_elicitation_completed(h)
    });
}

/// mcp-sidecar extension (SEP-1699, like the TS SDK's `closeSSEStream`): ends the client's HTTP
/// connection for this request while keeping its SSE stream resumable; the client reconnects with
/// `Last-Event-ID` and receives what follows, the result included. A no-op on WebSocket and stdio.
/// Other hosts (hyper-mcp) do not provide it: a plugin using it loads only on mcp-sidecar.
pub fn close_sse_stream() {
    unsafe { raw::close_sse_stream() }
}
