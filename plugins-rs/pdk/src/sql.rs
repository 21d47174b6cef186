//! The `sql` capability: read-only queries against the Postgres database the
//! manifest's grant names (`"grants": {"sql": {"database": "main"}}`). The
//! connection string stays in the gateway's config; the guest sends SQL text
//! and parameters and gets rows back as JSON.

use crate::capability::invoke;
use crate::Error;
use serde_json::Value;

mod raw {
    #[link(wasm_import_module = "extism:host/user")]
    extern "C" {
        pub fn sql_query(args: u64) -> u64;
    }
}

/// `{sql, params?}` → `{columns: [{name, type}], rows: [{column: value}], rowCount, truncated}`.
/// The host runs one reading statement in a read-only transaction; anything
/// else, and any database error, comes back as `Err` with the reason.
pub fn query(args: &Value) -> Result<Value, Error> {
    invoke("sql_query", args, |h| unsafe { raw::sql_query(h) })
}
