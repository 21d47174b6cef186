/**
 * The `fs` grant: which folders a plugin may read. Relative root paths resolve against the gateway's working
 * directory. Each root is resolved to its realpath once, at load: a root that is itself a symbolic link is
 * confined to the folder it pointed to then (re-pointing the link later does not widen the grant; reload the
 * plugin to follow it).
 */
import { mkdir, realpath, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { z } from "zod";
import type { Root } from "./paths.ts";

const rootName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/, "must be 1-64 letters, digits, '_', '-' or '.'");

export const fsGrantSchema = z
  .object({
    roots: z
      .array(
        z
          .object({
            path: z.string().min(1),
            /** What the guest calls the root (default: the folder's name); the host path is never shown. */
            name: rootName.optional(),
            /** Create the folder (empty) when it is missing, so a default install works out of the box. */
            create: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
    /** Most bytes one fs_read returns, and most bytes fs_search reads of one file. */
    maxReadBytes: z.number().int().positive().max(64 * 1024 * 1024).default(1024 * 1024),
  })
  .strict();
export type FsGrant = z.infer<typeof fsGrantSchema>;

/** The grant's roots as realpaths, checked to be directories with distinct names. */
export async function resolveRoots(grant: FsGrant): Promise<Root[]> {
  const roots: Root[] = [];
  for (const [i, spec] of grant.roots.entries()) {
    const where = `grants.fs.roots[${i}] (${spec.path})`;
    const absolute = resolve(spec.path);
    if (spec.create) await mkdir(absolute, { recursive: true });
    let real: string;
    try {
      real = await realpath(absolute);
    } catch {
      throw new Error(`${where} does not exist; create it, or set "create": true`);
    }
    if (!(await stat(real)).isDirectory()) throw new Error(`${where} is not a directory`);
    const name = spec.name ?? rootName.catch("root").parse(basename(real));
    if (roots.some((r) => r.name === name)) throw new Error(`${where}: two roots are named "${name}"; give them distinct "name"s`);
    roots.push({ name, real });
  }
  return roots;
}
