//! mcp-sidecar plugin development kit.
//!
//! A plugin is a `cdylib` for `wasm32-unknown-unknown` that exports the
//! functions of one MCP plugin ABI (see docs/plugin-abi.md):
//!
//! * hyper-mcp ABI: `list_tools`, `call_tool` (+ optional resources, prompts,
//!   completion) — use [`hyper_mcp_plugin!`];
//! * mcp.run servlet ABI: `describe`, `call` — use [`servlet_plugin!`].
//!
//! A tool is a plain function `fn(&Call) -> Result<CallToolResult, Error>`
//! registered in a `static` slice of [`Tool`]s. A returned `Err` becomes an
//! `isError: true` result the model can read and react to; only protocol
//! failures (bad input, unknown tool, [`Error::protocol`]) surface as Extism
//! errors, which the gateway turns into JSON-RPC errors.
//!
//! We write our own bindings because the official `extism-pdk` crate is not
//! reachable from the build machines, and the ABI is small enough to own.

pub(crate) mod env;
pub mod memory;
pub mod io;
pub mod config;
pub mod log;
pub mod http;
pub mod content;
pub mod tool;
pub mod host;
pub mod abi;
pub mod capability;
pub mod fs;
pub mod kv;
pub mod sql;

pub use serde_json::{self, json, Map, Value};
pub use tool::{Call, CallToolResult, Context, Tool};

/// An error from plugin code.
///
/// `protocol` decides where it lands: false (the default) → a tool result with
/// `isError: true`; true → an Extism error, i.e. a JSON-RPC error at the client.
#[derive(Debug, Clone)]
pub struct Error {
    message: String,
    protocol: bool,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error { message: message.into(), protocol: false }
    }

    /// An error that must not be shown to the model as a tool result.
    pub fn protocol(message: impl Into<String>) -> Error {
        Error { message: message.into(), protocol: true }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn is_protocol(&self) -> bool {
        self.protocol
    }
}

impl From<&str> for Error {
    fn from(s: &str) -> Error {
        Error::new(s)
    }
}

impl From<String> for Error {
    fn from(s: String) -> Error {
        Error::new(s)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::new(e.to_string())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
