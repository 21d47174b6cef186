/**
 * fs_search: a plain substring search (optionally case-sensitive) over the text files under a directory of
 * a root. Deliberately not a regular expression: the search runs on the gateway's event loop, where a
 * catastrophic pattern could not be interrupted by the call's deadline. Bounded by result count, files
 * visited, bytes read per file (grants.fs.maxReadBytes) and in total; symbolic links are not followed.
 */
import { readdir } from "node:fs/promises";
import { openInRoot, resolveInRoot, type Root } from "./paths.ts";

export const SEARCH_LIMITS = { maxResults: 500, maxFiles: 20_000, maxTotalBytes: 64 * 1024 * 1024, maxDepth: 32, lineChars: 300 };

export interface SearchRequest {
  root: Root;
  path: string;
  query: string;
  caseSensitive: boolean;
  maxResults: number;
  maxFileBytes: number;
}

export interface SearchMatch {
  path: string;
  line: number;
  text: string;
}

const DECODER = new TextDecoder();

/** True when the first bytes hold a NUL: treated as binary and skipped. */
const looksBinary = (bytes: Uint8Array) => bytes.subarray(0, 8192).includes(0);

export async function searchFiles(req: SearchRequest): Promise<{ matches: SearchMatch[]; more: boolean; filesScanned: number }> {
  const start = await resolveInRoot(req.root, req.path, "fs_search");
  const needle = req.caseSensitive ? req.query : req.query.toLowerCase();
  const matches: SearchMatch[] = [];
  let filesScanned = 0;
  let bytesRead = 0;
  let more = false;
  // Depth-first over the real tree; names are root-relative so every open goes through the confinement check.
  const stack: { rel: string; depth: number }[] = [{ rel: start.rel, depth: 0 }];
  while (stack.length && !more) {
    const dir = stack.pop()!;
    const { real } = await resolveInRoot(req.root, dir.rel, "fs_search");
    // A directory's files in name order first, then its subdirectories (pushed reversed: popped in name order).
    const entries = (await readdir(real, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1));
    const subdirs = entries.filter((e) => e.isDirectory()).map((e) => (dir.rel ? `${dir.rel}/${e.name}` : e.name));
    if (dir.depth < SEARCH_LIMITS.maxDepth) for (const rel of subdirs.reverse()) stack.push({ rel, depth: dir.depth + 1 });
    for (const entry of entries) {
      const rel = dir.rel ? `${dir.rel}/${entry.name}` : entry.name;
      if (!entry.isFile()) continue; // symlinks, sockets, devices
      if (filesScanned >= SEARCH_LIMITS.maxFiles || bytesRead >= SEARCH_LIMITS.maxTotalBytes) {
        more = true;
        break;
      }
      filesScanned++;
      const bytes = await readHead(req.root, rel, Math.min(req.maxFileBytes, SEARCH_LIMITS.maxTotalBytes - bytesRead));
      if (!bytes) continue;
      bytesRead += bytes.length;
      if (looksBinary(bytes)) continue;
      const lines = DECODER.decode(bytes).split("\n");
      for (let i = 0; i < lines.length; i++) {
        const hay = req.caseSensitive ? lines[i]! : lines[i]!.toLowerCase();
        if (!hay.includes(needle)) continue;
        if (matches.length >= req.maxResults) {
          more = true;
          break;
        }
        matches.push({ path: rel, line: i + 1, text: lines[i]!.slice(0, SEARCH_LIMITS.lineChars) });
      }
      if (more) break;
    }
  }
  return { matches, more, filesScanned };
}

/** The first `max` bytes of a file, or undefined if it vanished or cannot be read. */
async function readHead(root: Root, rel: string, max: number): Promise<Uint8Array | undefined> {
  try {
    const { handle } = await openInRoot(root, rel, "fs_search");
    try {
      const n = Math.min(max, (await handle.stat()).size);
      const buf = new Uint8Array(n);
      const { bytesRead } = n ? await handle.read(buf, 0, n, 0) : { bytesRead: 0 };
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
