//! The `fs` capability: files under the roots the manifest grants
//! (`"grants": {"fs": {"roots": [...]}}`). Paths are relative to a root;
//! the host refuses anything that would leave it.

use crate::capability::invoke;
use crate::Error;
use serde_json::Value;

mod raw {
    #[link(wasm_import_module = "extism:host/user")]
    extern "C" {
        pub fn fs_roots(args: u64) -> u64;
        pub fn fs_read(args: u64) -> u64;
        pub fn fs_list(args: u64) -> u64;
        pub fn fs_search(args: u64) -> u64;
    }
}

/// `{}` → `{"roots": [{"name"}]}`.
pub fn roots() -> Result<Value, Error> {
    invoke("fs_roots", &Value::Object(Default::default()), |h| unsafe { raw::fs_roots(h) })
}

/// `{root?, path, offset?, length?}` → `{root, path, size, offset, content, encoding, truncated}`.
pub fn read(args: &Value) -> Result<Value, Error> {
    invoke("fs_read", args, |h| unsafe { raw::fs_read(h) })
}

/// `{root?, path?, limit?}` → `{root, path, entries: [{name, type}], more}`.
pub fn list(args: &Value) -> Result<Value, Error> {
    invoke("fs_list", args, |h| unsafe { raw::fs_list(h) })
}

/// `{root?, path?, query, caseSensitive?, maxResults?}` → `{root, matches: [{path, line, text}], more, filesScanned}`.
pub fn search(args: &Value) -> Result<Value, Error> {
    invoke("fs_search", args, |h| unsafe { raw::fs_search(h) })
}
