//! Manifest `config` values and per-instance variables.

use crate::env;
use crate::memory::Block;

/// A value from the plugin manifest's `config`, or `None` if unset.
pub fn get(key: &str) -> Option<String> {
    let key_block = Block::from_bytes(key.as_bytes());
    let value = Block::from_handle(unsafe { env::config_get(key_block.handle()) })?;
    let bytes = value.to_vec();
    value.free();
    String::from_utf8(bytes).ok()
}

/// Variables survive between calls on the same instance only. The gateway
/// pools and discards instances freely, so treat them as a cache, never state.
pub mod var {
    use super::*;

    pub fn get(key: &str) -> Option<Vec<u8>> {
        let key_block = Block::from_bytes(key.as_bytes());
        let value = Block::from_handle(unsafe { env::var_get(key_block.handle()) })?;
        let bytes = value.to_vec();
        value.free();
        Some(bytes)
    }

    pub fn set(key: &str, value: &[u8]) {
        let key_block = Block::from_bytes(key.as_bytes());
        let value_block = Block::from_bytes(value);
        unsafe { env::var_set(key_block.handle(), value_block.handle()) };
        key_block.free();
        value_block.free();
    }

    pub fn remove(key: &str) {
        let key_block = Block::from_bytes(key.as_bytes());
        unsafe { env::var_set(key_block.handle(), 0) };
        key_block.free();
    }
}
