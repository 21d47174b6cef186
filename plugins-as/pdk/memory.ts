// Moving bytes between the guest's linear memory and Extism blocks. Eight bytes per host call, a byte at a
// time only for the tail: the host's block store answers these calls without leaving wasm.
import { ByteWriter } from "./writer";
import { alloc, error_set, free, input_length, input_load_u64, input_load_u8, length, load_u64, load_u8, output_set, store_u64, store_u8 } from "./env";

/** The call's input bytes. */
export function readInput(): ArrayBuffer {
  const len = <i32>input_length();
  const buf = new ArrayBuffer(len);
  const ptr = changetype<usize>(buf);
  let i = 0;
  for (; i + 8 <= len; i += 8) store<u64>(ptr + i, input_load_u64(i));
  for (; i < len; i++) store<u8>(ptr + i, input_load_u8(i));
  return buf;
}

/** A new block holding `buf`'s bytes; the caller hands it to the host (or frees it). */
export function blockFromBytes(buf: ArrayBuffer): u64 {
  return blockFromMemory(changetype<usize>(buf), buf.byteLength);
}

/** A new block holding `len` bytes of linear memory from `ptr`. */
export function blockFromMemory(ptr: usize, len: i32): u64 {
  const handle = alloc(<u64>len);
  let i = 0;
  for (; i + 8 <= len; i += 8) store_u64(handle + i, load<u64>(ptr + i));
  for (; i < len; i++) store_u8(handle + i, load<u8>(ptr + i));
  return handle;
}

/** A new block holding `text` as UTF-8. */
export function blockFromString(text: string): u64 {
  return blockFromBytes(String.UTF8.encode(text));
}

/** The bytes of a block (handle 0: null). Does not free it. */
export function readBlock(handle: u64): ArrayBuffer | null {
  if (handle == 0) return null;
  const len = <i32>length(handle);
  const buf = new ArrayBuffer(len);
  const ptr = changetype<usize>(buf);
  let i = 0;
  for (; i + 8 <= len; i += 8) store<u64>(ptr + i, load_u64(handle + i));
  for (; i < len; i++) store<u8>(ptr + i, load_u8(handle + i));
  return buf;
}

/** Reads a block the host gave us and frees it (null for handle 0). */
export function takeBlock(handle: u64): ArrayBuffer | null {
  const bytes = readBlock(handle);
  if (handle != 0) free(handle);
  return bytes;
}

export function takeString(handle: u64): string | null {
  const bytes = takeBlock(handle);
  return bytes === null ? null : String.UTF8.decode(bytes);
}

/** Sets the call's output to `text` (UTF-8: the byte length, not the string length, goes to the host). */
export function outputString(text: string): void {
  const bytes = String.UTF8.encode(text);
  output_set(blockFromBytes(bytes), <u64>bytes.byteLength);
}

export function outputBytes(bytes: ArrayBuffer): void {
  output_set(blockFromBytes(bytes), <u64>bytes.byteLength);
}

/** Sets the call's output to what `writer` holds, without copying it into a buffer of its own first. */
export function outputWriter(writer: ByteWriter): void {
  output_set(blockFromMemory(writer.ptr, writer.len), <u64>writer.len);
}

/** Reports an Extism error: the host fails the call with `message` (return non-zero from the export too). */
export function setError(message: string): void {
  error_set(blockFromString(message));
}
