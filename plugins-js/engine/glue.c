/*
 * The JS plugin engine: QuickJS behind the Extism guest ABI, exporting the hyper-mcp plugin functions
 * `list_tools` and `call_tool` (docs/plugin-abi.md §1, §3).
 *
 * Lifecycle: `wizer.initialize` runs once at build time under wizer. It reads the plugin's JavaScript
 * (prelude.js + the author's bundle) from stdin, evaluates it, and wizer snapshots the heap. At run time
 * each export hands its input to the prelude's `__sidecar.start(export, input)`, runs the promise jobs the
 * handler left (async handlers) and writes what `__sidecar.take()` returns as the output. Everything
 * JS-shaped (tool lookup, result formatting, console, config, http) lives in prelude.js; this file only
 * moves bytes between the host and QuickJS.
 *
 * The init path calls no Extism import (wizer links only WASI; the Extism imports are satisfied there by
 * trapping stubs), and reads no clock or entropy: see sidecar_gettimeofday and host_random.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "quickjs.h"
#include "extism.h"

extern void __wasm_call_ctors(void);

static JSRuntime *rt;
static JSContext *ctx;
static int initializing;
static uint64_t rng_state = 0x9E3779B97F4A7C15ull; /* fixed seed: the snapshot must not depend on when it was taken */

/* QuickJS is compiled with -Dgettimeofday=sidecar_gettimeofday: Date.now() and Math.random's seed read this.
   While wizer runs, time stands at the epoch so nothing time-dependent is baked into the snapshot. */
int sidecar_gettimeofday(struct timeval *tv, void *tz) {
  (void)tz;
  if (initializing) {
    tv->tv_sec = 0;
    tv->tv_usec = 0;
    return 0;
  }
  return gettimeofday(tv, NULL);
}

/* ---- natives the prelude wraps (global `__host`, removed by the prelude) ---- */

static JSValue host_log(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t level = 1;
  size_t len;
  if (argc < 2 || JS_ToInt32(c, &level, argv[0])) return JS_EXCEPTION;
  const char *text = JS_ToCStringLen(c, &len, argv[1]);
  if (!text) return JS_EXCEPTION;
  if (initializing) {
    fprintf(stderr, "%.*s\n", (int)len, text); /* build time: show it to whoever builds the plugin */
  } else {
    uint64_t h = block_from(text, len);
    switch (level) {
      case 0: extism_log_debug(h); break;
      case 2: extism_log_warn(h); break;
      case 3: extism_log_error(h); break;
      default: extism_log_info(h); break;
    }
  }
  JS_FreeCString(c, text);
  return JS_UNDEFINED;
}

static JSValue only_at_run_time(JSContext *c, const char *what) {
  return JS_ThrowTypeError(c, "%s is only available while a tool runs, not in top-level code", what);
}

static JSValue host_config(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  size_t len;
  if (initializing) return only_at_run_time(c, "config.get");
  const char *key = JS_ToCStringLen(c, &len, argc > 0 ? argv[0] : JS_UNDEFINED);
  if (!key) return JS_EXCEPTION;
  uint64_t value = extism_config_get(block_from(key, len));
  JS_FreeCString(c, key);
  if (value == 0) return JS_NULL;
  char *bytes = block_read(value, &len);
  if (!bytes) return JS_ThrowOutOfMemory(c);
  JSValue s = JS_NewStringLen(c, bytes, len);
  free(bytes);
  return s;
}

/* __host.http(requestJson, body?) -> [status, bodyText, headersJson | null] */
static JSValue host_http(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  size_t len, body_len = 0;
  if (initializing) return only_at_run_time(c, "http.fetch");
  const char *req = JS_ToCStringLen(c, &len, argc > 0 ? argv[0] : JS_UNDEFINED);
  if (!req) return JS_EXCEPTION;
  uint64_t req_h = block_from(req, len), body_h = 0;
  JS_FreeCString(c, req);
  if (argc > 1 && !JS_IsUndefined(argv[1]) && !JS_IsNull(argv[1])) {
    const char *body = JS_ToCStringLen(c, &body_len, argv[1]);
    if (!body) return JS_EXCEPTION;
    body_h = block_from(body, body_len);
    JS_FreeCString(c, body);
  }
  uint64_t res = extism_http_request(req_h, body_h);
  int32_t status = extism_http_status_code();
  if (res == 0 && status == 0) return JS_ThrowInternalError(c, "the HTTP request failed (no response)");
  JSValue out = JS_NewArray(c);
  JS_SetPropertyUint32(c, out, 0, JS_NewInt32(c, status));
  char *text = res ? block_read(res, &len) : NULL;
  JS_SetPropertyUint32(c, out, 1, JS_NewStringLen(c, text ? text : "", text ? len : 0));
  free(text);
  uint64_t headers = extism_http_headers();
  char *hjson = headers ? block_read(headers, &len) : NULL;
  JS_SetPropertyUint32(c, out, 2, hjson ? JS_NewStringLen(c, hjson, len) : JS_NULL);
  free(hjson);
  return out;
}

/* __host.notify(kind, json): kind 0 = progress, 1 = MCP log message (hyper-mcp host functions). */
static JSValue host_notify(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  int32_t kind = 0;
  size_t len;
  if (initializing) return only_at_run_time(c, "ctx.progress / ctx.log");
  if (argc < 2 || JS_ToInt32(c, &kind, argv[0])) return JS_EXCEPTION;
  const char *json = JS_ToCStringLen(c, &len, argv[1]);
  if (!json) return JS_EXCEPTION;
  uint64_t h = block_from(json, len);
  JS_FreeCString(c, json);
  if (kind == 0) user_notify_progress(h);
  else user_notify_logging_message(h);
  extism_free(h);
  return JS_UNDEFINED;
}

/* Math.random: WASI entropy at run time; a fixed xorshift sequence at build time (reproducible snapshot). */
static JSValue host_random(JSContext *c, JSValueConst this, int argc, JSValueConst *argv) {
  uint64_t bits;
  if (initializing || getentropy(&bits, sizeof bits) != 0) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    bits = rng_state;
  }
  return JS_NewFloat64(c, (double)(bits >> 11) * 0x1.0p-53);
}

/* ---- init (build time) ---- */

static void fail_init(const char *what) {
  JSValue exc = JS_GetException(ctx);
  const char *msg = JS_ToCString(ctx, exc);
  JSValue stack = JS_GetPropertyStr(ctx, exc, "stack");
  const char *st = JS_IsUndefined(stack) ? NULL : JS_ToCString(ctx, stack);
  fprintf(stderr, "%s: %s\n%s", what, msg ? msg : "(unprintable exception)", st ? st : "");
  _Exit(1);
}

static char *read_stdin(size_t *len_out) {
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (len + 1 >= cap) buf = realloc(buf, cap *= 2);
    ssize_t n = read(0, buf + len, cap - len - 1);
    if (n < 0) {
      fprintf(stderr, "cannot read the plugin source from stdin\n");
      _Exit(1);
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  buf[len] = 0;
  *len_out = len;
  return buf;
}

static void drain_jobs(const char *what) {
  JSContext *job_ctx;
  int r;
  while ((r = JS_ExecutePendingJob(rt, &job_ctx)) > 0) {
  }
  if (r < 0 && initializing) fail_init(what);
}

static void add_native(JSValue obj, const char *name, JSCFunction *fn, int nargs) {
  JS_SetPropertyStr(ctx, obj, name, JS_NewCFunction(ctx, fn, name, nargs));
}

__attribute__((export_name("wizer.initialize"))) void sidecar_initialize(void) {
  __wasm_call_ctors();
  initializing = 1;
  size_t len;
  char *source = read_stdin(&len);
  rt = JS_NewRuntime();
  JS_SetMaxStackSize(rt, 512 * 1024); /* the wasm shadow stack is 1 MiB (link flags) */
  ctx = JS_NewContext(rt);
  JSValue global = JS_GetGlobalObject(ctx), host = JS_NewObject(ctx);
  add_native(host, "log", host_log, 2);
  add_native(host, "config", host_config, 1);
  add_native(host, "http", host_http, 2);
  add_native(host, "notify", host_notify, 2);
  add_native(host, "random", host_random, 0);
  JS_SetPropertyStr(ctx, global, "__host", host);
  JS_FreeValue(ctx, global);
  JSValue r = JS_Eval(ctx, source, len, "plugin.js", JS_EVAL_TYPE_GLOBAL);
  if (JS_IsException(r)) fail_init("the plugin failed while loading");
  JS_FreeValue(ctx, r);
  drain_jobs("the plugin failed while loading");
  free(source);
  JS_RunGC(rt);
  initializing = 0;
}

/* ---- exports (run time) ---- */

static int32_t fail_call(void) {
  JSValue exc = JS_GetException(ctx);
  const char *msg = JS_ToCString(ctx, exc);
  const char *text = msg ? msg : "the plugin threw an unprintable exception";
  error_set_text(text);
  if (msg) JS_FreeCString(ctx, msg);
  JS_FreeValue(ctx, exc);
  return 1;
}

static JSValue sidecar_method(const char *name, JSValue *holder) {
  JSValue global = JS_GetGlobalObject(ctx);
  *holder = JS_GetPropertyStr(ctx, global, "__sidecar");
  JS_FreeValue(ctx, global);
  return JS_GetPropertyStr(ctx, *holder, name);
}

/* Runs one export: __sidecar.start(name, input), the promise jobs, then output = __sidecar.take(). */
static int32_t run_export(const char *name) {
  size_t len;
  char *input = input_read(&len);
  if (!input) {
    error_set_text("out of memory reading the input");
    return 1;
  }
  JSValue holder, start = sidecar_method("start", &holder);
  JSValue args[2] = {JS_NewString(ctx, name), JS_NewStringLen(ctx, input, len)};
  free(input);
  JSValue r = JS_Call(ctx, start, holder, 2, args);
  JS_FreeValue(ctx, args[0]);
  JS_FreeValue(ctx, args[1]);
  JS_FreeValue(ctx, start);
  if (JS_IsException(r)) {
    JS_FreeValue(ctx, holder);
    return fail_call();
  }
  JS_FreeValue(ctx, r);
  drain_jobs(name);
  JSValue take = JS_GetPropertyStr(ctx, holder, "take");
  r = JS_Call(ctx, take, holder, 0, NULL);
  JS_FreeValue(ctx, take);
  JS_FreeValue(ctx, holder);
  if (JS_IsException(r)) return fail_call();
  const char *out = JS_ToCStringLen(ctx, &len, r);
  JS_FreeValue(ctx, r);
  if (!out) return fail_call();
  extism_output_set(block_from(out, len), len);
  JS_FreeCString(ctx, out);
  return 0;
}

__attribute__((export_name("list_tools"))) int32_t sidecar_list_tools(void) { return run_export("list_tools"); }

__attribute__((export_name("call_tool"))) int32_t sidecar_call_tool(void) { return run_export("call_tool"); }
