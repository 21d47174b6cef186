/** Temporary folders a test file removes after its tests, made or adopted. */
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempFolders {
  /** A new empty folder under the system temp dir. */
  make(prefix: string): string;
  /** A folder something else created (e.g. a test gateway's plugins dir) to remove as well. */
  adopt(path: string): void;
}

/** Call at the top of a test file: registers the removal with that file's afterAll. */
export function tempFolders(): TempFolders {
  const folders: string[] = [];
  afterAll(() => {
    for (const d of folders) rmSync(d, { recursive: true, force: true });
  });
  return {
    make: (prefix) => {
      const d = mkdtempSync(join(tmpdir(), prefix));
      folders.push(d);
      return d;
    },
    adopt: (path) => void folders.push(path),
  };
}
