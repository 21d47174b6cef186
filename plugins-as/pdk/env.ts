// The Extism guest ABI, module `extism:host/env` (docs/plugin-abi.md §1.2). A handle (u64) names a block of
// host memory; 0 means "none". AssemblyScript imports only the declarations a plugin actually calls, so a
// plugin that never logs or fetches does not import log_* or http_*.

@external("extism:host/env", "input_length")
export declare function input_length(): u64;
@external("extism:host/env", "input_load_u8")
export declare function input_load_u8(offset: u64): u8;
@external("extism:host/env", "input_load_u64")
export declare function input_load_u64(offset: u64): u64;

@external("extism:host/env", "alloc")
export declare function alloc(length: u64): u64;
@external("extism:host/env", "free")
export declare function free(handle: u64): void;
@external("extism:host/env", "length")
export declare function length(handle: u64): u64;
@external("extism:host/env", "load_u8")
export declare function load_u8(handle: u64): u8;
@external("extism:host/env", "load_u64")
export declare function load_u64(handle: u64): u64;
@external("extism:host/env", "store_u8")
export declare function store_u8(handle: u64, value: u8): void;
@external("extism:host/env", "store_u64")
export declare function store_u64(handle: u64, value: u64): void;

@external("extism:host/env", "output_set")
export declare function output_set(handle: u64, length: u64): void;
@external("extism:host/env", "error_set")
export declare function error_set(handle: u64): void;

@external("extism:host/env", "config_get")
export declare function config_get(keyHandle: u64): u64;
@external("extism:host/env", "var_get")
export declare function var_get(keyHandle: u64): u64;
@external("extism:host/env", "var_set")
export declare function var_set(keyHandle: u64, valueHandle: u64): void;

@external("extism:host/env", "http_request")
export declare function http_request(requestHandle: u64, bodyHandle: u64): u64;
@external("extism:host/env", "http_status_code")
export declare function http_status_code(): i32;
@external("extism:host/env", "http_headers")
export declare function http_headers(): u64;

@external("extism:host/env", "log_trace")
export declare function log_trace(handle: u64): void;
@external("extism:host/env", "log_debug")
export declare function log_debug(handle: u64): void;
@external("extism:host/env", "log_info")
export declare function log_info(handle: u64): void;
@external("extism:host/env", "log_warn")
export declare function log_warn(handle: u64): void;
@external("extism:host/env", "log_error")
export declare function log_error(handle: u64): void;
@external("extism:host/env", "get_log_level")
export declare function get_log_level(): i32;
