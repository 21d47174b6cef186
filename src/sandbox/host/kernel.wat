;; The Extism block store as a tiny wasm module (a "kernel", as in the real Extism runtime).
;;
;; Why wasm and not JS: an Extism guest moves all its input and output 8 bytes per host call
;; (input_load_u64, store_u64...): ~50 calls for a 100 B echo, ~1,000 for 4 KB. The guest's
;; `extism:host/env` imports are linked straight to these exports, so each of those is a wasm->wasm call
;; with no JS frame and no BigInt. The host (./kernel.ts) writes the input into this memory and copies the
;; output out of it, once each, and calls `begin` per call. Measured in bench/host.bench.ts.
;;
;; Memory layout (one call's data, reset by `begin`):
;;   0..7    reserved, so handle 0 means "none"
;;   8..     blocks: [len: u32][tag: u32][data, padded to 8]; a handle is the offset of a block's data.
;;           The first block (handle 16) is always the call's input.
;; Handles are offsets below 4 GiB, zero-extended to i64 for the guest. Every guest access is checked to
;; lie inside the call's blocks (below `top`), and new blocks are zeroed, so a guest sees only what this
;; call put there. A guest can overwrite its own block headers; the host clamps what it reads to `top`.
(module
  ;; Fails the call with the "memory" error: the call wanted to hold `held` bytes of blocks.
  (import "host" "oom" (func $oom (param f64)))
  ;; Fails the call on a bad handle. kind: 0 read, 1 write, 2 output_set, 3 error_set, 4 input read.
  (import "host" "fault" (func $fault (param i32 i64)))
  ;; Fuel: the call's next allotment; 0 means "yield to the event loop first" (see $refuel below).
  (import "host" "refuel" (func $refuel_now (result f64)))
  ;; The same after a pause: a WebAssembly.Suspending import, so the guest's stack is suspended while
  ;; the event loop runs.
  (import "host" "refuel_wait" (func $refuel_wait (result f64)))
  (memory (export "memory") 1)

  (global $top (mut i32) (i32.const 16))      ;; end of the last block
  (global $dirty (mut i32) (i32.const 16))    ;; bytes at or past this offset have never been written
  (global $limit (mut i64) (i64.const 0))     ;; bytes of blocks (input excluded) the call may hold
  (global $base (mut i32) (i32.const 16))     ;; end of the input block: held bytes are counted from here
  (global $in_len (mut i32) (i32.const 0))
  (global $out (export "out") (mut i32) (i32.const 0))
  (global $out_len (export "out_len") (mut i32) (i32.const 0))
  (global $err (export "err") (mut i32) (i32.const 0))
  (global $TAG i32 (i32.const 0x6b6c6278))    ;; marks a live block's header

  ;; Starts a call whose input (in_len bytes) the host has just written at offset 16.
  (func (export "begin") (param $in_len i32) (param $limit f64)
    (i32.store (i32.const 8) (local.get $in_len))
    (i32.store (i32.const 12) (global.get $TAG))
    (global.set $in_len (local.get $in_len))
    (global.set $top (call $align (i32.add (i32.const 16) (local.get $in_len))))
    ;; The input's padding may hold an earlier call's bytes.
    (memory.fill (i32.add (i32.const 16) (local.get $in_len)) (i32.const 0)
      (i32.sub (global.get $top) (i32.add (i32.const 16) (local.get $in_len))))
    (global.set $base (global.get $top))
    (global.set $dirty (call $max (global.get $dirty) (global.get $top)))
    (global.set $limit (i64.trunc_sat_f64_u (local.get $limit)))
    (global.set $out (i32.const 0))
    (global.set $out_len (i32.const 0))
    (global.set $err (i32.const 0)))

  (func $align (param $n i32) (result i32)
    (i32.and (i32.add (local.get $n) (i32.const 7)) (i32.const -8)))
  (func $max (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.gt_u (local.get $a) (local.get $b))))
  (func $min (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.lt_u (local.get $a) (local.get $b))))

  ;; Bytes of blocks the call holds now (headers and padding included, input excluded).
  (func (export "held") (result f64)
    (f64.convert_i32_u (i32.sub (global.get $top) (global.get $base))))

  ;; A new zeroed block of n bytes, for the guest's alloc and the host's stores alike.
  (func $alloc (param $n i64) (result i32)
    (local $h i32) (local $end i32) (local $held i64) (local $pages i32)
    (if (i64.gt_u (local.get $n) (global.get $limit))
      (then (call $oom (f64.convert_i64_u (local.get $n))) (unreachable)))
    (local.set $held (i64.add (i64.extend_i32_u (i32.sub (global.get $top) (global.get $base)))
                              (i64.add (local.get $n) (i64.const 8))))
    (if (i64.gt_u (local.get $held) (global.get $limit))
      (then (call $oom (f64.convert_i64_u (local.get $held))) (unreachable)))
    (local.set $h (i32.add (global.get $top) (i32.const 8)))
    (local.set $end (call $align (i32.add (local.get $h) (i32.wrap_i64 (local.get $n)))))
    (local.set $pages (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16)))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
        (then (call $oom (f64.convert_i64_u (local.get $held))) (unreachable)))))
    (i32.store (global.get $top) (i32.wrap_i64 (local.get $n)))
    (i32.store offset=4 (global.get $top) (global.get $TAG))
    ;; Only bytes an earlier call wrote need zeroing; fresh memory is zero already.
    (if (i32.lt_u (local.get $h) (global.get $dirty))
      (then (memory.fill (local.get $h) (i32.const 0)
              (i32.sub (call $min (local.get $end) (global.get $dirty)) (local.get $h)))))
    (global.set $top (local.get $end))
    (global.set $dirty (call $max (global.get $dirty) (local.get $end)))
    (local.get $h))
  (func (export "alloc") (param $n i64) (result i64)
    (i64.extend_i32_u (call $alloc (local.get $n))))
  (func (export "alloc_host") (param $n i32) (result i32)
    (call $alloc (i64.extend_i32_u (local.get $n))))

  ;; Offset of the header of the live block whose data starts at h, or 0 if h is not one.
  ;; (A zero-length block at the end has h == top.)
  (func $header (param $h i64) (result i32)
    (local $at i32)
    (if (i32.or (i64.lt_u (local.get $h) (i64.const 16))
                (i64.gt_u (local.get $h) (i64.extend_i32_u (global.get $top))))
      (then (return (i32.const 0))))
    (local.set $at (i32.sub (i32.wrap_i64 (local.get $h)) (i32.const 8)))
    (if (i32.and (local.get $at) (i32.const 7)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load offset=4 (local.get $at)) (global.get $TAG)) (then (return (i32.const 0))))
    (local.get $at))

  ;; Length of block h, clamped to the call's blocks; -1 if h is not a live block.
  (func $block_len (export "block_len") (param $h i32) (result i32)
    (local $at i32)
    (local.set $at (call $header (i64.extend_i32_u (local.get $h))))
    (if (i32.eqz (local.get $at)) (then (return (i32.const -1))))
    (call $min (i32.load (local.get $at)) (i32.sub (global.get $top) (local.get $h))))

  ;; The guest's length: 0 for anything that is not a live block (as the SDK and the Rust kernel answer).
  (func $length (param $h i64) (result i64)
    (local $len i32)
    (if (i64.gt_u (local.get $h) (i64.const 0xffffffff)) (then (return (i64.const 0))))
    (local.set $len (call $block_len (i32.wrap_i64 (local.get $h))))
    (if (result i64) (i32.lt_s (local.get $len) (i32.const 0))
      (then (i64.const 0)) (else (i64.extend_i32_u (local.get $len)))))
  (func (export "length") (param $h i64) (result i64) (call $length (local.get $h)))
  (func (export "length_unsafe") (param $h i64) (result i64) (call $length (local.get $h)))

  ;; Frees a block: its handle stops being valid, and its space is reused if it was the last block.
  ;; Freeing twice, 0, the input or a non-block does nothing (the SDK's log_* free their block, and our
  ;; PDK frees it again).
  (func $free (export "free") (param $h i64)
    (local $at i32)
    (local.set $at (call $header (local.get $h)))
    (if (i32.or (i32.eqz (local.get $at)) (i32.eq (local.get $at) (i32.const 8))) (then (return)))
    (i32.store offset=4 (local.get $at) (i32.const 0))
    (if (i32.eq (call $align (i32.add (i32.add (local.get $at) (i32.const 8)) (i32.load (local.get $at))))
                (global.get $top))
      (then (global.set $top (local.get $at)))))
  (func (export "free_host") (param $h i32) (call $free (i64.extend_i32_u (local.get $h))))

  ;; Checks that the n bytes at h lie inside the call's blocks; returns h as an offset.
  (func $at (param $h i64) (param $n i32) (param $kind i32) (result i32)
    (if (i32.or (i64.lt_u (local.get $h) (i64.const 16))
                (i64.gt_u (local.get $h) (i64.extend_i32_u (i32.sub (global.get $top) (local.get $n)))))
      (then (call $fault (local.get $kind) (local.get $h)) (unreachable)))
    (i32.wrap_i64 (local.get $h)))
  (func (export "load_u8") (param $h i64) (result i32)
    (i32.load8_u (call $at (local.get $h) (i32.const 1) (i32.const 0))))
  (func (export "load_u64") (param $h i64) (result i64)
    (i64.load (call $at (local.get $h) (i32.const 8) (i32.const 0))))
  (func (export "store_u8") (param $h i64) (param $v i32)
    (i32.store8 (call $at (local.get $h) (i32.const 1) (i32.const 1)) (local.get $v)))
  (func (export "store_u64") (param $h i64) (param $v i64)
    (i64.store (call $at (local.get $h) (i32.const 8) (i32.const 1)) (local.get $v)))

  (func (export "input_length") (result i64) (i64.extend_i32_u (global.get $in_len)))
  (func (export "input_offset") (result i64) (i64.const 16))
  ;; Checks that the n input bytes at i exist; returns their offset.
  (func $in (param $i i64) (param $n i32) (result i32)
    (if (i32.or (i64.ge_u (local.get $i) (i64.extend_i32_u (global.get $in_len)))
                (i32.lt_u (i32.sub (global.get $in_len) (i32.wrap_i64 (local.get $i))) (local.get $n)))
      (then (call $fault (i32.const 4) (local.get $i)) (unreachable)))
    (i32.add (i32.const 16) (i32.wrap_i64 (local.get $i))))
  (func (export "input_load_u8") (param $i i64) (result i32)
    (i32.load8_u (call $in (local.get $i) (i32.const 1))))
  (func (export "input_load_u64") (param $i i64) (result i64)
    (i64.load (call $in (local.get $i) (i32.const 8))))

  ;; The output is the first len bytes of block h, as in the Rust runtime (the JS SDK takes the whole
  ;; block; every PDK passes the block's own length, so guests see no difference). 0 clears it.
  (func (export "output_set") (param $h i64) (param $len i64)
    (if (i64.eqz (local.get $h))
      (then (global.set $out (i32.const 0)) (global.set $out_len (i32.const 0)) (return)))
    (if (i64.gt_u (local.get $len) (call $length (local.get $h)))
      (then (call $fault (i32.const 2) (local.get $h)) (unreachable)))
    (if (i32.eqz (call $header (local.get $h)))
      (then (call $fault (i32.const 2) (local.get $h)) (unreachable)))
    (global.set $out (i32.wrap_i64 (local.get $h)))
    (global.set $out_len (i32.wrap_i64 (local.get $len))))

  ;; The call's error message is block h; 0 clears it (as the Rust runtime's clear_error).
  (func (export "error_set") (param $h i64)
    (if (i64.eqz (local.get $h)) (then (global.set $err (i32.const 0)) (return)))
    (if (i32.eqz (call $header (local.get $h)))
      (then (call $fault (i32.const 3) (local.get $h)) (unreachable)))
    (global.set $err (i32.wrap_i64 (local.get $h))))
  (func (export "error_get") (result i64) (i64.extend_i32_u (global.get $err)))

  ;; The instrumented guest's `mcp-sidecar.refuel`. A JSPI Suspending import costs ~3.5 µs per call even
  ;; when it does not suspend (measured), and refuel runs every 100k fuel units; so the plain import
  ;; answers, and only when the call is due to yield (every few ms) does the suspending one run.
  (func (export "refuel") (result i64)
    (local $grant f64)
    (local.set $grant (call $refuel_now))
    (if (f64.eq (local.get $grant) (f64.const 0)) (then (local.set $grant (call $refuel_wait))))
    (i64.trunc_sat_f64_s (local.get $grant)))
)
