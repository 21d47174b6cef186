/**
 * The cheap half of capping a child's memory: reading its resident set from /proc (~6 µs, measured).
 *
 * Why not a hard limit instead? Tried and measured: JSC has no heap cap (`--smol` and BUN_JSC_forceRAMSize
 * only make the GC keener; a 300 MB allocation still succeeds under both). RLIMIT_DATA (set before exec:
 * Bun aborts if it is set later, its startup reservations already exceed any sane value) does cap the heap,
 * but it also stops JSC from reserving wasm "fast memory", so every memory.grow copies the whole memory:
 * a guest growing to 64 MB took 1.3 s instead of 3 ms, to 512 MB 100 s instead of 7 ms. RLIMIT_AS is worse
 * (each wasm memory reserves gigabytes of address space). So the parent polls RSS and kills past a bound.
 */
import { readFileSync } from "node:fs";

/** Resident set size of a process, or null where there is no /proc. */
export function residentBytes(pid: number): number | null {
  try {
    // statm's second field is resident pages; 4 KiB pages on the x86_64/aarch64 kernels we ship on.
    return Number(readFileSync(`/proc/${pid}/statm`, "latin1").split(" ")[1]) * 4096;
  } catch {
    return null;
  }
}
