//! Calling capability host functions (docs/plugin-abi.md §3.2): JSON object
//! in, JSON object out. The host answers `{"error": {"code", "message"}}` for
//! a failure the tool should report (a path outside the root, a value over the
//! limit); that becomes `Err`, which a tool returns as an `isError` result.
//! A function the manifest does not grant traps: the call fails as a whole.

use crate::memory::Block;
use crate::Error;
use serde_json::Value;

/// Sends `args` to the host function `call` wraps and decodes its answer.
pub fn invoke(name: &str, args: &Value, call: impl FnOnce(u64) -> u64) -> Result<Value, Error> {
    let bytes = serde_json::to_vec(args).unwrap_or_default();
    let block = Block::from_bytes(&bytes);
    let reply = call(block.handle());
    block.free();
    let reply = Block::from_handle(reply).ok_or_else(|| Error::new(format!("{}: host returned nothing", name)))?;
    let bytes = reply.to_vec();
    reply.free();
    let value: Value =
        serde_json::from_slice(&bytes).map_err(|e| Error::new(format!("{}: invalid host reply: {}", name, e)))?;
    if let Some(err) = value.get("error") {
        let message = err.get("message").and_then(Value::as_str).unwrap_or("failed");
        return Err(Error::new(message.to_string()));
    }
    Ok(value)
}
