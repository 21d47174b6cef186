//! The `kv` capability: key-value memory of the calling tenant
//! (`"grants": {"kv": {}}`). Values are any JSON; keys are strings.

use crate::capability::invoke;
use crate::Error;
use serde_json::Value;

mod raw {
    #[link(wasm_import_module = "extism:host/user")]
    extern "C" {
        pub fn kv_get(args: u64) -> u64;
        pub fn kv_set(args: u64) -> u64;
        pub fn kv_delete(args: u64) -> u64;
        pub fn kv_list(args: u64) -> u64;
    }
}

/// `{key}` → `{found, value?}`.
pub fn get(args: &Value) -> Result<Value, Error> {
    invoke("kv_get", args, |h| unsafe { raw::kv_get(h) })
}

/// `{key, value, ttlSeconds?}` → `{ok: true}`.
pub fn set(args: &Value) -> Result<Value, Error> {
    invoke("kv_set", args, |h| unsafe { raw::kv_set(h) })
}

/// `{key}` → `{deleted}`.
pub fn delete(args: &Value) -> Result<Value, Error> {
    invoke("kv_delete", args, |h| unsafe { raw::kv_delete(h) })
}

/// `{prefix?, limit?}` → `{keys, more}`.
pub fn list(args: &Value) -> Result<Value, Error> {
    invoke("kv_list", args, |h| unsafe { raw::kv_list(h) })
}
