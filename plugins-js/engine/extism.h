/*
 * The Extism guest ABI as glue.c uses it: the host imports (docs/plugin-abi.md §1.2, §3.1) and helpers that
 * move bytes between host blocks and guest memory, 8 bytes per host call with a 1-byte tail.
 */
#ifndef SIDECAR_EXTISM_H
#define SIDECAR_EXTISM_H
#include <stddef.h>
#include <stdint.h>

#define ENV(name) __attribute__((import_module("extism:host/env"), import_name(#name)))
#define USER(name) __attribute__((import_module("extism:host/user"), import_name(#name)))

ENV(alloc) uint64_t extism_alloc(uint64_t len);
ENV(free) void extism_free(uint64_t h);
ENV(length) uint64_t extism_length(uint64_t h);
ENV(load_u8) int32_t extism_load_u8(uint64_t h);
ENV(load_u64) uint64_t extism_load_u64(uint64_t h);
ENV(store_u8) void extism_store_u8(uint64_t h, int32_t v);
ENV(store_u64) void extism_store_u64(uint64_t h, uint64_t v);
ENV(input_length) uint64_t extism_input_length(void);
ENV(input_load_u8) int32_t extism_input_load_u8(uint64_t i);
ENV(input_load_u64) uint64_t extism_input_load_u64(uint64_t i);
ENV(output_set) void extism_output_set(uint64_t h, uint64_t len);
ENV(error_set) void extism_error_set(uint64_t h);
ENV(config_get) uint64_t extism_config_get(uint64_t key);
ENV(http_request) uint64_t extism_http_request(uint64_t req, uint64_t body);
ENV(http_status_code) int32_t extism_http_status_code(void);
ENV(http_headers) uint64_t extism_http_headers(void);
ENV(log_debug) void extism_log_debug(uint64_t h);
ENV(log_info) void extism_log_info(uint64_t h);
ENV(log_warn) void extism_log_warn(uint64_t h);
ENV(log_error) void extism_log_error(uint64_t h);
USER(notify_progress) void user_notify_progress(uint64_t h);
USER(notify_logging_message) void user_notify_logging_message(uint64_t h);

/* A new host block holding `len` bytes of `data`. */
uint64_t block_from(const char *data, size_t len);
/* A host-returned block's bytes in a malloc'd, NUL-terminated buffer (NULL if out of memory); frees the block. */
char *block_read(uint64_t h, size_t *len_out);
/* The call's input in a malloc'd, NUL-terminated buffer (NULL if out of memory). */
char *input_read(size_t *len_out);
/* error_set with a C string. */
void error_set_text(const char *text);

#endif
