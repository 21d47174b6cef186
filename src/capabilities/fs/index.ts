/**
 * The `fs` capability: read, list and search files under the roots a plugin's manifest grants (host
 * functions fs_roots, fs_read, fs_list, fs_search; shapes in docs/plugin-abi.md §3.2). The guest names a
 * root and a path relative to it; ./paths.ts keeps every access inside the root, and answers carry
 * root-relative paths only.
 */
import { readdir, realpath } from "node:fs/promises";
import { CapabilityError, capabilityOp, intArg, stringArg, type Capability } from "../types.ts";
import { fsGrantSchema, resolveRoots, type FsGrant } from "./grant.ts";
import { fsError, openInRoot, resolveInRoot, type Root } from "./paths.ts";
import { searchFiles, SEARCH_LIMITS } from "./search.ts";

export { fsGrantSchema, type FsGrant };
export const FS_OPS = ["fs_roots", "fs_read", "fs_list", "fs_search"] as const;
export const MAX_LIST_ENTRIES = 10_000;

const UTF8 = new TextDecoder("utf-8", { fatal: true });

function pickRoot(roots: readonly Root[], arg: Record<string, unknown>, fn: string): Root {
  const names = roots.map((r) => `"${r.name}"`).join(", ");
  if (roots.length === 0) throw new CapabilityError("denied", `${fn}: this plugin's grant has no roots (grants.fs.roots is empty)`);
  const name = stringArg(arg, "root", fn, { optional: true });
  if (name === undefined) {
    if (roots.length === 1) return roots[0]!;
    throw new CapabilityError("invalid", `${fn}: "root" is required when several roots are granted: ${names}`);
  }
  const root = roots.find((r) => r.name === name);
  if (!root) throw new CapabilityError("not_found", `${fn}: no root named "${name}"; granted: ${names}`);
  return root;
}

async function read(root: Root, path: string, offset: number, length: number) {
  const { handle, rel } = await openInRoot(root, path, "fs_read");
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new CapabilityError("invalid", `fs_read: "${path}" is not a regular file${info.isDirectory() ? " (use fs_list for directories)" : ""}`);
    const n = Math.max(0, Math.min(length, info.size - offset));
    const buf = new Uint8Array(n);
    const { bytesRead } = n ? await handle.read(buf, 0, n, offset) : { bytesRead: 0 };
    const bytes = buf.subarray(0, bytesRead);
    let content: string;
    let encoding = "utf-8";
    try {
      content = UTF8.decode(bytes);
    } catch {
      content = Buffer.from(bytes).toString("base64");
      encoding = "base64";
    }
    return { root: root.name, path: rel, size: info.size, offset, content, encoding, truncated: offset + bytesRead < info.size };
  } finally {
    await handle.close();
  }
}

async function list(root: Root, path: string, limit: number) {
  const { real, rel } = await resolveInRoot(root, path, "fs_list");
  let dirents;
  try {
    dirents = await readdir(real, { withFileTypes: true });
  } catch (err) {
    throw fsError(err, "fs_list", path, root);
  }
  // The directory was resolved inside the root just before; make sure it still is (no swap in between).
  if ((await realpath(real).catch(() => "")) !== real) throw new CapabilityError("denied", `fs_list: "${path}" changed while it was listed`);
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const entries = dirents.slice(0, limit).map((d) => ({
    name: d.name,
    type: d.isFile() ? "file" : d.isDirectory() ? "directory" : d.isSymbolicLink() ? "symlink" : "other",
  }));
  return { root: root.name, path: rel, entries, more: dirents.length > limit };
}

export const fsCapability: Capability<"fs", FsGrant> = {
  name: "fs",
  grantSchema: fsGrantSchema,
  ops: FS_OPS,
  async hostOps(grant, env) {
    const roots = await resolveRoots(grant);
    return {
      fs_roots: capabilityOp("fs_roots", env, async () => ({ roots: roots.map((r) => ({ name: r.name })) })),
      fs_read: capabilityOp("fs_read", env, async (arg) => {
        const root = pickRoot(roots, arg, "fs_read");
        const offset = intArg(arg, "offset", "fs_read", 0, Number.MAX_SAFE_INTEGER) ?? 0;
        const length = intArg(arg, "length", "fs_read", 0, grant.maxReadBytes) ?? grant.maxReadBytes;
        return read(root, stringArg(arg, "path", "fs_read")!, offset, length);
      }),
      fs_list: capabilityOp("fs_list", env, async (arg) => {
        const root = pickRoot(roots, arg, "fs_list");
        const limit = intArg(arg, "limit", "fs_list", 1, MAX_LIST_ENTRIES) ?? 1000;
        return list(root, stringArg(arg, "path", "fs_list", { optional: true }) ?? "", limit);
      }),
      fs_search: capabilityOp("fs_search", env, async (arg) => {
        const root = pickRoot(roots, arg, "fs_search");
        const query = stringArg(arg, "query", "fs_search")!;
        if (query.length === 0 || query.length > 1000) throw new CapabilityError("invalid", 'fs_search: "query" must be 1-1000 characters');
        if (arg.caseSensitive !== undefined && typeof arg.caseSensitive !== "boolean") {
          throw new CapabilityError("invalid", 'fs_search: "caseSensitive" must be a boolean');
        }
        const result = await searchFiles({
          root,
          path: stringArg(arg, "path", "fs_search", { optional: true }) ?? "",
          query,
          caseSensitive: arg.caseSensitive === true,
          maxResults: intArg(arg, "maxResults", "fs_search", 1, SEARCH_LIMITS.maxResults) ?? 50,
          maxFileBytes: grant.maxReadBytes,
        });
        return { root: root.name, ...result };
      }),
    };
  },
};
