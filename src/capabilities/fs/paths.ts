/**
 * Confinement of guest paths to a granted root. A guest path is always relative to a root; it is checked
 * lexically first (no absolute paths, drive letters, backslashes, NUL bytes, `..` segments, over-long
 * names) and then by where it really leads: after realpath, and again on the opened file descriptor
 * (/proc/self/fd), it must still be the root or lie inside it. So symlinks pointing out, symlinked
 * directories on the way and a symlink swapped in between the check and the open all fail. Error messages
 * carry the guest's own path only, never a host path.
 */
import { constants } from "node:fs";
import { open, readlink, realpath, type FileHandle } from "node:fs/promises";
import { sep } from "node:path";
import { CapabilityError } from "../types.ts";

/** A granted root as the host sees it: `real` is its realpath, taken once at load. */
export interface Root {
  name: string;
  real: string;
}

export const MAX_PATH_CHARS = 4096;
export const MAX_SEGMENT_BYTES = 255;
const ENCODER = new TextEncoder();

/** The normalised root-relative segments of a guest path ("" or "." is the root itself). */
export function guestSegments(path: string, fn: string): string[] {
  const denied = (why: string) => new CapabilityError("denied", `${fn}: ${why}; paths are relative to a granted root`);
  if (path.length > MAX_PATH_CHARS) throw new CapabilityError("invalid", `${fn}: the path is longer than ${MAX_PATH_CHARS} characters`);
  if (path.includes("\0")) throw denied("the path contains a NUL byte");
  if (path.startsWith("/")) throw denied(`"${path}" is absolute`);
  // Windows forms (C:\x, C:x, \\server\share, \x) are refused outright rather than read as odd POSIX names.
  if (path.includes("\\")) throw denied(`"${path}" contains a backslash`);
  if (/^[a-zA-Z]:/.test(path)) throw denied(`"${path}" starts with a drive letter`);
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") throw denied(`"${path}" leaves its directory with ".."`);
    if (ENCODER.encode(segment).length > MAX_SEGMENT_BYTES) throw new CapabilityError("invalid", `${fn}: a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
    segments.push(segment);
  }
  return segments;
}

const inside = (root: Root, real: string) => real === root.real || real.startsWith(root.real === sep ? sep : root.real + sep);

/** The root-relative form of a host path inside the root ("" for the root itself). */
export function relativeTo(root: Root, real: string): string {
  return real === root.real ? "" : real.slice(root.real === sep ? 1 : root.real.length + 1);
}

/** Where a guest path really leads inside the root; refuses any path whose target is outside it. */
export async function resolveInRoot(root: Root, path: string, fn: string): Promise<{ real: string; rel: string }> {
  const segments = guestSegments(path, fn);
  const candidate = segments.length ? root.real + (root.real === sep ? "" : sep) + segments.join(sep) : root.real;
  let real: string;
  try {
    real = await realpath(candidate);
  } catch (err) {
    throw fsError(err, fn, path, root);
  }
  if (!inside(root, real)) throw new CapabilityError("denied", `${fn}: "${path}" leads outside root "${root.name}" (through a symbolic link)`);
  return { real, rel: relativeTo(root, real) };
}

/**
 * Opens a checked path read-only without following a final symlink, then confirms on the descriptor itself
 * that the file opened is inside the root (closing the window between realpath and open).
 */
export async function openInRoot(root: Root, path: string, fn: string): Promise<{ handle: FileHandle; rel: string }> {
  const { real, rel } = await resolveInRoot(root, path, fn);
  let handle: FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw fsError(err, fn, path, root);
  }
  const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => real);
  if (!inside(root, opened)) {
    await handle.close();
    throw new CapabilityError("denied", `${fn}: "${path}" changed to lead outside root "${root.name}" while it was opened`);
  }
  return { handle, rel };
}

/** Node's errors name the host path: translate the ones a guest can cause into messages that do not. */
export function fsError(err: unknown, fn: string, path: string, root: Root): CapabilityError {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "ENOENT":
      return new CapabilityError("not_found", `${fn}: "${path}" does not exist in root "${root.name}"`);
    case "ENOTDIR":
      return new CapabilityError("not_found", `${fn}: a part of "${path}" is not a directory`);
    case "EISDIR":
      return new CapabilityError("invalid", `${fn}: "${path}" is a directory`);
    case "ELOOP":
      return new CapabilityError("denied", `${fn}: "${path}" is a symbolic link loop`);
    case "EACCES":
    case "EPERM":
      return new CapabilityError("denied", `${fn}: the gateway may not read "${path}"`);
    case "ENAMETOOLONG":
      return new CapabilityError("invalid", `${fn}: the path is too long`);
    default:
      return new CapabilityError("unavailable", `${fn}: "${path}" could not be read (${code ?? "unknown error"})`);
  }
}
