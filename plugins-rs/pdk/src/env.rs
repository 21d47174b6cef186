//! Raw imports of the Extism guest ABI (module `extism:host/env`).
//!
//! Handles are 64-bit and name host-side blocks, not guest pointers: the host
//! owns plugin I/O memory so it can hand buffers across calls without trusting
//! guest allocators. Signatures follow docs/plugin-abi.md §1.2; a `u8` result
//! lowers to wasm `i32`, every handle to `i64`.
#![allow(dead_code)]

#[link(wasm_import_module = "extism:host/env")]
extern "C" {
    pub fn input_length() -> u64;
    pub fn input_load_u8(offset: u64) -> u8;
    pub fn input_load_u64(offset: u64) -> u64;

    pub fn alloc(len: u64) -> u64;
    pub fn free(handle: u64);
    pub fn length(handle: u64) -> u64;
    pub fn load_u8(handle: u64) -> u8;
    pub fn load_u64(handle: u64) -> u64;
    pub fn store_u8(handle: u64, value: u8);
    pub fn store_u64(handle: u64, value: u64);

    pub fn output_set(handle: u64, len: u64);
    pub fn error_set(handle: u64);

    pub fn config_get(key: u64) -> u64;
    pub fn var_get(key: u64) -> u64;
    pub fn var_set(key: u64, value: u64);

    pub fn http_request(request: u64, body: u64) -> u64;
    pub fn http_status_code() -> i32;
    pub fn http_headers() -> u64;

    pub fn log_trace(handle: u64);
    pub fn log_debug(handle: u64);
    pub fn log_info(handle: u64);
    pub fn log_warn(handle: u64);
    pub fn log_error(handle: u64);
    pub fn get_log_level() -> i32;
}
