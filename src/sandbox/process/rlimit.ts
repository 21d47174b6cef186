/**
 * A hard cap on a child's heap: RLIMIT_DATA, set by the child on itself before it touches the plugin.
 *
 * JSC has no heap-size flag that caps anything (`--smol` and BUN_JSC_forceRAMSize only make the GC keener;
 * measured: a 300 MB allocation still succeeds under both). RLIMIT_DATA does work: since Linux 4.7 it counts
 * private writable mappings, so JS allocations past it fail with "RangeError: Out of memory" and native ones
 * abort the process (which the parent reports as a dead process). RLIMIT_AS would be useless here: every
 * wasm memory reserves gigabytes of address space up front.
 */
import { dlopen, ptr } from "bun:ffi";
import { readFileSync } from "node:fs";

const RLIMIT_DATA = 2; // same number on x86_64 and aarch64 Linux

/** Sets RLIMIT_DATA (soft and hard) for this process; returns false where that is not possible. */
export function limitOwnData(bytes: number): boolean {
  if (process.platform !== "linux" || bytes <= 0) return false;
  try {
    const libc = dlopen("libc.so.6", { setrlimit: { args: ["i32", "ptr"], returns: "i32" } });
    const limit = new BigUint64Array([BigInt(bytes), BigInt(bytes)]);
    const ok = libc.symbols.setrlimit(RLIMIT_DATA, ptr(limit)) === 0;
    libc.close();
    return ok;
  } catch {
    return false; // no glibc (musl, say): the parent's RSS watchdog remains
  }
}

/** Resident set size of a process from /proc (~6 µs); null where there is no /proc. */
export function residentBytes(pid: number): number | null {
  try {
    // statm's second field is resident pages; 4 KiB pages on the x86_64/aarch64 kernels we ship on.
    return Number(readFileSync(`/proc/${pid}/statm`, "latin1").split(" ")[1]) * 4096;
  } catch {
    return null;
  }
}
