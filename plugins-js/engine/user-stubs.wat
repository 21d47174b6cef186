;; Stand-ins for the extism:host/user (hyper-mcp) imports of glue.c while wizer runs; see env-stubs.wat.
(module
  (func (export "notify_progress") (param i64) unreachable)
  (func (export "notify_logging_message") (param i64) unreachable))
