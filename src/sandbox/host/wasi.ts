/**
 * A minimal, closed WASI preview 1 for guests that import `wasi_snapshot_preview1` (TinyGo, extism-js /
 * QuickJS, C with wasi-libc). Why our own: the @extism/extism SDK's Bun build refuses WASI outright
 * ("WASI is not supported on this platform"), and a plugin must not reach the file system, environment
 * or process of the gateway anyway.
 *
 * What a guest gets: no arguments, no environment, no preopened directories (so no files), stdin at EOF,
 * stdout/stderr accepted and discarded (as the SDK did with enableWasiOutput off), clocks, random bytes,
 * proc_exit (ends the call). Every other function answers ENOSYS.
 */

const ERRNO = { success: 0, badf: 8, inval: 28, nosys: 52, spipe: 70 } as const;
/** fd_fdstat_get's file type for stdin/stdout/stderr. */
const CHARACTER_DEVICE = 2;

/** Thrown by proc_exit: the guest asked to stop. */
export class WasiExit extends Error {
  constructor(readonly code: number) {
    super(`the plugin exited with code ${code}`);
  }
}

export function wasiFunctions(
  imports: readonly WebAssembly.ModuleImportDescriptor[],
  memory: () => WebAssembly.Memory | undefined,
): Record<string, Function> {
  const view = () => {
    const m = memory();
    if (!m) throw new Error("a WASI guest must export its memory");
    return new DataView(m.buffer);
  };
  const isStdio = (fd: number) => fd >= 0 && fd <= 2;
  const zeroPair = (a: number, b: number) => {
    const v = view();
    v.setUint32(a, 0, true);
    v.setUint32(b, 0, true);
    return ERRNO.success;
  };
  /** Total length of an iovec list (stdout/stderr writes are accepted whole). */
  const iovecBytes = (v: DataView, iovs: number, count: number) => {
    let total = 0;
    for (let i = 0; i < count; i++) total += v.getUint32(iovs + i * 8 + 4, true);
    return total;
  };

  const known: Record<string, Function> = {
    args_sizes_get: zeroPair,
    args_get: () => ERRNO.success,
    environ_sizes_get: zeroPair,
    environ_get: () => ERRNO.success,
    clock_res_get(_id: number, at: number) {
      view().setBigUint64(at, 1000n, true);
      return ERRNO.success;
    },
    clock_time_get(id: number, _precision: bigint, at: number) {
      // 0 = realtime; the others (monotonic, process and thread CPU time) get the monotonic clock.
      const ns = id === 0 ? BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)) : process.hrtime.bigint();
      view().setBigUint64(at, ns, true);
      return ERRNO.success;
    },
    fd_write(fd: number, iovs: number, count: number, written: number) {
      if (fd !== 1 && fd !== 2) return ERRNO.badf;
      const v = view();
      v.setUint32(written, iovecBytes(v, iovs, count), true);
      return ERRNO.success;
    },
    fd_read(fd: number, _iovs: number, _count: number, read: number) {
      if (fd !== 0) return ERRNO.badf;
      view().setUint32(read, 0, true);
      return ERRNO.success;
    },
    fd_close: (fd: number) => (isStdio(fd) ? ERRNO.success : ERRNO.badf),
    fd_seek: (fd: number) => (isStdio(fd) ? ERRNO.spipe : ERRNO.badf),
    fd_fdstat_get(fd: number, at: number) {
      if (!isStdio(fd)) return ERRNO.badf;
      const v = view();
      v.setUint8(at, CHARACTER_DEVICE);
      v.setUint16(at + 2, 0, true);
      v.setBigUint64(at + 8, 0xffffffffn, true); // rights: everything a character device may do
      v.setBigUint64(at + 16, 0n, true);
      return ERRNO.success;
    },
    fd_fdstat_set_flags: (fd: number) => (isStdio(fd) ? ERRNO.success : ERRNO.badf),
    // No preopened directories: wasi-libc asks fd 3, 4... until EBADF, so the guest sees no file system.
    fd_prestat_get: () => ERRNO.badf,
    fd_prestat_dir_name: () => ERRNO.badf,
    random_get(at: number, length: number) {
      const m = memory();
      if (!m) return ERRNO.inval;
      // getRandomValues fills at most 64 KiB at a time.
      for (let done = 0; done < length; done += 65536) {
        crypto.getRandomValues(new Uint8Array(m.buffer, at + done, Math.min(65536, length - done)));
      }
      return ERRNO.success;
    },
    sched_yield: () => ERRNO.success,
    proc_exit(code: number) {
      throw new WasiExit(code);
    },
  };

  const fns: Record<string, Function> = {};
  for (const imp of imports) {
    if (imp.module === "wasi_snapshot_preview1" && imp.kind === "function") {
      fns[imp.name] = Object.hasOwn(known, imp.name) ? known[imp.name]! : () => ERRNO.nosys;
    }
  }
  return fns;
}
