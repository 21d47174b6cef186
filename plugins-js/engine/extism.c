/* Byte movers between Extism host blocks and guest memory (see extism.h). */
#include <stdlib.h>
#include <string.h>
#include "extism.h"

uint64_t block_from(const char *data, size_t len) {
  uint64_t h = extism_alloc(len);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t word;
    memcpy(&word, data + i, 8);
    extism_store_u64(h + i, word);
  }
  for (; i < len; i++) extism_store_u8(h + i, (uint8_t)data[i]);
  return h;
}

/* Reads a block the host returned into a malloc'd buffer (NUL-terminated for convenience) and frees it. */
char *block_read(uint64_t h, size_t *len_out) {
  size_t len = (size_t)extism_length(h);
  char *buf = malloc(len + 1);
  if (!buf) return NULL;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t word = extism_load_u64(h + i);
    memcpy(buf + i, &word, 8);
  }
  for (; i < len; i++) buf[i] = (char)extism_load_u8(h + i);
  buf[len] = 0;
  extism_free(h);
  *len_out = len;
  return buf;
}

char *input_read(size_t *len_out) {
  size_t len = (size_t)extism_input_length();
  char *buf = malloc(len + 1);
  if (!buf) return NULL;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t word = extism_input_load_u64(i);
    memcpy(buf + i, &word, 8);
  }
  for (; i < len; i++) buf[i] = (char)extism_input_load_u8(i);
  buf[len] = 0;
  *len_out = len;
  return buf;
}

void error_set_text(const char *text) { extism_error_set(block_from(text, strlen(text))); }
